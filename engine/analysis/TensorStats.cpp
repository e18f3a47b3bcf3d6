#include "TensorStats.h"

#include "RowReader.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmlab {

namespace {

// Walks the rows of `reader` in chunks, calling fn(row0, n, values) and reporting progress over
// [from, to] of the whole job.
template <typename Fn>
void forEachChunk(RowReader& reader, const TensorStatsOptions& o, double from, double to,
                  const char* what, Fn&& fn) {
    std::vector<float> buffer;
    const std::int64_t chunk = reader.rowsPerChunk();
    for (std::int64_t r = 0; r < reader.rows(); r += chunk) {
        if (o.cancel && o.cancel->cancelled()) throw Cancelled();
        const std::int64_t n = std::min(chunk, reader.rows() - r);
        fn(r, n, reader.read(r, n, buffer));
        if (o.progress)
            o.progress(from + (to - from) * double(r + n) / double(reader.rows()), what);
    }
}

} // namespace

TensorStats computeTensorStats(const Tensor& tensor, const TensorStatsOptions& options) {
    RowReader reader(tensor);
    TensorStats s;
    s.rows = reader.rows();
    s.cols = reader.cols();
    s.count = s.rows * s.cols;
    s.rowNorms.assign(std::size_t(s.rows), 0.0f);
    const int bins = std::max(1, options.bins);
    s.histogram.assign(std::size_t(bins), 0);
    if (s.count == 0) return s;

    // Pass 1: range, sum, zeros, non-finite counts, row norms.
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    double sum = 0.0;
    forEachChunk(reader, options, 0.0, 0.5, "statistics",
                 [&](std::int64_t r0, std::int64_t n, const float* v) {
                     for (std::int64_t r = 0; r < n; ++r) {
                         const float* row = v + r * s.cols;
                         double sq = 0.0;
                         for (std::int64_t c = 0; c < s.cols; ++c) {
                             const float x = row[c];
                             sq += double(x) * double(x);
                             if (std::isnan(x)) {
                                 ++s.nanCount;
                             } else if (std::isinf(x)) {
                                 ++s.infCount;
                             } else {
                                 lo = std::min(lo, double(x));
                                 hi = std::max(hi, double(x));
                                 sum += x;
                                 s.zeros += x == 0.0f;
                             }
                         }
                         s.rowNorms[std::size_t(r0 + r)] = float(std::sqrt(sq));
                     }
                 });
    s.finite = s.count - s.nanCount - s.infCount;
    s.zeroFraction = double(s.zeros) / double(s.count);
    if (s.finite == 0) return s;
    s.min = lo;
    s.max = hi;
    s.mean = sum / double(s.finite);

    // Pass 2: histogram and the variance about the now-known mean (more accurate than
    // sum-of-squares minus mean squared, which cancels badly for large offsets).
    const double scale = hi > lo ? double(bins) / (hi - lo) : 0.0;
    double m2 = 0.0;
    forEachChunk(
        reader, options, 0.5, 1.0, "histogram", [&](std::int64_t, std::int64_t n, const float* v) {
            for (std::int64_t i = 0; i < n * s.cols; ++i) {
                const float x = v[i];
                if (!std::isfinite(x)) continue;
                const double d = double(x) - s.mean;
                m2 += d * d;
                const auto bin = std::min<std::int64_t>(bins - 1, std::int64_t((x - lo) * scale));
                ++s.histogram[std::size_t(bin)];
            }
        });
    s.std = std::sqrt(m2 / double(s.finite));
    return s;
}

} // namespace llmlab
