#include "Contours.h"

#include <cmath>
#include <limits>

namespace llmlab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Point {
    double x, y;
};

} // namespace

std::vector<double> contourLevels(double lo, double hi, int count, bool logScale) {
    std::vector<double> levels;
    if (count < 1 || !(hi > lo)) return levels;
    const bool useLog = logScale && lo > 0;
    const double a = useLog ? std::log10(lo) : lo, b = useLog ? std::log10(hi) : hi;
    for (int k = 1; k <= count; ++k) {
        const double t = a + (b - a) * double(k) / double(count + 1);
        levels.push_back(useLog ? std::pow(10.0, t) : t);
    }
    return levels;
}

std::vector<ContourLine> contourLines(const std::vector<double>& v, int columns, int rows,
                                      double xMin, double xMax, double yMin, double yMax,
                                      const std::vector<double>& levels) {
    std::vector<ContourLine> lines;
    if (columns < 2 || rows < 2 || v.size() < std::size_t(columns) * std::size_t(rows))
        return lines;
    const double dx = (xMax - xMin) / (columns - 1), dy = (yMax - yMin) / (rows - 1);
    auto at = [&](int i, int j) {
        return v[std::size_t(i) * std::size_t(columns) + std::size_t(j)];
    };
    for (double level : levels) {
        ContourLine line;
        line.level = level;
        auto segment = [&](Point a, Point b) {
            line.xs.insert(line.xs.end(), {a.x, b.x, kNaN});
            line.ys.insert(line.ys.end(), {a.y, b.y, kNaN});
        };
        for (int i = 0; i + 1 < rows; ++i) {
            for (int j = 0; j + 1 < columns; ++j) {
                // Corners counter-clockwise from the bottom left: (i,j) (i,j+1) (i+1,j+1) (i+1,j).
                const double c[4] = {at(i, j), at(i, j + 1), at(i + 1, j + 1), at(i + 1, j)};
                if (std::isnan(c[0]) || std::isnan(c[1]) || std::isnan(c[2]) || std::isnan(c[3]))
                    continue;
                const Point p[4] = {{xMin + j * dx, yMin + i * dy},
                                    {xMin + (j + 1) * dx, yMin + i * dy},
                                    {xMin + (j + 1) * dx, yMin + (i + 1) * dy},
                                    {xMin + j * dx, yMin + (i + 1) * dy}};
                int mask = 0;
                for (int k = 0; k < 4; ++k) mask |= (c[k] >= level ? 1 : 0) << k;
                if (mask == 0 || mask == 15) continue;
                // Where the level crosses edge k (from corner k to corner k+1).
                auto cross = [&](int k) {
                    const int m = (k + 1) % 4;
                    const double t = (level - c[k]) / (c[m] - c[k]);
                    return Point{p[k].x + t * (p[m].x - p[k].x), p[k].y + t * (p[m].y - p[k].y)};
                };
                std::vector<int> edges;
                for (int k = 0; k < 4; ++k) {
                    const bool a = (mask >> k) & 1, b = (mask >> ((k + 1) % 4)) & 1;
                    if (a != b) edges.push_back(k);
                }
                if (edges.size() == 2) {
                    segment(cross(edges[0]), cross(edges[1]));
                } else if (edges.size() == 4) {
                    // A saddle: the mean of the corners decides which pairs of edges join.
                    const double centre = (c[0] + c[1] + c[2] + c[3]) / 4;
                    const bool corner0High = c[0] >= level;
                    if ((centre >= level) == corner0High) {
                        segment(cross(0), cross(1));
                        segment(cross(2), cross(3));
                    } else {
                        segment(cross(3), cross(0));
                        segment(cross(1), cross(2));
                    }
                }
            }
        }
        if (!line.xs.empty()) lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace llmlab
