// Summary statistics of one tensor's values (any dtype): the numbers and the histogram the
// layer browser shows beside a heatmap.
#pragma once

#include "Progress.h"
#include "Tensor.h"

#include <cstdint>
#include <vector>

namespace llmlab {

/// Values of a tensor in numbers. min/max/mean/std and the histogram cover the finite values
/// only, so one NaN does not hide everything else; NaNs and infinities are counted apart.
struct TensorStats {
    std::int64_t count = 0;  ///< all elements
    std::int64_t finite = 0; ///< elements that are neither NaN nor infinite
    std::int64_t rows = 0;   ///< the tensor as a matrix (see RowReader)
    std::int64_t cols = 0;
    double min = 0.0;
    double max = 0.0;
    double mean = 0.0;
    double std = 0.0; ///< population standard deviation (divides by finite count)
    std::int64_t zeros = 0;
    double zeroFraction = 0.0; ///< zeros / count
    std::int64_t nanCount = 0;
    std::int64_t infCount = 0;
    /// L2 norm of each row, [rows]; NaN for a row holding a NaN.
    std::vector<float> rowNorms;
    /// histogram[i] counts finite values in bin i of equal width over [min, max] (the last
    /// bin is closed); all values fall in bin 0 when min == max.
    std::vector<std::int64_t> histogram;
    double binWidth() const {
        return histogram.empty() ? 0.0 : (max - min) / double(histogram.size());
    }
};

struct TensorStatsOptions {
    int bins = 64;
    const CancelToken* cancel = nullptr; ///< polled between row blocks; throws Cancelled
    ProgressFn progress;                 ///< optional, called between row blocks
};

/// Statistics of `tensor` in two passes over row blocks (the second for the histogram and an
/// exact variance), converting at most about a million values at a time.
TensorStats computeTensorStats(const Tensor& tensor, const TensorStatsOptions& options = {});

} // namespace llmlab
