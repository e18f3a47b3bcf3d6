#include "InterpolationChart.h"

#include "ContourChart.h"

#include <qcustomplot.h>

#include <cmath>

namespace llmlab::views {

InterpolationChart::InterpolationChart(QWidget* parent) : ChartView(parent) {
    setExportBaseName(QStringLiteral("landscape-interpolation"));
    setLegendBelow(true);
    setMinimumSize(260, 200);
}

void InterpolationChart::setLandscape(const RunLandscape& L, bool logScale) {
    clear();
    plot()->clearItems();
    m_has = false;
    const GridSpec& g = L.gridSpec;
    if (g.rows != 1) {
        setEmptyText(tr("Choose the line directions to see an interpolation"));
        return;
    }
    setTitle(
        tr("Loss along the line from step %1 to step %2").arg(L.spec.lineFrom).arg(L.spec.lineTo));
    setAxisLabels(directionTitle(L, 0), tr("loss"));
    setLogY(logScale);
    for (std::size_t s = 0; s < L.grid.splits.size(); ++s) {
        SeriesData d;
        d.name = L.grid.splits[s] == "val" ? tr("validation loss") : tr("training loss");
        for (int j = 0; j < g.columns; ++j) {
            const double v = L.grid.lossAt(0, j, s);
            if (std::isnan(v)) continue;
            d.keys.push_back(g.alpha(j));
            d.values.push_back(logScale ? std::max(v, 1e-12) : v);
        }
        addSeries(d);
    }
    // The snapshots between the two ends, on the first split's curve.
    if (L.grid.complete() && L.path.size() > 2) {
        SeriesData marks{tr("snapshots"), {}, {}};
        for (const PathPoint& p : L.path) {
            if (p.alpha < g.alphaMin || p.alpha > g.alphaMax) continue;
            marks.keys.push_back(p.alpha);
            marks.values.push_back(std::max(L.grid.interpolateLoss(p.alpha, 0), 1e-12));
        }
        addSeries(marks, SeriesStyle::Scatter, QColor(40, 40, 40));
    }
    for (double a : {0.0, 1.0}) {
        auto* line = new QCPItemStraightLine(plot());
        line->point1->setCoords(a, 1);
        line->point2->setCoords(a, 2);
        line->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
        auto* text = new QCPItemText(plot());
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(a, 0.02);
        text->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
        text->setText(tr("step %1").arg(a == 0 ? L.spec.lineFrom : L.spec.lineTo));
        text->setClipToAxisRect(true);
    }
    m_has = true;
    rescale();
}

} // namespace llmlab::views
