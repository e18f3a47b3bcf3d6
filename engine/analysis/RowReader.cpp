#include "RowReader.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace llmlab {

RowReader::RowReader(const Tensor& tensor) : m_tensor(tensor) {
    const Shape& s = tensor.shape();
    m_cols = s.rank() == 0 ? 1 : s.back();
    m_rows = s.rank() <= 1 ? 1 : s.rows();
    if (tensor.numel() == 0) m_rows = 0;
    m_rowBytes = dtypeStorageBytes(tensor.dtype(), m_cols);
}

std::int64_t RowReader::rowsPerChunk(std::int64_t floats) const {
    return std::max<std::int64_t>(1, floats / std::max<std::int64_t>(1, m_cols));
}

const float* RowReader::read(std::int64_t row0, std::int64_t n, std::vector<float>& buffer) {
    if (row0 < 0 || n < 0 || row0 + n > m_rows)
        throw std::out_of_range("rows " + std::to_string(row0) + "+" + std::to_string(n) +
                                " are outside a tensor of " + std::to_string(m_rows) + " rows");
    const auto* base = static_cast<const std::byte*>(m_tensor.data());
    if (m_rowBytes < 0) {
        // A row ends inside a quantization block: rows cannot be converted on their own.
        if (m_wholeFloats.empty()) m_wholeFloats = m_tensor.toFloats();
        return m_wholeFloats.data() + row0 * m_cols;
    }
    const std::byte* src = base + row0 * m_rowBytes;
    if (m_tensor.dtype() == DType::F32) return reinterpret_cast<const float*>(src);
    // Tensor::toFloats knows every dtype (and the registered dequantizers); a borrowed view of
    // just these rows keeps the conversion to this block.
    const Tensor rowsView = Tensor::borrow(m_tensor.dtype(), Shape{n, m_cols}, src, nullptr);
    buffer = rowsView.toFloats();
    return buffer.data();
}

} // namespace llmlab
