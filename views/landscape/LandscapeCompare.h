// Two landscapes side by side on one colour scale — the memorising checkpoint beside the
// grokked one — each with its sharpness number: "post-grokking solutions are flatter minima"
// made visible.
#pragma once

#include "landscape/RunLandscape.h"

#include <QWidget>

class QLabel;

namespace llmlab::views {

class ContourChart;
class SurfaceView;

class LandscapeCompare : public QWidget {
    Q_OBJECT
public:
    explicit LandscapeCompare(QWidget* parent = nullptr);

    /// `left` and `right` (planes of one run) drawn on a shared colour range and height axis.
    void setLandscapes(const RunLandscape& left, const QString& leftTitle,
                       const RunLandscape& right, const QString& rightTitle, bool logScale = true);
    ContourChart* contour(int side) const { return m_contour[side]; }
    SurfaceView* surface(int side) const { return m_surface[side]; }
    QLabel* sharpnessLabel(int side) const { return m_sharpness[side]; }

private:
    ContourChart* m_contour[2] = {nullptr, nullptr};
    SurfaceView* m_surface[2] = {nullptr, nullptr};
    QLabel* m_sharpness[2] = {nullptr, nullptr};
};

/// "sharpness 0.123 (mean loss rise at radius 0.2)".
QString sharpnessText(const RunLandscape& landscape);

} // namespace llmlab::views
