#include "Bench.h"

#include "cpu/CpuOps.h"

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <random>

namespace llmlab {

namespace {
using Clock = std::chrono::steady_clock;

std::vector<float> randomMatrix(int n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> dist(-1, 1);
    std::vector<float> v(std::size_t(n) * std::size_t(n));
    for (float& x : v) x = dist(rng);
    return v;
}

template <typename F> double medianSeconds(int reps, F&& once) {
    once(); // warm-up: pipelines, caches, thread pools
    std::vector<double> t;
    for (int i = 0; i < std::max(1, reps); ++i) {
        const auto start = Clock::now();
        once();
        t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

MatmulBenchResult finish(MatmulBenchResult r) {
    r.gflops = 2.0 * double(r.n) * r.n * r.n / r.seconds / 1e9;
    return r;
}
} // namespace

MatmulBenchResult benchMatmul(Backend& backend, int n, int reps) {
    Graph g;
    const NodeId a = g.input("a", Shape{n, n});
    const NodeId b = g.constant("b", Tensor::fromFloats(Shape{n, n}, randomMatrix(n, 2)));
    g.capture(g.matmul(a, b));
    auto exe = backend.compile(g);
    const std::vector<float> av = randomMatrix(n, 1);
    exe->setInput(a, std::span<const float>(av));
    MatmulBenchResult r;
    r.backend = backend.name();
    r.device = backend.deviceName();
    r.n = n;
    r.seconds = medianSeconds(reps, [&] { exe->run(); });
    return finish(r);
}

MatmulBenchResult benchEigenGemm(int n, int reps) {
    using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const std::vector<float> av = randomMatrix(n, 1), bv = randomMatrix(n, 2);
    const M a = Eigen::Map<const M>(av.data(), n, n), b = Eigen::Map<const M>(bv.data(), n, n);
    M c(n, n);
    Eigen::setNbThreads(cpu::threadCount());
    MatmulBenchResult r;
    r.backend = "eigen";
    r.device = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
               std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) +
               " GEMM, " + std::to_string(Eigen::nbThreads()) + " threads";
    r.n = n;
    r.seconds = medianSeconds(reps, [&] { c.noalias() = a * b; });
    return finish(r);
}

std::vector<int> standardBenchSizes() {
    return {256, 512, 768, 1024};
}

} // namespace llmlab
