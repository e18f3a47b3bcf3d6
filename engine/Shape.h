// A tensor shape of rank 0..4, row-major (the last dimension varies fastest).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace llmlab {

class Shape {
public:
    static constexpr int kMaxRank = 4;

    Shape() = default;
    Shape(std::initializer_list<std::int64_t> dims);
    /// From a run of dims (rank 0..4); throws std::invalid_argument like the list form.
    static Shape fromDims(std::span<const std::int64_t> dims);

    int rank() const { return m_rank; }
    std::int64_t dim(int i) const { return m_dims[std::size_t(i)]; }
    /// Dimension counted from the end: back(0) is the innermost (row length).
    std::int64_t back(int i = 0) const { return m_dims[std::size_t(m_rank - 1 - i)]; }
    /// Product of all dimensions (1 for rank 0).
    std::int64_t numel() const;
    /// Product of all dimensions but the last: the number of rows.
    std::int64_t rows() const;
    /// "[7, 13, 5]"
    std::string toString() const;

    bool operator==(const Shape& o) const;
    bool operator!=(const Shape& o) const { return !(*this == o); }

private:
    std::array<std::int64_t, kMaxRank> m_dims{};
    int m_rank = 0;
};

} // namespace llmlab
