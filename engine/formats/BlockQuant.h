// Dequantization of the GGUF/ggml block formats (Q4_0 ... Q8_K) to F32.
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

/// True for the block types quantizeBlocks() can write: Q4_0, Q8_0, Q4_K, Q6_K.
bool canQuantize(DType type);

/// Quantizes `n` floats (a whole number of blocks) into `type` blocks at `dst`
/// (n / blockElements * blockBytes bytes). Round-to-nearest with one scale per block (and per
/// sub-block for the K types); meant for making test and benchmark files, not for shipping
/// models: llama.cpp's quantizer searches for better scales. Returns false when it can't.
bool quantizeBlocks(DType type, const float* src, void* dst, std::int64_t n);

} // namespace llmlab
