#include "Shape.h"

#include <stdexcept>

namespace llmlab {

Shape::Shape(std::initializer_list<std::int64_t> dims)
    : Shape(fromDims(std::span<const std::int64_t>(dims.begin(), dims.size()))) {}

Shape Shape::fromDims(std::span<const std::int64_t> dims) {
    if (dims.size() > std::size_t(kMaxRank)) throw std::invalid_argument("shape rank above 4");
    Shape s;
    for (std::int64_t d : dims) {
        if (d < 0) throw std::invalid_argument("negative dimension in shape");
        s.m_dims[std::size_t(s.m_rank++)] = d;
    }
    return s;
}

std::int64_t Shape::numel() const {
    std::int64_t n = 1;
    for (int i = 0; i < m_rank; ++i) n *= m_dims[std::size_t(i)];
    return n;
}

std::int64_t Shape::rows() const {
    return m_rank == 0 ? 1 : numel() / (back() == 0 ? 1 : back());
}

std::string Shape::toString() const {
    std::string s = "[";
    for (int i = 0; i < m_rank; ++i) {
        if (i) s += ", ";
        s += std::to_string(m_dims[std::size_t(i)]);
    }
    return s + "]";
}

bool Shape::operator==(const Shape& o) const {
    if (m_rank != o.m_rank) return false;
    for (int i = 0; i < m_rank; ++i)
        if (m_dims[std::size_t(i)] != o.m_dims[std::size_t(i)]) return false;
    return true;
}

} // namespace llmlab
