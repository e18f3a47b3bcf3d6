#include "ContourChart.h"

#include "landscape/Contours.h"

#include <qcustomplot.h>

#include <cmath>

namespace llmlab::views {

namespace {

double toColour(double loss, bool log) {
    return log ? std::log10(std::max(loss, 1e-12)) : loss;
}

} // namespace

QString directionTitle(const RunLandscape& L, int axis) {
    const char* symbol = axis == 0 ? "α" : "β";
    switch (L.spec.directions) {
    case DirectionKind::Pca:
        return QStringLiteral("%1: PC %2 (%3%)")
            .arg(QString::fromUtf8(symbol))
            .arg(axis + 1)
            .arg(100.0 * L.explained[axis], 0, 'f', 1);
    case DirectionKind::Line:
        return axis == 0
                   ? QStringLiteral("α: step %1 → step %2").arg(L.spec.lineFrom).arg(L.spec.lineTo)
                   : QString();
    case DirectionKind::Random:
        break;
    }
    return QStringLiteral("%1: random direction %2%3")
        .arg(QString::fromUtf8(symbol))
        .arg(axis + 1)
        .arg(L.spec.random.filterNormalize ? QStringLiteral(" (filter-normalised)") : QString());
}

ContourChart::ContourChart(QWidget* parent) : ChartView(parent) {
    setExportBaseName(QStringLiteral("landscape-contour"));
    setLegendBelow(true);
    setMinimumSize(260, 220);
}

void ContourChart::clearLandscape(const QString& why) {
    clear();
    plot()->clearItems();
    m_has = false;
    m_contours = m_pathPoints = 0;
    setTitle(QString());
    setEmptyText(why);
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ContourChart::setLandscape(const RunLandscape& L, const ContourOptions& o) {
    clear();
    plot()->clearItems(); // the path's labels
    m_has = false;
    m_contours = 0;
    m_pathPoints = 0;
    const GridSpec& g = L.gridSpec;
    if (g.rows < 2 || o.split >= L.grid.splits.size()) {
        setEmptyText(tr("A line landscape: see the interpolation chart"));
        return;
    }
    const QString split = QString::fromStdString(L.grid.splits[o.split]);
    if (!L.movedTensors.empty())
        setTitle(tr("Loss on the text, moving %n tensor(s)", "", int(L.movedTensors.size())));
    else
        setTitle(tr("%1 loss around step %2")
                     .arg(split == QLatin1String("val") ? tr("Validation") : tr("Training"))
                     .arg(L.centreStep));
    setAxisLabels(directionTitle(L, 0), directionTitle(L, 1));

    HeatmapData h;
    h.name = split + QStringLiteral(" loss");
    h.columns = g.columns;
    h.rows = g.rows;
    h.xMin = g.alphaMin, h.xMax = g.alphaMax, h.yMin = g.betaMin, h.yMax = g.betaMax;
    h.colorLabel = o.logScale ? QStringLiteral("log₁₀ loss") : QStringLiteral("loss");
    h.values.resize(L.grid.loss[o.split].size());
    for (std::size_t k = 0; k < h.values.size(); ++k)
        h.values[k] = std::isnan(L.grid.loss[o.split][k])
                          ? std::nan("")
                          : toColour(L.grid.loss[o.split][k], o.logScale);
    // The colour range from the computed cells (a slice or a stopped grid leaves NaN cells,
    // which must not decide the scale), or the one asked for.
    double clo = o.colorLo, chi = o.colorHi;
    if (!(clo < chi)) L.grid.lossRange(&clo, &chi, o.split);
    if (!(clo < chi)) chi = clo + 1;
    ChartView::setColorRange(toColour(clo, o.logScale), toColour(chi, o.logScale));
    setHeatmap(h);
    for (int i = 0; i < plot()->plottableCount(); ++i) // the colour scale says what it is
        if (qobject_cast<QCPColorMap*>(plot()->plottable(i)))
            plot()->plottable(i)->removeFromLegend();

    double lo = 0, hi = 0;
    L.grid.lossRange(&lo, &hi, o.split);
    if (o.colorLo < o.colorHi) lo = o.colorLo, hi = o.colorHi;
    const std::vector<ContourLine> lines =
        contourLines(L.grid.loss[o.split], g.columns, g.rows, g.alphaMin, g.alphaMax, g.betaMin,
                     g.betaMax, contourLevels(lo, hi, o.levels, o.logScale));
    for (const ContourLine& line : lines) {
        SeriesData d{QStringLiteral("loss %1").arg(line.level, 0, 'g', 3), line.xs, line.ys};
        addCurve(d, QColor(255, 255, 255, 150), 1.0, false, false, false);
    }
    m_contours = int(lines.size());

    if (o.showPath && !L.path.empty()) {
        SeriesData path{tr("training path"), {}, {}};
        for (const PathPoint& p : L.path) {
            path.keys.push_back(p.alpha);
            path.values.push_back(p.beta);
        }
        addCurve(path, QColor(20, 20, 20), 2.0, true, true, true);
        m_pathPoints = int(L.path.size());
        // Where it starts and where it ends, in words.
        auto label = [&](const PathPoint& p, const QString& text) {
            auto* t = new QCPItemText(plot());
            t->position->setType(QCPItemPosition::ptPlotCoords);
            t->position->setCoords(p.alpha, p.beta);
            // Labels open towards the middle of the plot, so they stay inside it.
            const bool right = p.alpha > (g.alphaMin + g.alphaMax) / 2;
            const bool top = p.beta > (g.betaMin + g.betaMax) / 2;
            t->setPositionAlignment((right ? Qt::AlignRight : Qt::AlignLeft) |
                                    (top ? Qt::AlignTop : Qt::AlignBottom));
            t->setText(text);
            t->setColor(Qt::white);
            t->setBrush(QColor(0, 0, 0, 140));
            t->setPadding(QMargins(3, 1, 3, 1));
            t->setClipToAxisRect(true);
        };
        // Random directions are nearly orthogonal to the path, which then projects to a spot
        // near the centre: one label there, not two printed over each other.
        const PathPoint& a = L.path.front();
        const PathPoint& b = L.path.back();
        const bool apart = std::abs(a.alpha - b.alpha) > 0.08 * (g.alphaMax - g.alphaMin) ||
                           std::abs(a.beta - b.beta) > 0.08 * (g.betaMax - g.betaMin);
        if (apart) label(a, tr("step %1").arg(a.step));
        label(b, apart ? tr("step %1").arg(b.step)
                       : tr("steps %1–%2 (the path is nearly orthogonal to this plane)")
                             .arg(a.step)
                             .arg(b.step));
    }
    if (L.path.empty()) {
        // A model file has no training path: mark the weights the landscape is centred on.
        SeriesData centre{tr("the model's weights"), {0.0}, {0.0}};
        addCurve(centre, QColor(20, 20, 20), 2.0, true, true, true);
    }
    m_has = true;
    rescale();
}

} // namespace llmlab::views
