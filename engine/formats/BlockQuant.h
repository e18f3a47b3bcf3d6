// Dequantization of the GGUF/ggml block formats (Q4_0 ... Q8_K) to F32 (quant/Quantize.h
// writes them).
#pragma once

#include "DType.h"

#include <cstdint>

namespace llmlab {

/// Registers a dequantizer with Tensor for every block type below; idempotent and cheap.
/// The readers call it, so Tensor::toFloats() works on any tensor they hand out.
void registerQuantFormats();

/// Dequantizes `n` values (a whole number of blocks) of `type` at `src` into `dst`.
/// Returns false for a non-block type or when n is not a multiple of the block size.
bool dequantizeBlocks(DType type, const void* src, float* dst, std::int64_t n);

} // namespace llmlab
