#include "HeatmapNavigator.h"

#include <QObject>

#include <algorithm>
#include <cmath>

namespace llmlab::views {

void HeatmapNavigator::setTensorSize(std::int64_t rows, std::int64_t cols) {
    m_rows = std::max<std::int64_t>(rows, 0);
    m_cols = std::max<std::int64_t>(cols, 0);
    reset();
}

bool HeatmapNavigator::isFullView() const {
    return m_view.row0 == 0 && m_view.col0 == 0 && m_view.rows == m_rows && m_view.cols == m_cols;
}

void HeatmapNavigator::reset() {
    m_view = {0, m_rows, 0, m_cols};
}

void HeatmapNavigator::zoom(double factor) {
    const double cr = double(m_view.row0) + double(m_view.rows) / 2;
    const double cc = double(m_view.col0) + double(m_view.cols) / 2;
    const double hr = double(m_view.rows) * factor / 2, hc = double(m_view.cols) * factor / 2;
    clampAndSet(cr - hr, cr + hr, cc - hc, cc + hc);
}

bool HeatmapNavigator::setFromRanges(double row0, double row1, double col0, double col1) {
    const HeatmapViewport before = m_view;
    clampAndSet(std::min(row0, row1), std::max(row0, row1), std::min(col0, col1),
                std::max(col0, col1));
    return before.row0 != m_view.row0 || before.rows != m_view.rows || before.col0 != m_view.col0 ||
           before.cols != m_view.cols;
}

void HeatmapNavigator::clampAndSet(double row0, double row1, double col0, double col1) {
    // One side: round outwards to whole values, keep at least one value, then shift the
    // window back inside the tensor rather than shrinking it (panning past the edge stops).
    auto side = [](double a, double b, std::int64_t n, std::int64_t& start, std::int64_t& len) {
        if (n <= 0) {
            start = 0;
            len = 0;
            return;
        }
        auto lo = std::int64_t(std::floor(a)), hi = std::int64_t(std::ceil(b));
        len = std::clamp<std::int64_t>(hi - lo, 1, n);
        start = std::clamp<std::int64_t>(lo, 0, n - len);
    };
    side(row0, row1, m_rows, m_view.row0, m_view.rows);
    side(col0, col1, m_cols, m_view.col0, m_view.cols);
}

HeatmapData heatmapChartData(const Heatmap& map, const QString& name) {
    HeatmapData d;
    d.name = name;
    d.columns = map.cellsX;
    d.rows = map.cellsY;
    d.values.assign(map.cells.begin(), map.cells.end());
    // Cell centres; a last, clipped block is drawn as wide as the others (close enough to see).
    d.xMin = double(map.viewport.col0) + double(map.blockCols) / 2;
    d.xMax = d.xMin + double(std::max(map.cellsX - 1, 0)) * double(map.blockCols);
    d.yMin = double(map.viewport.row0) + double(map.blockRows) / 2;
    d.yMax = d.yMin + double(std::max(map.cellsY - 1, 0)) * double(map.blockRows);
    d.colorLabel = map.mode == HeatmapMode::MaxAbs ? QObject::tr("value (max |x| of cell)")
                                                   : QObject::tr("value (cell mean)");
    return d;
}

QString heatmapBlockText(const Heatmap& map) {
    const QString how =
        map.mode == HeatmapMode::MaxAbs ? QObject::tr("max |x|") : QObject::tr("mean");
    const QString window = QObject::tr("rows %1–%2, cols %3–%4 of %5×%6")
                               .arg(map.viewport.row0)
                               .arg(map.viewport.row0 + map.viewport.rows - 1)
                               .arg(map.viewport.col0)
                               .arg(map.viewport.col0 + map.viewport.cols - 1)
                               .arg(map.tensorRows)
                               .arg(map.tensorCols);
    if (map.blockRows == 1 && map.blockCols == 1)
        return QObject::tr("each cell = 1 value · %1 cells · %2")
            .arg(QStringLiteral("%1×%2").arg(map.cellsY).arg(map.cellsX), window);
    return QObject::tr("each cell = %1×%2 values, %3 · %4 cells · %5")
        .arg(map.blockRows)
        .arg(map.blockCols)
        .arg(how, QStringLiteral("%1×%2").arg(map.cellsY).arg(map.cellsX), window);
}

} // namespace llmlab::views
