#include "BackendFactory.h"
#include "Bench.h"
#include "Cli.h"
#include "train/Trainer.h"

#include <chrono>

#include <cstdio>
#include <sstream>

namespace llmlab::cli {

namespace {

std::vector<int> parseSizes(const std::string& text) {
    if (text.empty()) return standardBenchSizes();
    std::vector<int> sizes;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) sizes.push_back(std::stoi(item));
    return sizes;
}

void printRow(const MatmulBenchResult& r, double eigenGflops) {
    std::printf("%-7s %5d  %9.3f ms  %8.1f GFLOP/s", r.backend.c_str(), r.n, r.seconds * 1e3,
                r.gflops);
    if (eigenGflops > 0) std::printf("  %6.1f%% of Eigen", 100.0 * r.gflops / eigenGflops);
    std::printf("\n");
}

int benchOps(const Args& args) {
    const std::vector<int> sizes = parseSizes(option(args, "sizes"));
    const int reps = std::stoi(option(args, "reps", "7"));
    const std::string which = option(args, "backend", "all");
    const int device = std::stoi(option(args, "device", "-1"));

    std::vector<std::unique_ptr<Backend>> backends;
    for (const std::string name : {"cpu", "vulkan"}) {
        if (which != "all" && which != name) continue;
        std::string why;
        auto b = createBackend(name, &why, device);
        if (b)
            backends.push_back(std::move(b));
        else
            std::printf("# %s: not available: %s\n", name.c_str(), why.c_str());
    }
    std::printf("# matmul n x n x n, F32, median of %d runs\n", reps);
    for (const auto& b : backends)
        std::printf("# %s: %s\n", b->name().c_str(), b->deviceName().c_str());
    for (int n : sizes) {
        const MatmulBenchResult eigen = benchEigenGemm(n, reps);
        if (n == sizes.front()) std::printf("# eigen: %s\n", eigen.device.c_str());
        printRow(eigen, 0);
        for (const auto& b : backends) printRow(benchMatmul(*b, n, reps), eigen.gflops);
    }
    return 0;
}

// Training steps/s of a preset (full-batch forward, backward and AdamW per step).
int benchTrain(const Args& args) {
    TrainConfig config;
    const std::string preset = option(args, "preset", "nanda");
    if (!presetConfig(preset, &config)) throw std::invalid_argument("unknown preset '" + preset + "'");
    const int steps = std::stoi(option(args, "steps", "50"));
    const std::string which = option(args, "backend", "cpu");
    std::string why;
    auto backend = createBackend(which, &why, std::stoi(option(args, "device", "-1")));
    if (!backend) throw std::runtime_error(which + ": " + why);
    Trainer trainer(config, *backend);
    for (int i = 0; i < 3; ++i) trainer.trainStep(); // warm-up
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) trainer.trainStep();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("train %s on %s (%s), batch %zu: %.2f steps/s\n", preset.c_str(),
                backend->name().c_str(), backend->deviceName().c_str(), trainer.task().train.size(),
                steps / secs);
    return 0;
}

} // namespace

int bench(const Args& args) {
    const std::string what = args.empty() ? "" : args.front();
    if (what == "ops") return benchOps(args);
    if (what == "train") return benchTrain(args);
    std::fprintf(stderr, "llmlab-cli bench: say what to measure: ops, train\n");
    return 2;
}

} // namespace llmlab::cli
