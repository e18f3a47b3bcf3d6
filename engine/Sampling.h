// Host-side picks over logits: argmax and top-k.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace llmlab {

/// Index of the largest value (the first one on ties); -1 for an empty span.
std::int64_t argmax(std::span<const float> values);

/// Cross-entropy of one row of logits against `target` (log-sum-exp in double), and whether
/// the row's argmax is the target: what every evaluation of a classifier or next-token
/// predictor sums.
struct RowLoss {
    double loss = 0;
    bool correct = false;
};
RowLoss rowLoss(std::span<const float> logits, std::int64_t target);

/// The k largest (index, value) pairs, largest first; ties keep the lower index first.
std::vector<std::pair<std::int64_t, float>> topK(std::span<const float> values, std::size_t k);

} // namespace llmlab
