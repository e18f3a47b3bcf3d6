// The CPU reference of every op: plain loops over row-major F32 data (Eigen for matmul).
// These functions are the readable specification the Vulkan shaders are tested against.
#pragma once

#include "Graph.h"

#include <cstdint>

namespace llmlab::cpu {

/// c [M,N] = a [M,K] * b [K,N], or a * b^T with b [N,K] when transB, or a^T * b with a [K,M]
/// when transA.
void matmul(const float* a, const float* b, float* c, std::int64_t m, std::int64_t k,
            std::int64_t n, bool transB, bool transA = false);

/// out = a (op) b over n values; b has bn values: n (same shape) or the row length (broadcast).
void add(const float* a, const float* b, float* out, std::int64_t n, std::int64_t bn);
void mul(const float* a, const float* b, float* out, std::int64_t n, std::int64_t bn);
void scale(const float* a, float s, float* out, std::int64_t n);

/// out [T,D] = table[ids[t]]; an id outside [0, V) gives a row of zeros.
void embedding(const float* table, std::int64_t vocab, std::int64_t dim, const std::int32_t* ids,
               std::int64_t count, float* out);

/// Per row of x [rows, d]: x / sqrt(mean(x^2) + eps) * w.
void rmsNorm(const float* x, const float* w, float* out, std::int64_t rows, std::int64_t d,
             float eps);
/// Per row: (x - mean) / sqrt(var + eps) * w + b (biased variance).
void layerNorm(const float* x, const float* w, const float* b, float* out, std::int64_t rows,
               std::int64_t d, float eps);

/// x [T, heads*headDim] rotated by angle pos[t] * theta^(-2i/ropeDims) for pair i of each head.
/// Interleaved pairs are (2i, 2i+1); RotateHalf pairs are (i, i + ropeDims/2).
void rope(const float* x, const std::int32_t* pos, float* out, std::int64_t tokens, int heads,
          int headDim, int ropeDims, float theta, RopeLayout layout,
          bool inverse = false);

/// Row softmax of x viewed as [rows, Tq, Tk] (rows = n / (Tq*Tk)), after multiplying by scale,
/// adding mask [Tq, Tk] (may be null) and, when causal, excluding key j > i + (Tk - Tq).
/// Excluded or -inf entries get probability 0; a row with nothing allowed is all zeros.
void softmax(const float* x, const float* mask, float* out, std::int64_t n, std::int64_t tq,
             std::int64_t tk, bool causal, float scale);

/// scores [H, Tq, Tk] = scale * q_h . k_g, g = h / (H / Hkv).
void attnScores(const float* q, const float* k, float* scores, std::int64_t tq, std::int64_t tk,
                int heads, int kvHeads, int headDim, float scale);
/// out [Tq, H*hd] = sum_j probs[h, i, j] * v[j, g*hd + d].
void attnValues(const float* probs, const float* v, float* out, std::int64_t tq, std::int64_t tk,
                int heads, int kvHeads, int headDim);

/// attnScores and attnValues computed one query row at a time in a fixed order (no GEMM
/// blocking), so a row's bits do not depend on Tq, nor on masked keys beyond the ones it sees.
void attnScoresRowwise(const float* q, const float* k, float* scores, std::int64_t tq,
                       std::int64_t tk, int heads, int kvHeads, int headDim, float scale);
void attnValuesRowwise(const float* probs, const float* v, float* out, std::int64_t tq,
                       std::int64_t tk, int heads, int kvHeads, int headDim);

void silu(const float* x, float* out, std::int64_t n);
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
void gelu(const float* x, float* out, std::int64_t n);
void relu(const float* x, float* out, std::int64_t n);
/// silu(gate) * up
void swiglu(const float* gate, const float* up, float* out, std::int64_t n);

/// Threads the CPU ops and Eigen's GEMM use (defaults to the machine's cores).
int threadCount();
void setThreadCount(int n);

} // namespace llmlab::cpu
