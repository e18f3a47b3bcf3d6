// Level of detail for tensor heatmaps: which window of the matrix the view shows, how zooming
// and panning move it, and how an engine Heatmap becomes chart data. Plain logic, no widgets.
#pragma once

#include "ChartData.h"

#include "analysis/Heatmap.h"

#include <QString>

namespace llmlab::views {

/// Tracks the viewport of one tensor [rows, cols]. Every change yields a viewport clamped to
/// the tensor and at least one value wide, which is what the next computeHeatmap() gets.
class HeatmapNavigator {
public:
    void setTensorSize(std::int64_t rows, std::int64_t cols); ///< and shows all of it
    std::int64_t tensorRows() const { return m_rows; }
    std::int64_t tensorCols() const { return m_cols; }
    const HeatmapViewport& viewport() const { return m_view; }
    bool isFullView() const;

    void reset();
    /// Scales the window by `factor` (< 1 zooms in) about its centre.
    void zoom(double factor);
    /// The window the axes show: rows [row0, row1), columns [col0, col1), in tensor units.
    /// Returns false when the clamped window equals the current one (nothing to request).
    bool setFromRanges(double row0, double row1, double col0, double col1);

private:
    void clampAndSet(double row0, double row1, double col0, double col1);
    std::int64_t m_rows = 0;
    std::int64_t m_cols = 0;
    HeatmapViewport m_view;
};

/// The heatmap as a colour map in tensor coordinates: x = column, y = row, each cell drawn at
/// the centre of the block it summarises.
HeatmapData heatmapChartData(const Heatmap& map, const QString& name);
/// "each cell = 149×1 values, max |x|" (or "each cell = 1 value").
QString heatmapBlockText(const Heatmap& map);

} // namespace llmlab::views
