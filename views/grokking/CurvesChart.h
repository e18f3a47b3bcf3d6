// A ChartView for live training curves: a set of styled curves that is updated in place while
// its make-up stays the same, vertical step markers with labels, and a log or linear step axis.
#pragma once

#include "ChartView.h"

#include <QStringList>

#include <vector>

class QCPAbstractItem;

namespace llmlab::views {

/// One curve to draw: its points (already decimated), colour and pen style.
struct ChartCurve {
    SeriesData data;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    double width = 2;
};

/// A vertical line at `step` with a label at its top ("memorised", "grokked").
struct StepMarker {
    double step = 0;
    QString label;
    QColor color;
};

class CurvesChart : public ChartView {
    Q_OBJECT
public:
    explicit CurvesChart(QWidget* parent = nullptr);

    /// Shows `curves`. When the names are those already shown, only the points are replaced
    /// (cheap, keeps zoom state machinery intact); otherwise the graphs are rebuilt.
    void setCurves(const std::vector<ChartCurve>& curves);
    /// Replaces the markers (markers with step <= 0 are left out on a log step axis).
    void setMarkers(const std::vector<StepMarker>& markers);
    /// Markers drawn now (a line and a label each).
    int markerCount() const { return int(m_markers.size() / 2); }
    QStringList markerLabels() const;

    void setLogSteps(bool on);
    bool logSteps() const { return m_logSteps; }
    /// Linear value axes: a fixed range (accuracy 0..1) instead of fitting to the data.
    void setFixedValueRange(double lower, double upper);

    /// Fits the axes to the data and asks for a queued replot (at most one per event loop
    /// pass, however many updates came in).
    void refit();

private:
    void placeMarkers();

    std::vector<StepMarker> m_markerData;
    std::vector<QCPAbstractItem*> m_markers; // lines and labels, owned by the plot
    QStringList m_curveNames;
    bool m_logSteps = false;
    bool m_fixedRange = false;
    double m_rangeLower = 0, m_rangeUpper = 1;
};

} // namespace llmlab::views
