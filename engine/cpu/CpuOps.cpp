#include "CpuOps.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <omp.h>
#include <vector>

namespace llmlab::cpu {

namespace {
using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;
using Map = Eigen::Map<RowMajor>;

int& threadSetting() {
    // Per thread: the runs of a sweep each set their own count on their own thread.
    thread_local int n = omp_get_num_procs();
    return n;
}

// Small element-wise loops are not worth a thread team.
constexpr std::int64_t kParallelThreshold = 1 << 15;
} // namespace

int threadCount() {
    return threadSetting();
}

void setThreadCount(int n) {
    threadSetting() = std::max(1, n);
    Eigen::setNbThreads(threadSetting());
}

void matmul(const float* a, const float* b, float* c, std::int64_t m, std::int64_t k,
            std::int64_t n, bool transB, bool transA) {
    Eigen::setNbThreads(threadCount());
    Map C(c, m, n);
    if (k == 0) {
        C.setZero();
        return;
    }
    if (transA) {
        ConstMap At(a, k, m);
        ConstMap B(b, k, n);
        C.noalias() = At.transpose() * B;
        return;
    }
    ConstMap A(a, m, k);
    if (transB) {
        ConstMap B(b, n, k);
        C.noalias() = A * B.transpose();
    } else {
        ConstMap B(b, k, n);
        C.noalias() = A * B;
    }
}

void add(const float* a, const float* b, float* out, std::int64_t n, std::int64_t bn) {
#pragma omp parallel for num_threads(threadCount()) if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i % bn];
}

void mul(const float* a, const float* b, float* out, std::int64_t n, std::int64_t bn) {
#pragma omp parallel for num_threads(threadCount()) if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i % bn];
}

void scale(const float* a, float s, float* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] * s;
}

void embedding(const float* table, std::int64_t vocab, std::int64_t dim, const std::int32_t* ids,
               std::int64_t count, float* out) {
    for (std::int64_t t = 0; t < count; ++t) {
        float* row = out + t * dim;
        const std::int64_t id = ids[t];
        if (id < 0 || id >= vocab)
            std::fill(row, row + dim, 0.0f);
        else
            std::copy(table + id * dim, table + (id + 1) * dim, row);
    }
}

void rmsNorm(const float* x, const float* w, float* out, std::int64_t rows, std::int64_t d,
             float eps) {
#pragma omp parallel for num_threads(threadCount()) if (rows * d > kParallelThreshold)
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        double sum = 0;
        for (std::int64_t i = 0; i < d; ++i) sum += double(xr[i]) * xr[i];
        const float inv = float(1.0 / std::sqrt(sum / double(d) + eps));
        for (std::int64_t i = 0; i < d; ++i) out[r * d + i] = xr[i] * inv * w[i];
    }
}

void layerNorm(const float* x, const float* w, const float* b, float* out, std::int64_t rows,
               std::int64_t d, float eps) {
#pragma omp parallel for num_threads(threadCount()) if (rows * d > kParallelThreshold)
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        double mean = 0;
        for (std::int64_t i = 0; i < d; ++i) mean += xr[i];
        mean /= double(d);
        double var = 0;
        for (std::int64_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        var /= double(d);
        const double inv = 1.0 / std::sqrt(var + eps);
        for (std::int64_t i = 0; i < d; ++i)
            out[r * d + i] = float((xr[i] - mean) * inv) * w[i] + b[i];
    }
}

void rope(const float* x, const std::int32_t* pos, float* out, std::int64_t tokens, int heads,
          int headDim, int ropeDims, float theta, RopeLayout layout, bool inverse) {
    const std::int64_t width = std::int64_t(heads) * headDim;
    const int half = ropeDims / 2;
    std::vector<double> freq(static_cast<std::size_t>(half));
    for (int i = 0; i < half; ++i)
        freq[std::size_t(i)] = std::pow(double(theta), -2.0 * i / double(ropeDims));
#pragma omp parallel num_threads(threadCount()) if (tokens * width > kParallelThreshold)
    {
        std::vector<double> cs(static_cast<std::size_t>(2 * half));
#pragma omp for schedule(static)
        for (std::int64_t t = 0; t < tokens; ++t) {
            // Angles in double: positions run to thousands, where float angles lose digits.
            // One table per token, shared by its heads.
            for (int i = 0; i < half; ++i) {
                const double angle = double(pos[t]) * freq[std::size_t(i)];
                cs[std::size_t(2 * i)] = std::cos(angle);
                cs[std::size_t(2 * i + 1)] = inverse ? -std::sin(angle) : std::sin(angle);
            }
            for (int h = 0; h < heads; ++h) {
                const float* xh = x + t * width + std::int64_t(h) * headDim;
                float* oh = out + t * width + std::int64_t(h) * headDim;
                std::copy(xh + ropeDims, xh + headDim, oh + ropeDims); // unrotated tail
                for (int i = 0; i < half; ++i) {
                    const double c = cs[std::size_t(2 * i)], s = cs[std::size_t(2 * i + 1)];
                    const int i0 = layout == RopeLayout::Interleaved ? 2 * i : i;
                    const int i1 = layout == RopeLayout::Interleaved ? 2 * i + 1 : i + half;
                    const double x0 = xh[i0], x1 = xh[i1];
                    oh[i0] = float(x0 * c - x1 * s);
                    oh[i1] = float(x0 * s + x1 * c);
                }
            }
        }
    }
}

void softmax(const float* x, const float* mask, float* out, std::int64_t n, std::int64_t tq,
             std::int64_t tk, bool causal, float scale) {
    const std::int64_t rows = tk == 0 ? 0 : n / tk;
    const float ninf = -std::numeric_limits<float>::infinity();
#pragma omp parallel for num_threads(threadCount()) if (n > kParallelThreshold)
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t i = r % tq; // query index within its [Tq, Tk] block
        const float* xr = x + r * tk;
        float* o = out + r * tk;
        const std::int64_t lastAllowed = causal ? i + (tk - tq) : tk - 1;
        float mx = ninf;
        for (std::int64_t j = 0; j < tk; ++j) {
            float v = j <= lastAllowed ? xr[j] * scale + (mask ? mask[i * tk + j] : 0.0f) : ninf;
            o[j] = v;
            mx = std::max(mx, v);
        }
        if (mx == ninf) { // nothing allowed: no distribution, all zeros
            std::fill(o, o + tk, 0.0f);
            continue;
        }
        double sum = 0;
        for (std::int64_t j = 0; j < tk; ++j) {
            const float e = o[j] == ninf ? 0.0f : std::exp(o[j] - mx);
            o[j] = e;
            sum += e;
        }
        const float inv = float(1.0 / sum);
        for (std::int64_t j = 0; j < tk; ++j) o[j] *= inv;
    }
}

// Attention per head as two small GEMMs on strided views of q, k, v (heads side by side in
// a row): Eigen's kernels instead of a dot product per (query, key) pair. Threads take heads.
using Strided = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;

void attnScores(const float* q, const float* k, float* scores, std::int64_t tq, std::int64_t tk,
                int heads, int kvHeads, int headDim, float scale) {
    const int group = heads / kvHeads;
    const std::int64_t qw = std::int64_t(heads) * headDim, kw = std::int64_t(kvHeads) * headDim;
#pragma omp parallel for num_threads(threadCount()) if (tq * tk * heads > 4096)
    for (int h = 0; h < heads; ++h) {
        const Strided Q(q + std::int64_t(h) * headDim, tq, headDim, Eigen::OuterStride<>(qw));
        const Strided K(k + std::int64_t(h / group) * headDim, tk, headDim,
                        Eigen::OuterStride<>(kw));
        Map S(scores + std::int64_t(h) * tq * tk, tq, tk);
        S.noalias() = (Q * K.transpose()) * scale;
    }
}

void attnValues(const float* probs, const float* v, float* out, std::int64_t tq, std::int64_t tk,
                int heads, int kvHeads, int headDim) {
    const int group = heads / kvHeads;
    const std::int64_t ow = std::int64_t(heads) * headDim, vw = std::int64_t(kvHeads) * headDim;
    using StridedOut = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;
#pragma omp parallel for num_threads(threadCount()) if (tq * tk * heads > 4096)
    for (int h = 0; h < heads; ++h) {
        const ConstMap P(probs + std::int64_t(h) * tq * tk, tq, tk);
        const Strided V(v + std::int64_t(h / group) * headDim, tk, headDim,
                        Eigen::OuterStride<>(vw));
        StridedOut O(out + std::int64_t(h) * headDim, tq, headDim, Eigen::OuterStride<>(ow));
        if (tk == 0)
            O.setZero();
        else
            O.noalias() = P * V;
    }
}

void attnScoresRowwise(const float* q, const float* k, float* scores, std::int64_t tq,
                       std::int64_t tk, int heads, int kvHeads, int headDim, float scale) {
    const int group = heads / kvHeads;
    const std::int64_t qw = std::int64_t(heads) * headDim, kw = std::int64_t(kvHeads) * headDim;
#pragma omp parallel for num_threads(threadCount()) if (tq * tk * heads > 4096)
    for (int h = 0; h < heads; ++h)
        for (std::int64_t i = 0; i < tq; ++i) {
            const float* qi = q + i * qw + std::int64_t(h) * headDim;
            float* row = scores + (std::int64_t(h) * tq + i) * tk;
            for (std::int64_t j = 0; j < tk; ++j) {
                const float* kj = k + j * kw + std::int64_t(h / group) * headDim;
                float acc = 0.0f;
                for (int d = 0; d < headDim; ++d) acc += qi[d] * kj[d];
                row[j] = acc * scale;
            }
        }
}

void attnValuesRowwise(const float* probs, const float* v, float* out, std::int64_t tq,
                       std::int64_t tk, int heads, int kvHeads, int headDim) {
    const int group = heads / kvHeads;
    const std::int64_t ow = std::int64_t(heads) * headDim, vw = std::int64_t(kvHeads) * headDim;
#pragma omp parallel for num_threads(threadCount()) if (tq * tk * heads > 4096)
    for (int h = 0; h < heads; ++h)
        for (std::int64_t i = 0; i < tq; ++i) {
            const float* p = probs + (std::int64_t(h) * tq + i) * tk;
            float* o = out + i * ow + std::int64_t(h) * headDim;
            std::fill(o, o + headDim, 0.0f);
            for (std::int64_t j = 0; j < tk; ++j) {
                if (p[j] == 0.0f) continue; // masked keys (and their stale rows) add nothing
                const float* vj = v + j * vw + std::int64_t(h / group) * headDim;
                for (int d = 0; d < headDim; ++d) o[d] += p[j] * vj[d];
            }
        }
}

void silu(const float* x, float* out, std::int64_t n) {
#pragma omp parallel for num_threads(threadCount()) if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) out[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void gelu(const float* x, float* out, std::int64_t n) {
    const float c = 0.7978845608028654f; // sqrt(2/pi)
#pragma omp parallel for num_threads(threadCount()) if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        out[i] = 0.5f * v * (1.0f + std::tanh(c * (v + 0.044715f * v * v * v)));
    }
}

void relu(const float* x, float* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void swiglu(const float* gate, const float* up, float* out, std::int64_t n) {
#pragma omp parallel for num_threads(threadCount()) if (n > kParallelThreshold)
    for (std::int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

} // namespace llmlab::cpu
