// Row-dot kernels for y = x · wᵀ when x has few rows (decoding, short prompts) and w is a weight
// matrix stored [out, in] in F32, F16, BF16 or a block-quantized type. Each weight row is read
// once, straight from the mapped file, and nothing is widened to a buffer: decoding is bound by
// how fast the weights stream from memory, so bytes read per token is what counts.
//
// For quantized weights x is first quantized to 8 bits, with one float scale per 32 values for
// Q8_0/Q4_0 and per 256-value super-block for Q4_K/Q6_K (as llama.cpp's Q8_K: coarser where x
// has outliers, but a super-block's integer sums then add up before one float multiply), and
// blocks multiply in integers: Σ w_q·x_q scaled by both scales — the way the block formats are
// meant to be used. The error this adds is that of 8-bit x (relative ~1e-3 per dot), far below
// the weights' own quantization error. x never reaches -128, which the AVX2 sign trick needs.
#pragma once

#include "DType.h"

#include <cstdint>

namespace llmlab::cpu {

/// Batches of up to this many rows of x use the row-dot kernels; larger ones widen blocks of
/// weight rows to F32 and use GEMM, which reuses each widened row across the whole batch.
constexpr std::int64_t kDotKernelMaxRows = 8;

/// True when dotKernelMatmul takes weights of this type (F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K).
bool hasDotKernel(DType type);

/// y [m, n] = x [m, k] · wᵀ for w [n, k] of `type` at `w` (rows contiguous, each a whole number
/// of blocks). Rows of w are split across threads. `scalarOnly` runs the portable code even
/// where vector code exists (the reference the vector code is tested against).
void dotKernelMatmul(const float* x, std::int64_t m, DType type, const void* w, std::int64_t n,
                     std::int64_t k, float* y, bool scalarOnly = false);

/// True when this build has vector (AVX2) kernels; false means the scalar code runs.
bool dotKernelsVectorised();

} // namespace llmlab::cpu
