// Reads a tensor of any dtype as a matrix of float rows, a block of rows at a time, so that
// analysis never needs the whole tensor in F32 at once.
#pragma once

#include "Tensor.h"

#include <cstdint>
#include <vector>

namespace llmlab {

/// A tensor seen as a matrix [rows, cols]: rank 0 and 1 are one row, rank > 2 is flattened to
/// [product of leading dims, last dim]. The tensor's memory must outlive the reader.
class RowReader {
public:
    explicit RowReader(const Tensor& tensor);

    std::int64_t rows() const { return m_rows; }
    std::int64_t cols() const { return m_cols; }

    /// Rows [row0, row0 + n) as n * cols floats. F32 tensors are not copied: the pointer is
    /// into the tensor's memory; other dtypes are converted into `buffer`. Only the bytes of
    /// those rows are touched (except for a quantized row that is not a whole number of
    /// blocks, which makes the whole tensor be converted once).
    const float* read(std::int64_t row0, std::int64_t n, std::vector<float>& buffer);

    /// How many rows make about `floats` values (at least 1): a chunk size for read().
    std::int64_t rowsPerChunk(std::int64_t floats = std::int64_t(1) << 20) const;

private:
    const Tensor& m_tensor;
    std::int64_t m_rows = 0;
    std::int64_t m_cols = 0;
    std::int64_t m_rowBytes = -1;     ///< stored bytes of one row; -1 when rows split blocks
    std::vector<float> m_wholeFloats; ///< fallback for rows that split quantization blocks
};

} // namespace llmlab
