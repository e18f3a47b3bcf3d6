// A loss landscape as a contour map: the loss as a colour map (linear or log), iso-lines over
// it, and the training path projected onto the same two directions.
#pragma once

#include "ChartView.h"
#include "landscape/RunLandscape.h"

namespace llmlab::views {

struct ContourOptions {
    bool logScale = true;  ///< colours and iso-lines in log10(loss)
    std::size_t split = 0; ///< which split's loss (index into the landscape's splits)
    int levels = 12;       ///< iso-lines
    bool showPath = true;
    double colorLo = 0, colorHi = 0; ///< a fixed colour range in loss units (lo < hi)
};

/// Axis titles for a landscape's directions ("PC 1 (80.9%)", "direction 1", ...).
QString directionTitle(const RunLandscape& landscape, int axis);

class ContourChart : public ChartView {
    Q_OBJECT
public:
    explicit ContourChart(QWidget* parent = nullptr);

    /// Draws `landscape` (a plane; a line landscape shows a sentence instead).
    void setLandscape(const RunLandscape& landscape, const ContourOptions& options = {});
    bool hasLandscape() const { return m_has; }
    /// Shows nothing but `why` as the title (another kind of landscape is on view).
    void clearLandscape(const QString& why);
    /// Iso-lines drawn at the last setLandscape.
    int contourCount() const { return m_contours; }
    /// Points of the path drawn (0 when hidden).
    int pathPoints() const { return m_pathPoints; }

private:
    bool m_has = false;
    int m_contours = 0;
    int m_pathPoints = 0;
};

} // namespace llmlab::views
