// Level-of-detail heatmaps of a tensor: a window of the matrix summarised into at most a given
// number of cells, reading only the rows inside the window.
#pragma once

#include "Progress.h"
#include "Tensor.h"

#include <cstdint>
#include <vector>

namespace llmlab {

/// How one cell summarises its block of values.
enum class HeatmapMode : std::uint8_t {
    MaxAbs, ///< the value of largest magnitude, sign kept: one outlier stays visible
    Mean,   ///< the average: shows the overall level, smooths outliers away
};

/// A window of the tensor as a matrix (see RowReader for how shapes are flattened).
/// rows/cols < 0 mean "to the end".
struct HeatmapViewport {
    std::int64_t row0 = 0;
    std::int64_t rows = -1;
    std::int64_t col0 = 0;
    std::int64_t cols = -1;
};

struct HeatmapRequest {
    HeatmapViewport viewport;
    int maxCellsY = 1024; ///< at most this many cell rows
    int maxCellsX = 1024; ///< at most this many cell columns
    HeatmapMode mode = HeatmapMode::MaxAbs;
    const CancelToken* cancel = nullptr; ///< polled between row blocks; throws Cancelled
    ProgressFn progress;
};

/// The downsampled grid. Cell (y, x) covers tensor rows [row0 + y*blockRows, +blockRows) and
/// columns [col0 + x*blockCols, +blockCols), clipped to the viewport (the last block of a
/// side may be smaller). NaN values are skipped; a cell of NaNs only is NaN.
struct Heatmap {
    std::int64_t tensorRows = 0;
    std::int64_t tensorCols = 0;
    HeatmapViewport viewport; ///< clamped to the tensor, rows and cols resolved
    std::int64_t blockRows = 1;
    std::int64_t blockCols = 1;
    int cellsY = 0;
    int cellsX = 0;
    std::vector<float> cells; ///< [cellsY, cellsX], row-major
    float minValue = 0.0f;    ///< range of the finite cells (for the colour scale)
    float maxValue = 0.0f;
    HeatmapMode mode = HeatmapMode::MaxAbs;

    float at(int y, int x) const {
        return cells[std::size_t(y) * std::size_t(cellsX) + std::size_t(x)];
    }
};

/// Summarises `request.viewport` of `tensor` into at most maxCellsY x maxCellsX cells.
/// Memory beyond the result is one row block of the viewport (at most about a million floats).
/// Throws std::invalid_argument for a viewport that starts outside the tensor or a cell
/// budget below 1.
Heatmap computeHeatmap(const Tensor& tensor, const HeatmapRequest& request = {});

} // namespace llmlab
