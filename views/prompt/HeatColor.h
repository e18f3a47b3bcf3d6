// The colours the prompt views share: one scale for maps, a light one behind table text.
#pragma once

#include <QColor>

#include <algorithm>
#include <cmath>

namespace llmlab::views {

/// Dark blue -> red -> yellow for v in [0, 1] (like QCustomPlot's gpThermal, so the small maps
/// match the detail map's colour scale).
inline QColor heatColor(double v) {
    v = std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0);
    // Stops: 0 black-blue, 0.35 purple, 0.6 red, 0.85 orange, 1 pale yellow.
    static constexpr double stops[][4] = {{0.0, 0, 0, 50},
                                          {0.35, 120, 20, 140},
                                          {0.6, 220, 40, 40},
                                          {0.85, 250, 160, 20},
                                          {1.0, 255, 255, 200}};
    for (int i = 1; i < 5; ++i)
        if (v <= stops[i][0]) {
            const double t = (v - stops[i - 1][0]) / (stops[i][0] - stops[i - 1][0]);
            auto mix = [&](int k) {
                return int(stops[i - 1][k] + t * (stops[i][k] - stops[i - 1][k]));
            };
            return QColor(mix(1), mix(2), mix(3));
        }
    return QColor(255, 255, 200);
}

/// White -> orange for v in [0, 1]: behind text it stays readable.
inline QColor lightHeatColor(double v) {
    v = std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0);
    return QColor(255, int(255 - 120 * v), int(255 - 220 * v));
}

/// Red (unlikely) -> green (likely) for a token's probability, for generated text.
inline QColor probabilityColor(double p) {
    p = std::clamp(std::isfinite(p) ? p : 0.0, 0.0, 1.0);
    return QColor::fromHsvF(0.33 * p, 0.45, 1.0);
}

} // namespace llmlab::views
