#include "Heatmap.h"

#include "RowReader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace llmlab {

namespace {

std::int64_t ceilDiv(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

// Resolves "to the end" and clamps the window to the tensor.
HeatmapViewport clampViewport(const HeatmapViewport& v, std::int64_t rows, std::int64_t cols) {
    if (v.row0 < 0 || v.col0 < 0 || v.row0 >= rows || v.col0 >= cols)
        throw std::invalid_argument("the heatmap window starts at row " + std::to_string(v.row0) +
                                    ", column " + std::to_string(v.col0) +
                                    ", outside a tensor of " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
    HeatmapViewport c = v;
    c.rows = v.rows < 0 ? rows - v.row0 : std::min(v.rows, rows - v.row0);
    c.cols = v.cols < 0 ? cols - v.col0 : std::min(v.cols, cols - v.col0);
    if (c.rows == 0 || c.cols == 0) throw std::invalid_argument("the heatmap window is empty");
    return c;
}

} // namespace

Heatmap computeHeatmap(const Tensor& tensor, const HeatmapRequest& request) {
    if (request.maxCellsX < 1 || request.maxCellsY < 1)
        throw std::invalid_argument("a heatmap needs at least one cell on each side");
    RowReader reader(tensor);
    Heatmap h;
    h.mode = request.mode;
    h.tensorRows = reader.rows();
    h.tensorCols = reader.cols();
    const HeatmapViewport v = clampViewport(request.viewport, h.tensorRows, h.tensorCols);
    h.viewport = v;
    h.blockRows = ceilDiv(v.rows, request.maxCellsY);
    h.blockCols = ceilDiv(v.cols, request.maxCellsX);
    h.cellsY = int(ceilDiv(v.rows, h.blockRows));
    h.cellsX = int(ceilDiv(v.cols, h.blockCols));
    h.cells.assign(std::size_t(h.cellsY) * std::size_t(h.cellsX),
                   std::numeric_limits<float>::quiet_NaN());

    const bool maxAbs = request.mode == HeatmapMode::MaxAbs;
    // Per cell column of the current cell row: running sum and count (Mean) or the value of
    // largest magnitude so far (MaxAbs, NaN until a number is seen).
    std::vector<double> sum(std::size_t(h.cellsX));
    std::vector<std::int64_t> count(std::size_t(h.cellsX));
    std::vector<float> buffer;
    const std::int64_t chunk = reader.rowsPerChunk();

    for (int y = 0; y < h.cellsY; ++y) {
        float* out = h.cells.data() + std::size_t(y) * std::size_t(h.cellsX);
        std::fill(sum.begin(), sum.end(), 0.0);
        std::fill(count.begin(), count.end(), 0);
        const std::int64_t rBegin = v.row0 + y * h.blockRows;
        const std::int64_t rEnd = std::min(rBegin + h.blockRows, v.row0 + v.rows);
        // A block taller than one chunk (a huge viewport of a wide tensor) is read in pieces.
        for (std::int64_t r = rBegin; r < rEnd; r += chunk) {
            if (request.cancel && request.cancel->cancelled()) throw Cancelled();
            const std::int64_t n = std::min(chunk, rEnd - r);
            const float* values = reader.read(r, n, buffer);
            for (std::int64_t i = 0; i < n; ++i) {
                const float* row = values + i * h.tensorCols + v.col0;
                for (std::int64_t c = 0; c < v.cols; ++c) {
                    const float x = row[c];
                    if (std::isnan(x)) continue;
                    const auto cell = std::size_t(c / h.blockCols);
                    if (maxAbs) {
                        if (!(std::fabs(out[cell]) >= std::fabs(x))) out[cell] = x;
                    } else {
                        sum[cell] += x;
                        ++count[cell];
                    }
                }
            }
        }
        if (!maxAbs)
            for (int x = 0; x < h.cellsX; ++x)
                if (count[std::size_t(x)] > 0)
                    out[x] = float(sum[std::size_t(x)] / double(count[std::size_t(x)]));
        if (request.progress) request.progress(double(y + 1) / double(h.cellsY), "heatmap");
    }

    float lo = std::numeric_limits<float>::infinity();
    float hi = -lo;
    for (float c : h.cells)
        if (std::isfinite(c)) {
            lo = std::min(lo, c);
            hi = std::max(hi, c);
        }
    if (lo <= hi) {
        h.minValue = lo;
        h.maxValue = hi;
    }
    return h;
}

} // namespace llmlab
