// Conversions between float and the 16-bit float formats (IEEE half, bfloat16).
#pragma once

#include <cstddef>
#include <cstdint>

namespace llmlab {

/// IEEE 754 binary16 bits to float (exact).
float halfToFloat(std::uint16_t h);
/// float to IEEE binary16 bits, round to nearest even.
std::uint16_t floatToHalf(float f);
/// bfloat16 bits to float (exact).
float bf16ToFloat(std::uint16_t b);
/// float to bfloat16 bits, round to nearest even (NaN kept NaN).
std::uint16_t floatToBf16(float f);

/// Bulk conversions.
void halfToFloat(const std::uint16_t* src, float* dst, std::size_t n);
void bf16ToFloat(const std::uint16_t* src, float* dst, std::size_t n);

} // namespace llmlab
