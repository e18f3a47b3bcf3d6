// Element types of tensors: float formats now, GGUF block-quantized formats for model files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace llmlab {

enum class DType : std::uint8_t {
    F32,
    F16,
    BF16,
    I32,
    // GGUF block-quantized types (read and dequantized by the model readers).
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    Q8_K,
};

/// Human-readable name ("F32", "Q4_K", ...).
std::string_view dtypeName(DType t);

/// Number of elements in one storage block (1 for plain types, 32 or 256 for quantized ones).
std::int64_t dtypeBlockElements(DType t);

/// Bytes taken by one storage block.
std::int64_t dtypeBlockBytes(DType t);

/// True for the block-quantized types.
bool dtypeIsQuantized(DType t);

/// Bytes needed to store `elements` values, or -1 when `elements` is not a whole number of blocks.
std::int64_t dtypeStorageBytes(DType t, std::int64_t elements);

} // namespace llmlab
