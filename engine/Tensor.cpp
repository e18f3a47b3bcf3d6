#include "Tensor.h"

#include "Half.h"

#include <array>
#include <cstring>
#include <stdexcept>

namespace llmlab {

namespace {
std::array<DequantizeFn, 32>& dequantizers() {
    static std::array<DequantizeFn, 32> table{};
    return table;
}

std::size_t checkedBytes(DType dtype, const Shape& shape) {
    const std::int64_t bytes = dtypeStorageBytes(dtype, shape.numel());
    if (bytes < 0)
        throw std::invalid_argument("shape " + shape.toString() + " is not a whole number of " +
                                    std::string(dtypeName(dtype)) + " blocks");
    return std::size_t(bytes);
}
} // namespace

Tensor Tensor::zeros(DType dtype, const Shape& shape) {
    Tensor t;
    t.m_dtype = dtype;
    t.m_shape = shape;
    t.m_bytes = checkedBytes(dtype, shape);
    t.m_owned = std::make_shared<std::vector<std::byte>>(t.m_bytes);
    t.m_data = t.m_owned->data();
    return t;
}

Tensor Tensor::fromFloats(const Shape& shape, std::span<const float> values) {
    if (std::int64_t(values.size()) != shape.numel())
        throw std::invalid_argument("value count does not match shape " + shape.toString());
    Tensor t = zeros(DType::F32, shape);
    if (!values.empty()) std::memcpy(t.mutableData(), values.data(), values.size_bytes());
    return t;
}

Tensor Tensor::fromInts(const Shape& shape, std::span<const std::int32_t> values) {
    if (std::int64_t(values.size()) != shape.numel())
        throw std::invalid_argument("value count does not match shape " + shape.toString());
    Tensor t = zeros(DType::I32, shape);
    if (!values.empty()) std::memcpy(t.mutableData(), values.data(), values.size_bytes());
    return t;
}

Tensor Tensor::borrow(DType dtype, const Shape& shape, const void* data,
                      std::shared_ptr<const void> keepAlive) {
    Tensor t;
    t.m_dtype = dtype;
    t.m_shape = shape;
    t.m_bytes = checkedBytes(dtype, shape);
    t.m_data = data;
    t.m_keepAlive = std::move(keepAlive);
    return t;
}

void* Tensor::mutableData() {
    if (!m_owned) throw std::logic_error("a borrowed tensor is read-only");
    return m_owned->data();
}

std::span<const float> Tensor::floats() const {
    if (m_dtype != DType::F32) throw std::logic_error("tensor is not F32");
    return {static_cast<const float*>(m_data), std::size_t(numel())};
}

std::span<float> Tensor::mutableFloats() {
    if (m_dtype != DType::F32) throw std::logic_error("tensor is not F32");
    return {static_cast<float*>(mutableData()), std::size_t(numel())};
}

std::span<const std::int32_t> Tensor::ints() const {
    if (m_dtype != DType::I32) throw std::logic_error("tensor is not I32");
    return {static_cast<const std::int32_t*>(m_data), std::size_t(numel())};
}

std::vector<float> Tensor::toFloats() const {
    const auto n = std::size_t(numel());
    std::vector<float> out(n);
    switch (m_dtype) {
    case DType::F32:
        std::memcpy(out.data(), m_data, n * 4);
        break;
    case DType::F16:
        halfToFloat(static_cast<const std::uint16_t*>(m_data), out.data(), n);
        break;
    case DType::BF16:
        bf16ToFloat(static_cast<const std::uint16_t*>(m_data), out.data(), n);
        break;
    case DType::I32: {
        const auto* p = static_cast<const std::int32_t*>(m_data);
        for (std::size_t i = 0; i < n; ++i) out[i] = float(p[i]);
        break;
    }
    default:
        if (!dequantize(m_dtype, m_data, out.data(), numel()))
            throw std::runtime_error("no dequantizer for " + std::string(dtypeName(m_dtype)));
    }
    return out;
}

Tensor Tensor::reshaped(const Shape& shape) const {
    if (shape.numel() != numel())
        throw std::invalid_argument("cannot reshape " + m_shape.toString() + " to " +
                                    shape.toString());
    Tensor t = *this;
    t.m_shape = shape;
    return t;
}

void registerDequantizer(DType dtype, DequantizeFn fn) {
    dequantizers()[std::size_t(dtype)] = fn;
}

bool dequantize(DType dtype, const void* src, float* dst, std::int64_t n) {
    DequantizeFn fn = dequantizers()[std::size_t(dtype)];
    if (!fn) return false;
    fn(src, dst, n);
    return true;
}

} // namespace llmlab
