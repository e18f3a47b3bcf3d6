#include "CpuGradOps.h"

#include "CpuOps.h"

#include <algorithm>
#include <cmath>

namespace llmlab::cpu {

void reluGrad(const float* dy, const float* x, float* dx, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

void geluGrad(const float* dy, const float* x, float* dx, std::int64_t n) {
    const float c = 0.7978845608028654f; // sqrt(2/pi)
    for (std::int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float t = std::tanh(c * (v + 0.044715f * v * v * v));
        const float dt = (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * dt);
    }
}

void siluGrad(const float* dy, const float* x, float* dx, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) {
        const float s = 1.0f / (1.0f + std::exp(-x[i]));
        dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

void softmaxGrad(const float* dy, const float* y, float* dx, std::int64_t rows, std::int64_t n,
                 float scale) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* dyr = dy + r * n;
        const float* yr = y + r * n;
        double dot = 0;
        for (std::int64_t j = 0; j < n; ++j) dot += double(dyr[j]) * yr[j];
        for (std::int64_t j = 0; j < n; ++j) dx[r * n + j] = scale * yr[j] * (dyr[j] - float(dot));
    }
}

void layerNormGrad(const float* dy, const float* x, const float* w, float* dx, std::int64_t rows,
                   std::int64_t d, float eps) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        const float* dyr = dy + r * d;
        double mean = 0, var = 0;
        for (std::int64_t i = 0; i < d; ++i) mean += xr[i];
        mean /= double(d);
        for (std::int64_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        const double inv = 1.0 / std::sqrt(var / double(d) + eps);
        double meanG = 0, meanGX = 0; // mean(g), mean(g * xhat) with g = dy * w
        for (std::int64_t i = 0; i < d; ++i) {
            const double g = double(dyr[i]) * w[i];
            meanG += g;
            meanGX += g * (xr[i] - mean) * inv;
        }
        meanG /= double(d);
        meanGX /= double(d);
        for (std::int64_t i = 0; i < d; ++i) {
            const double g = double(dyr[i]) * w[i];
            const double xhat = (xr[i] - mean) * inv;
            dx[r * d + i] = float(inv * (g - meanG - xhat * meanGX));
        }
    }
}

void rmsNormGrad(const float* dy, const float* x, const float* w, float* dx, std::int64_t rows,
                 std::int64_t d, float eps) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * d;
        const float* dyr = dy + r * d;
        double ss = 0, gx = 0;
        for (std::int64_t i = 0; i < d; ++i) {
            ss += double(xr[i]) * xr[i];
            gx += double(dyr[i]) * w[i] * xr[i];
        }
        const double inv = 1.0 / std::sqrt(ss / double(d) + eps);
        const double k = inv * inv * inv * gx / double(d);
        for (std::int64_t i = 0; i < d; ++i)
            dx[r * d + i] = float(double(dyr[i]) * w[i] * inv - xr[i] * k);
    }
}

void columnSum(const float* x, float* out, std::int64_t rows, std::int64_t cols) {
    for (std::int64_t c = 0; c < cols; ++c) {
        double s = 0;
        for (std::int64_t r = 0; r < rows; ++r) s += x[r * cols + c];
        out[c] = float(s);
    }
}

void embeddingGrad(const float* dy, const std::int32_t* ids, float* dTable, std::int64_t count,
                   std::int64_t vocab, std::int64_t dim) {
    std::fill(dTable, dTable + vocab * dim, 0.0f);
    for (std::int64_t t = 0; t < count; ++t) {
        const std::int64_t id = ids[t];
        if (id < 0 || id >= vocab) continue;
        for (std::int64_t i = 0; i < dim; ++i) dTable[id * dim + i] += dy[t * dim + i];
    }
}

void attnScoresGradQ(const float* dScores, const float* k, float* dq, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim, float scale) {
    const int group = heads / kvHeads;
    const std::int64_t qw = std::int64_t(heads) * headDim, kw = std::int64_t(kvHeads) * headDim;
    const std::int64_t work = std::int64_t(heads) * tq * tk * headDim;
    // Each (head, query) row is written by one thread: the same sums in the same order.
#pragma omp parallel for schedule(static) num_threads(threadCount()) if (work > (1 << 16))
    for (std::int64_t hi = 0; hi < std::int64_t(heads) * tq; ++hi) {
        const int h = int(hi / tq);
        const std::int64_t i = hi % tq;
        float* o = dq + i * qw + std::int64_t(h) * headDim;
        std::fill(o, o + headDim, 0.0f);
        const float* ds = dScores + (std::int64_t(h) * tq + i) * tk;
        for (std::int64_t j = 0; j < tk; ++j) {
            if (ds[j] == 0.0f) continue; // masked (a causal row's second half): adds nothing
            const float* kj = k + j * kw + std::int64_t(h / group) * headDim;
            for (int d = 0; d < headDim; ++d) o[d] += scale * ds[j] * kj[d];
        }
    }
}

void attnScoresGradK(const float* dScores, const float* q, float* dk, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim, float scale) {
    const int group = heads / kvHeads;
    const std::int64_t qw = std::int64_t(heads) * headDim, kw = std::int64_t(kvHeads) * headDim;
    std::fill(dk, dk + tk * kw, 0.0f);
    const std::int64_t work = std::int64_t(heads) * tq * tk * headDim;
    // Key row j by one thread; each element still sums its heads, then queries, in order.
#pragma omp parallel for schedule(static) num_threads(threadCount()) if (work > (1 << 16))
    for (std::int64_t j = 0; j < tk; ++j)
        for (int h = 0; h < heads; ++h) {
            float* o = dk + j * kw + std::int64_t(h / group) * headDim;
            for (std::int64_t i = 0; i < tq; ++i) {
                const float ds = scale * dScores[(std::int64_t(h) * tq + i) * tk + j];
                if (ds == 0.0f) continue;
                const float* qi = q + i * qw + std::int64_t(h) * headDim;
                for (int d = 0; d < headDim; ++d) o[d] += ds * qi[d];
            }
        }
}

void attnValuesGradP(const float* dOut, const float* v, float* dProbs, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim) {
    const int group = heads / kvHeads;
    const std::int64_t ow = std::int64_t(heads) * headDim, vw = std::int64_t(kvHeads) * headDim;
    const std::int64_t work = std::int64_t(heads) * tq * tk * headDim;
#pragma omp parallel for schedule(static) num_threads(threadCount()) if (work > (1 << 16))
    for (std::int64_t hi = 0; hi < std::int64_t(heads) * tq; ++hi) {
        const int h = int(hi / tq);
        const std::int64_t i = hi % tq;
        const float* doi = dOut + i * ow + std::int64_t(h) * headDim;
        for (std::int64_t j = 0; j < tk; ++j) {
            const float* vj = v + j * vw + std::int64_t(h / group) * headDim;
            float dot = 0;
            for (int d = 0; d < headDim; ++d) dot += doi[d] * vj[d];
            dProbs[(std::int64_t(h) * tq + i) * tk + j] = dot;
        }
    }
}

void attnValuesGradV(const float* dOut, const float* probs, float* dv, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim) {
    const int group = heads / kvHeads;
    const std::int64_t ow = std::int64_t(heads) * headDim, vw = std::int64_t(kvHeads) * headDim;
    std::fill(dv, dv + tk * vw, 0.0f);
    const std::int64_t work = std::int64_t(heads) * tq * tk * headDim;
    // Value row j by one thread; each element still sums its heads, then queries, in order.
#pragma omp parallel for schedule(static) num_threads(threadCount()) if (work > (1 << 16))
    for (std::int64_t j = 0; j < tk; ++j)
        for (int h = 0; h < heads; ++h) {
            float* o = dv + j * vw + std::int64_t(h / group) * headDim;
            for (std::int64_t i = 0; i < tq; ++i) {
                const float p = probs[(std::int64_t(h) * tq + i) * tk + j];
                if (p == 0.0f) continue;
                const float* doi = dOut + i * ow + std::int64_t(h) * headDim;
                for (int d = 0; d < headDim; ++d) o[d] += p * doi[d];
            }
        }
}

namespace {
double logSumExp(const float* row, std::int64_t n) {
    float mx = row[0];
    for (std::int64_t j = 1; j < n; ++j) mx = std::max(mx, row[j]);
    double s = 0;
    for (std::int64_t j = 0; j < n; ++j) s += std::exp(double(row[j]) - mx);
    return mx + std::log(s);
}
} // namespace

void crossEntropy(const float* logits, const std::int32_t* labels, float* loss, std::int64_t rows,
                  std::int64_t vocab) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t y = labels[r];
        loss[r] = y < 0 || y >= vocab
                      ? 0.0f
                      : float(logSumExp(logits + r * vocab, vocab) - logits[r * vocab + y]);
    }
}

void crossEntropyGrad(const float* logits, const std::int32_t* labels, float* dLogits,
                      std::int64_t rows, std::int64_t vocab, float scale) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* row = logits + r * vocab;
        float* d = dLogits + r * vocab;
        const std::int64_t y = labels[r];
        if (y < 0 || y >= vocab) {
            std::fill(d, d + vocab, 0.0f);
            continue;
        }
        const double lse = logSumExp(row, vocab);
        for (std::int64_t j = 0; j < vocab; ++j)
            d[j] = scale * (float(std::exp(double(row[j]) - lse)) - (j == y ? 1.0f : 0.0f));
    }
}

void adamwBiasCorrections(float beta1, float beta2, std::int64_t step, float* c1, float* c2) {
    *c1 = float(1.0 / (1.0 - std::pow(double(beta1), double(step))));
    *c2 = float(1.0 / (1.0 - std::pow(double(beta2), double(step))));
}

void adamw(float* param, const float* grad, float* m, float* v, std::int64_t n,
           const AdamWParams& p) {
    for (std::int64_t i = 0; i < n; ++i) {
        const float g = grad[i] * p.gradScale;
        m[i] = p.beta1 * m[i] + (1.0f - p.beta1) * g;
        v[i] = p.beta2 * v[i] + (1.0f - p.beta2) * g * g;
        const float mhat = m[i] * p.biasCorrection1, vhat = v[i] * p.biasCorrection2;
        param[i] -= p.lr * (mhat / (std::sqrt(vhat) + p.eps) + p.weightDecay * param[i]);
    }
}

void gradEma(const float* grad, float* ema, float* out, std::int64_t n, float alpha, float lambda) {
    for (std::int64_t i = 0; i < n; ++i) {
        ema[i] = alpha * ema[i] + (1.0f - alpha) * grad[i];
        out[i] = grad[i] + lambda * ema[i];
    }
}

double sumSquares(const float* x, std::int64_t n) {
    double s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
    return s;
}

} // namespace llmlab::cpu
