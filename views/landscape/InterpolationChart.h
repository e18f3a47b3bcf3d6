// The 1-D landscape between two checkpoints (Goodfellow et al. 2015's linear interpolation):
// training and validation loss along θ(α) = θ_from + α (θ_to − θ_from), with the run's other
// snapshots marked where they project onto the line.
#pragma once

#include "ChartView.h"
#include "landscape/RunLandscape.h"

namespace llmlab::views {

class InterpolationChart : public ChartView {
    Q_OBJECT
public:
    explicit InterpolationChart(QWidget* parent = nullptr);
    /// Draws a line landscape (one row); a plane shows a sentence instead.
    void setLandscape(const RunLandscape& landscape, bool logScale = true);
    bool hasLine() const { return m_has; }

private:
    bool m_has = false;
};

} // namespace llmlab::views
