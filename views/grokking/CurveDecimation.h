// Min/max decimation of long curves: what a chart draws stays bounded (so live replots stay
// cheap on runs of 100k steps) while single-evaluation spikes stay visible.
#pragma once

#include "ChartData.h"

#include <cstddef>
#include <vector>

namespace llmlab::views {

/// `keys` ascending, `values` of the same length. Returns every point when there are at most
/// `maxPoints`; otherwise splits the points into maxPoints/2 buckets of equal count and keeps,
/// per bucket, its lowest and its highest point in key order (at most `maxPoints` in all).
/// With `positiveKeysOnly` points with key <= 0 are dropped first (a logarithmic step axis has
/// no place for step 0).
SeriesData decimateMinMax(const QString& name, const std::vector<double>& keys,
                          const std::vector<double>& values, std::size_t maxPoints,
                          bool positiveKeysOnly = false);

} // namespace llmlab::views
