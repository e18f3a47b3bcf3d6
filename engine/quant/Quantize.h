// Quantizers for every GGUF weight type llmlab reads (F16, BF16, Q4_0 ... Q6_K): the inverse of
// BlockQuant.cpp's dequantizers, with the same block layouts.
//
// The legacy types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) and F16/BF16 round exactly as ggml's reference
// quantizer does, so their output equals llama.cpp's byte for byte. The K types (Q2_K ... Q6_K)
// have a scale search of our own: for each group, candidate scales around the range's are tried,
// each refined by weighted least squares on the rounded levels, the best kept; then the group
// scales are rounded to the super-block grid and the super-block scale refitted. An optional
// importance per value (an imatrix column's mean squared activation) weights the squared error,
// which is then what every type, the legacy ones included, minimises.
#pragma once

#include "DType.h"

#include <cstdint>

namespace llmlab {

/// True for the types quantizeBlocks() writes: F32, F16, BF16 and every block type but Q8_K.
bool canQuantize(DType type);

/// Quantizes `n` floats (a whole number of blocks) into `type` at `dst`
/// (dtypeStorageBytes(type, n) bytes). `importance` is null or `n` non-negative weights for the
/// squared error of each value. Returns false for a type it can't write or a partial block.
bool quantizeBlocks(DType type, const float* src, void* dst, std::int64_t n,
                    const float* importance = nullptr);

} // namespace llmlab
