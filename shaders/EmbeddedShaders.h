// The SPIR-V of every compute shader, compiled by glslc at build time and embedded in the binary.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace llmlab::shaders {

/// The SPIR-V words of a shader variant ("matmul", "matmul_transb", "rms_norm", ...); empty when
/// there is no such shader.
std::span<const std::uint32_t> embeddedShader(std::string_view name);

} // namespace llmlab::shaders
