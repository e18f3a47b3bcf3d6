#include "Sampling.h"

#include <algorithm>
#include <numeric>

namespace llmlab {

std::int64_t argmax(std::span<const float> values) {
    if (values.empty()) return -1;
    return std::int64_t(std::max_element(values.begin(), values.end()) - values.begin());
}

std::vector<std::pair<std::int64_t, float>> topK(std::span<const float> values, std::size_t k) {
    k = std::min(k, values.size());
    std::vector<std::int64_t> idx(values.size());
    std::iota(idx.begin(), idx.end(), 0);
    auto better = [&](std::int64_t a, std::int64_t b) {
        const float va = values[std::size_t(a)], vb = values[std::size_t(b)];
        return va > vb || (va == vb && a < b);
    };
    std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(k), idx.end(), better);
    std::vector<std::pair<std::int64_t, float>> out;
    out.reserve(k);
    for (std::size_t i = 0; i < k; ++i) out.emplace_back(idx[i], values[std::size_t(idx[i])]);
    return out;
}

} // namespace llmlab
