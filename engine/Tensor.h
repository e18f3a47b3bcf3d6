// A typed, shaped block of memory: owning (heap) or borrowed (e.g. a memory-mapped model file).
#pragma once

#include "DType.h"
#include "Shape.h"

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace llmlab {

class Tensor {
public:
    Tensor() = default;

    /// A zero-filled tensor that owns its storage.
    static Tensor zeros(DType dtype, const Shape& shape);
    /// An F32 tensor owning a copy of `values` (values.size() must equal shape.numel()).
    static Tensor fromFloats(const Shape& shape, std::span<const float> values);
    /// An I32 tensor owning a copy of `values`.
    static Tensor fromInts(const Shape& shape, std::span<const std::int32_t> values);
    /// A view of memory owned elsewhere; `keepAlive` holds the owner (an mmap, a file) alive.
    static Tensor borrow(DType dtype, const Shape& shape, const void* data,
                         std::shared_ptr<const void> keepAlive);

    DType dtype() const { return m_dtype; }
    const Shape& shape() const { return m_shape; }
    std::int64_t numel() const { return m_shape.numel(); }
    std::size_t byteSize() const { return m_bytes; }
    bool empty() const { return m_data == nullptr; }
    bool isOwning() const { return m_owned != nullptr; }

    const void* data() const { return m_data; }
    /// Writable data: only for owning tensors (throws for borrowed ones).
    void* mutableData();

    std::span<const float> floats() const;      ///< F32 only
    std::span<float> mutableFloats();           ///< F32 only, owning only
    std::span<const std::int32_t> ints() const; ///< I32 only

    /// Values converted to F32 (F32, F16, BF16 and the quantized types once a dequantizer is
    /// registered for them; throws std::runtime_error otherwise).
    std::vector<float> toFloats() const;

    /// The same bytes seen with another shape of the same element count.
    Tensor reshaped(const Shape& shape) const;

private:
    DType m_dtype = DType::F32;
    Shape m_shape;
    const void* m_data = nullptr;
    std::size_t m_bytes = 0;
    std::shared_ptr<std::vector<std::byte>> m_owned;
    std::shared_ptr<const void> m_keepAlive;
};

/// Converts `n` values of a non-F32 dtype at `src` to floats; set by the model readers for
/// the quantized types. Returns false when the dtype has no converter.
using DequantizeFn = void (*)(const void* src, float* dst, std::int64_t n);
void registerDequantizer(DType dtype, DequantizeFn fn);
bool dequantize(DType dtype, const void* src, float* dst, std::int64_t n);

} // namespace llmlab
