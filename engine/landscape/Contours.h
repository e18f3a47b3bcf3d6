// Iso-lines of a grid of values by marching squares, for contour plots of a landscape.
#pragma once

#include <vector>

namespace llmlab {

/// One level's line segments as a polyline with gaps: points are (x, y) pairs, and a NaN pair
/// separates one piece from the next.
struct ContourLine {
    double level = 0;
    std::vector<double> xs, ys;
};

/// Iso-lines of `values` ([rows][columns] row-major, row 0 at yMin; cell centres span
/// [xMin, xMax] × [yMin, yMax]) at each level. NaN cells are skipped.
std::vector<ContourLine> contourLines(const std::vector<double>& values, int columns, int rows,
                                      double xMin, double xMax, double yMin, double yMax,
                                      const std::vector<double>& levels);

/// `count` levels evenly spaced strictly inside [lo, hi]; with `logScale` (lo > 0) spaced
/// evenly in log10.
std::vector<double> contourLevels(double lo, double hi, int count, bool logScale);

} // namespace llmlab
