// Plain data a chart draws: computed elsewhere (engine jobs), handed to ChartView as values.
#pragma once

#include <QString>

#include <vector>

namespace llmlab::views {

/// One curve or point set: keys (x) and values (y) of equal length.
struct SeriesData {
    QString name;
    std::vector<double> keys;
    std::vector<double> values;
};

/// How a series is drawn.
enum class SeriesStyle { Line, Scatter, LineAndScatter };

/// A grid of values drawn as a colour map. `values` is row-major: (rows, columns), row 0 at yMin.
/// Cell centres span [xMin, xMax] x [yMin, yMax] (QCPColorMap's convention).
struct HeatmapData {
    QString name;
    int columns = 0;
    int rows = 0;
    std::vector<double> values;
    double xMin = 0, xMax = 1;
    double yMin = 0, yMax = 1;
    QString colorLabel; ///< the colour scale's label ("probability", "weight", ...)
    /// Signed values: a blue-white-red scale centred on zero (±the largest magnitude) instead
    /// of the thermal one fitted to the range.
    bool diverging = false;
};

} // namespace llmlab::views
