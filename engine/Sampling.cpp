#include "Sampling.h"

#include <cmath>

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

RowLoss rowLoss(std::span<const float> row, std::int64_t target) {
    if (row.empty() || target < 0 || target >= std::int64_t(row.size())) return {};
    const std::int64_t best = argmax(row);
    const double mx = row[std::size_t(best)];
    double s = 0;
    for (float v : row) s += std::exp(double(v) - mx);
    return {mx + std::log(s) - row[std::size_t(target)], best == target};
}

} // namespace llmlab
