#include "CurveDecimation.h"

#include <algorithm>

namespace llmlab::views {

SeriesData decimateMinMax(const QString& name, const std::vector<double>& keys,
                          const std::vector<double>& values, std::size_t maxPoints,
                          bool positiveKeysOnly) {
    SeriesData out;
    out.name = name;
    const std::size_t n = std::min(keys.size(), values.size());
    std::size_t first = 0;
    if (positiveKeysOnly) {
        // Keys are ascending, so the non-positive ones are a prefix.
        while (first < n && keys[first] <= 0) ++first;
    }
    const std::size_t count = n - first;
    if (count <= maxPoints || maxPoints < 2) {
        out.keys.assign(keys.begin() + std::ptrdiff_t(first), keys.begin() + std::ptrdiff_t(n));
        out.values.assign(values.begin() + std::ptrdiff_t(first),
                          values.begin() + std::ptrdiff_t(n));
        return out;
    }
    const std::size_t buckets = maxPoints / 2;
    out.keys.reserve(buckets * 2);
    out.values.reserve(buckets * 2);
    for (std::size_t b = 0; b < buckets; ++b) {
        // Equal-count buckets: [begin, end) covers count/buckets points, the remainder spread.
        const std::size_t begin = first + b * count / buckets;
        const std::size_t end = first + (b + 1) * count / buckets;
        if (begin >= end) continue;
        std::size_t lo = begin, hi = begin;
        for (std::size_t i = begin + 1; i < end; ++i) {
            if (values[i] < values[lo]) lo = i;
            if (values[i] > values[hi]) hi = i;
        }
        // Emit in key order so the curve does not double back within a bucket.
        const std::size_t a = std::min(lo, hi), c = std::max(lo, hi);
        out.keys.push_back(keys[a]);
        out.values.push_back(values[a]);
        if (c != a) {
            out.keys.push_back(keys[c]);
            out.values.push_back(values[c]);
        }
    }
    return out;
}

} // namespace llmlab::views
