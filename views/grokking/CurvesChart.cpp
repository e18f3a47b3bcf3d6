#include "CurvesChart.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace llmlab::views {

CurvesChart::CurvesChart(QWidget* parent) : ChartView(parent) {
    // The default legend font is large for six curves in a small pane.
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    plot()->legend->setFont(legendFont);
}

void CurvesChart::setCurves(const std::vector<ChartCurve>& curves) {
    QStringList names;
    for (const ChartCurve& c : curves) names << c.data.name;
    if (names == m_curveNames && seriesCount() == int(curves.size())) {
        for (int i = 0; i < int(curves.size()); ++i) setSeriesData(i, curves[std::size_t(i)].data);
        return;
    }
    // Not ChartView::clear(): that would also reset the palette and title; markers are items,
    // not graphs, so they survive this.
    plot()->clearGraphs();
    for (const ChartCurve& c : curves) {
        const int index = addSeries(c.data, SeriesStyle::Line, c.color);
        plot()->graph(index)->setPen(QPen(c.color, c.width, c.style));
    }
    m_curveNames = names;
}

QStringList CurvesChart::markerLabels() const {
    QStringList labels;
    for (const StepMarker& m : m_markerData) labels << m.label;
    return labels;
}

void CurvesChart::setMarkers(const std::vector<StepMarker>& markers) {
    m_markerData = markers;
    placeMarkers();
}

void CurvesChart::placeMarkers() {
    for (QCPAbstractItem* item : m_markers) plot()->removeItem(item);
    m_markers.clear();
    int row = 0;
    for (const StepMarker& m : m_markerData) {
        if (m_logSteps && m.step <= 0) continue;
        // x in step coordinates, y as a fraction of the axis rect: the line spans the plot
        // whatever the value range (and works on a log value axis).
        auto* line = new QCPItemStraightLine(plot());
        line->point1->setTypeX(QCPItemPosition::ptPlotCoords);
        line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point2->setTypeX(QCPItemPosition::ptPlotCoords);
        line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        line->point1->setCoords(m.step, 0);
        line->point2->setCoords(m.step, 1);
        line->setPen(QPen(m.color, 1.5, Qt::DashDotLine));
        auto* text = new QCPItemText(plot());
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        // Staggered so two close markers do not print over each other; the legend is under
        // the plot, so the top is free.
        text->position->setCoords(m.step, 0.03 + 0.075 * row++);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        text->setText(QStringLiteral(" %1 (%2)").arg(m.label).arg(qint64(m.step)));
        text->setColor(m.color);
        text->setBrush(QColor(255, 255, 255, 200));
        m_markers.push_back(line);
        m_markers.push_back(text);
    }
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void CurvesChart::setLogSteps(bool on) {
    m_logSteps = on;
    setLogX(on);
    placeMarkers();
    refit();
}

void CurvesChart::setFixedValueRange(double lower, double upper) {
    m_fixedRange = true;
    m_rangeLower = lower;
    m_rangeUpper = upper;
}

void CurvesChart::refit() {
    if (seriesCount() > 0) {
        plot()->rescaleAxes();
        QCPAxis* x = plot()->xAxis;
        if (m_logSteps && x->range().lower <= 0) x->setRangeLower(1);
        if (m_fixedRange)
            plot()->yAxis->setRange(m_rangeLower, m_rangeUpper);
        else if (plot()->yAxis->scaleType() == QCPAxis::stLinear)
            plot()->yAxis->scaleRange(1.08, plot()->yAxis->range().center());
    }
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace llmlab::views
