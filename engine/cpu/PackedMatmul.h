// Matmul and row gathers straight from F16, BF16 or block-quantized weights: rows are widened
// to F32 a block at a time into a small scratch buffer, so a Q4_K model stays Q4_K in memory
// and decoding reads a quarter of the bytes an F32 copy would.
#pragma once

#include "Tensor.h"

#include <cstdint>

namespace llmlab::cpu {

/// True when `w` (2-D) can be read row by row this way: F16, BF16, or a quantized type whose
/// rows are whole blocks.
bool canReadPackedRows(const Tensor& w);

/// rows [row0, row0 + count) of a 2-D packed tensor as F32 into dst [count, cols].
void widenRows(const Tensor& w, std::int64_t row0, std::int64_t count, float* dst);

/// y [M, N] = x [M, K] * w^T with w [N, K] packed (weights stored [out, in], as GGUF does).
/// Small M goes to the row-dot kernels (DotKernels.h) where the type has one.
void packedMatmulTransB(const float* x, const Tensor& w, float* y, std::int64_t m);

/// y [M, N] = x [M, K] * w^T for w [N, K] of `type` at `w` (F32 used in place, other types
/// widened a block of rows at a time): threads take blocks of rows, each a single-threaded
/// GEMM. For weights, this splits work better than Eigen's own threading at prompt sizes.
void blockedMatmulTransB(const float* x, std::int64_t m, DType type, const void* w,
                         std::int64_t n, std::int64_t k, float* y);

/// y [M, K] = x [M, N] * w with w [N, K] packed: the backward pass of x·wᵀ (a gradient flowing
/// back through a weight matrix) without widening the whole matrix. Threads take blocks of w's
/// rows, each adding into its own copy of y, summed at the end.
void packedMatmul(const float* x, const Tensor& w, float* y, std::int64_t m);

/// out [T, D] = rows of the packed table w [V, D] at ids (outside [0, V): zeros).
void packedEmbedding(const Tensor& w, const std::int32_t* ids, std::int64_t count, float* out);

} // namespace llmlab::cpu
