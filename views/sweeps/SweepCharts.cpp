#include "SweepCharts.h"

#include <qcustomplot.h>

#include <QMouseEvent>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace llmlab::views {

namespace {

QString num(double v, int digits = 3) {
    return QString::number(v, 'g', digits);
}

QString gammaText(const Interval& g) {
    return g.finite() ? QStringLiteral(" [%1, %2]").arg(g.lo, 0, 'f', 3).arg(g.hi, 0, 'f', 3)
                      : QStringLiteral(" (no interval)");
}

// Evenly spaced in log between lo and hi: a fitted curve drawn smoothly on log axes.
std::vector<double> logSpace(double lo, double hi, int n) {
    std::vector<double> x;
    for (int i = 0; i < n; ++i)
        x.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (n - 1)));
    return x;
}

const QColor kPhaseColors[] = {QColor(60, 160, 90), QColor(70, 110, 210), QColor(230, 150, 40),
                               QColor(200, 60, 60)};

} // namespace

ScalingLawChart::ScalingLawChart(Axis axis, QWidget* parent) : ChartView(parent), m_axis(axis) {
    const bool c = axis == Axis::Compute;
    setTitle(c ? tr("Loss vs compute C = 6ND") : tr("Loss vs non-embedding parameters N"));
    setAxisLabels(c ? tr("compute C (FLOPs)") : tr("parameters N"), tr("validation loss"));
    setLogX(true);
    setLogY(true);
    setLegendBelow(true);
    setExportBaseName(c ? QStringLiteral("scaling-loss-vs-compute")
                        : QStringLiteral("scaling-loss-vs-params"));
    setEmptyText(tr("Run an lm sweep (e.g. scaling-quick) to see its scaling law"));
}

void ScalingLawChart::setData(const std::vector<ScalingPoint>& runs,
                              const std::vector<ScalingPoint>& frontier, const PowerLawFit& fit,
                              const Interval& gamma) {
    clear();
    if (runs.empty()) return;
    const bool c = m_axis == Axis::Compute;
    auto x = [&](const ScalingPoint& p) { return c ? p.compute : p.params; };
    SeriesData all{tr("every run"), {}, {}}, front{c ? tr("best at each C") : tr("best of each N"), {}, {}};
    for (const ScalingPoint& p : runs) all.keys.push_back(x(p)), all.values.push_back(p.loss);
    for (const ScalingPoint& p : frontier) front.keys.push_back(x(p)), front.values.push_back(p.loss);
    const int a = addSeries(all, SeriesStyle::Scatter, QColor(150, 150, 150));
    plot()->graph(a)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    const int f = addSeries(front, SeriesStyle::Scatter, QColor(30, 90, 200));
    plot()->graph(f)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 8));
    if (fit.ok && !front.keys.empty()) {
        const auto [lo, hi] = std::minmax_element(front.keys.begin(), front.keys.end());
        SeriesData line{QStringLiteral("L = %1·%2^-%3 + %4, γ%5")
                            .arg(num(fit.a), c ? QStringLiteral("C") : QStringLiteral("N"))
                            .arg(fit.gamma, 0, 'f', 3)
                            .arg(fit.b, 0, 'f', 3)
                            .arg(gammaText(gamma)),
                        {},
                        {}};
        for (double v : logSpace(*lo / 1.5, *hi * 1.5, 60))
            line.keys.push_back(v), line.values.push_back(fit.predict(v));
        addCurve(line, QColor(200, 50, 50), 2.0, false, true, true);
    }
    rescale();
    // Every run in view (the fitted curve alone would set the range), with a margin in log.
    const auto [lo, hi] = std::minmax_element(all.values.begin(), all.values.end());
    plot()->yAxis->setRange(*lo / 1.03, *hi * 1.03);
    plot()->replot();
}

IsoFlopChart::IsoFlopChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("IsoFLOP profiles: loss vs N at fixed compute"));
    setAxisLabels(tr("parameters N"), tr("validation loss"));
    setLogX(true);
    setLegendBelow(true);
    setExportBaseName(QStringLiteral("scaling-isoflop"));
    setEmptyText(tr("An lm sweep with several sizes per compute budget draws its profiles here"));
}

void IsoFlopChart::setProfiles(const std::vector<IsoFlopProfile>& profiles) {
    clear();
    static const QColor colors[] = {QColor(30, 90, 200), QColor(200, 80, 40), QColor(40, 150, 80),
                                    QColor(150, 60, 170), QColor(120, 120, 30), QColor(0, 140, 150)};
    SeriesData minima{tr("minimum of each profile"), {}, {}};
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        const IsoFlopProfile& p = profiles[i];
        const QColor color = colors[i % 6];
        SeriesData runs{tr("C = %1").arg(num(p.compute)), p.params, p.loss};
        const int k = addSeries(runs, SeriesStyle::Scatter, color);
        plot()->graph(k)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 7));
        if (p.fromParabola && !p.params.empty()) {
            SeriesData parabola{QString(), {}, {}};
            for (double n : logSpace(p.params.front(), p.params.back(), 40)) {
                const double l = std::log(n);
                parabola.keys.push_back(n);
                parabola.values.push_back(p.c0 + p.c1 * l + p.c2 * l * l);
            }
            addCurve(parabola, color, 1.5, false, false, false);
        }
        minima.keys.push_back(p.nOpt);
        minima.values.push_back(p.lossOpt);
    }
    if (!minima.keys.empty()) {
        const int m = addSeries(minima, SeriesStyle::Scatter, QColor(0, 0, 0));
        plot()->graph(m)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, 12));
    }
    rescale();
}

ComputeOptimalChart::ComputeOptimalChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Compute-optimal model size and data"));
    setAxisLabels(tr("compute C (FLOPs)"), tr("N_opt (parameters), D_opt (tokens)"));
    setLogX(true);
    setLogY(true);
    setLegendBelow(true);
    setExportBaseName(QStringLiteral("scaling-compute-optimal"));
    setEmptyText(tr("Two or more IsoFLOP profiles give N_opt(C) and D_opt(C)"));
}

void ComputeOptimalChart::setFit(const ComputeOptimalFit& fit) {
    clear();
    if (fit.profiles.empty()) return;
    SeriesData n{tr("N_opt (IsoFLOP minima)"), {}, {}}, d{tr("D_opt = C / 6N_opt"), {}, {}};
    for (const IsoFlopProfile& p : fit.profiles) {
        n.keys.push_back(p.compute), n.values.push_back(p.nOpt);
        d.keys.push_back(p.compute), d.values.push_back(p.compute / (6.0 * p.nOpt));
    }
    const int a = addSeries(n, SeriesStyle::Scatter, QColor(30, 90, 200));
    plot()->graph(a)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 8));
    const int b = addSeries(d, SeriesStyle::Scatter, QColor(200, 80, 40));
    plot()->graph(b)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 8));
    if (fit.ok) {
        const double lo = n.keys.front() / 2, hi = n.keys.back() * 2;
        auto line = [&](const QString& name, double coef, double exponent, const QColor& color,
                        Qt::PenStyle style) {
            SeriesData s{name, {}, {}};
            for (double c : logSpace(lo, hi, 30))
                s.keys.push_back(c), s.values.push_back(coef * std::pow(c, exponent));
            const int k = addCurve(s, color, 1.8, false, true, true);
            QPen pen(color, 1.8, style);
            plot()->plottable(plot()->plottableCount() - 1)->setPen(pen);
            (void)k;
        };
        line(tr("N_opt ∝ C^%1%2").arg(fit.nExponent, 0, 'f', 3).arg(gammaText(fit.nExponentCI)),
             fit.nCoef, fit.nExponent, QColor(30, 90, 200), Qt::SolidLine);
        line(tr("D_opt ∝ C^%1%2").arg(fit.dExponent, 0, 'f', 3).arg(gammaText(fit.dExponentCI)),
             fit.dCoef, fit.dExponent, QColor(200, 80, 40), Qt::SolidLine);
        // Chinchilla's a = b = 0.5, through the geometric middle of our N_opt points.
        double meanLogC = 0, meanLogN = 0;
        for (std::size_t i = 0; i < n.keys.size(); ++i)
            meanLogC += std::log(n.keys[i]), meanLogN += std::log(n.values[i]);
        meanLogC /= double(n.keys.size());
        meanLogN /= double(n.keys.size());
        line(tr("Chinchilla: N_opt ∝ C^0.5 (reference)"), std::exp(meanLogN - 0.5 * meanLogC), 0.5,
             QColor(90, 90, 90), Qt::DashLine);
    }
    rescale();
}

DoubleDescentChart::DoubleDescentChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Double descent"));
    setLogX(true);
    setLogY(true);
    setLegendBelow(true);
    setExportBaseName(QStringLiteral("double-descent"));
    setEmptyText(tr("Run double-descent-features or double-descent-width to see the peak"));
}

void DoubleDescentChart::setFeatures(const std::vector<RandomFeaturesPoint>& curve, int samples) {
    clear();
    setTitle(tr("Double descent: random ReLU features, %1 training samples").arg(samples));
    setAxisLabels(tr("features P"), tr("test error (MSE)"));
    std::vector<double> ridges;
    for (const RandomFeaturesPoint& p : curve)
        if (std::find(ridges.begin(), ridges.end(), p.ridge) == ridges.end())
            ridges.push_back(p.ridge);
    double top = 0, bottom = INFINITY;
    for (double r : ridges) {
        SeriesData s{r == 0 ? tr("test, minimum norm (ridge 0)") : tr("test, ridge %1").arg(num(r)),
                     {},
                     {}};
        for (const RandomFeaturesPoint& p : curve)
            if (p.ridge == r && p.testError > 0) {
                s.keys.push_back(p.features), s.values.push_back(p.testError);
                top = std::max(top, p.testError), bottom = std::min(bottom, p.testError);
            }
        addSeries(s, SeriesStyle::LineAndScatter);
    }
    if (top > 0) {
        addCurve(SeriesData{tr("interpolation threshold P = n"), {double(samples), double(samples)},
                            {bottom, top}},
                 QColor(0, 0, 0), 1.0, false, false, true);
        QPen pen(QColor(0, 0, 0), 1.0, Qt::DashLine);
        plot()->plottable(plot()->plottableCount() - 1)->setPen(pen);
    }
    rescale();
}

void DoubleDescentChart::setWidthCurve(const QString& xLabel, const std::vector<double>& x,
                                       const std::vector<double>& valLoss,
                                       const std::vector<double>& trainLoss) {
    clear();
    setTitle(tr("Model-wise double descent of the toy transformer"));
    setAxisLabels(xLabel, tr("final loss"));
    addSeries(SeriesData{tr("validation loss"), x, valLoss}, SeriesStyle::LineAndScatter,
              QColor(200, 60, 60));
    addSeries(SeriesData{tr("training loss (noisy labels)"), x, trainLoss},
              SeriesStyle::LineAndScatter, QColor(30, 90, 200));
    rescale();
}

PhaseDiagramChart::PhaseDiagramChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Phases of grokking"));
    setExportBaseName(QStringLiteral("grokking-phases"));
    setEmptyText(tr("Run a grokking sweep over two axes (e.g. grokking-phases) to see its phases"));
    setMouseTracking(true);
    plot()->setMouseTracking(true);
    connect(plot(), &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const double x = plot()->xAxis->pixelToCoord(e->pos().x());
        const double y = plot()->yAxis->pixelToCoord(e->pos().y());
        const QString text = cellText(x, y);
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(e->globalPosition().toPoint(), text, plot());
    });
    connect(plot(), &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        const int run = runAt(plot()->xAxis->pixelToCoord(e->pos().x()),
                              plot()->yAxis->pixelToCoord(e->pos().y()));
        if (run >= 0 && e->button() == Qt::LeftButton) emit runClicked(run);
    });
}

void PhaseDiagramChart::setCells(const QString& xName, const QStringList& xTicks,
                                 const QString& yName, const QStringList& yTicks,
                                 const std::vector<Cell>& cells) {
    clear();
    m_cells = cells;
    if (cells.empty() || xTicks.isEmpty() || yTicks.isEmpty()) return;
    setAxisLabels(xName, yName);
    HeatmapData h;
    h.name = tr("phase");
    h.columns = int(xTicks.size());
    h.rows = int(yTicks.size());
    h.values.assign(std::size_t(h.columns * h.rows), NAN);
    h.xMin = 0, h.xMax = h.columns - 1;
    h.yMin = 0, h.yMax = h.rows - 1;
    h.colorLabel = tr("phase");
    for (const Cell& c : cells)
        if (c.column < h.columns && c.row < h.rows)
            h.values[std::size_t(c.row * h.columns + c.column)] = double(int(c.phase.phase));
    setColorRange(0, 3);
    setHeatmap(h);
    // Four categories: a four-level gradient whose levels are the phase colours, and the
    // colour scale's ticks named after them.
    for (int i = 0; i < plot()->plottableCount(); ++i)
        if (auto* map = qobject_cast<QCPColorMap*>(plot()->plottable(i))) {
            QCPColorGradient g;
            g.setLevelCount(4);
            for (int k = 0; k < 4; ++k) g.setColorStopAt(k / 3.0, kPhaseColors[k]);
            g.setNanHandling(QCPColorGradient::nhTransparent);
            map->setGradient(g);
            if (map->colorScale()) {
                auto ticker = QSharedPointer<QCPAxisTickerText>::create();
                for (int k = 0; k < 4; ++k)
                    ticker->addTick(k, QString::fromUtf8(phaseName(GrokPhase(k))));
                map->colorScale()->axis()->setTicker(ticker);
            }
        }
    auto xt = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < xTicks.size(); ++i) xt->addTick(i, xTicks[i]);
    auto yt = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < yTicks.size(); ++i) yt->addTick(i, yTicks[i]);
    plot()->xAxis->setTicker(xt);
    plot()->yAxis->setTicker(yt);
    plot()->xAxis->setRange(-0.5, h.columns - 0.5);
    plot()->yAxis->setRange(-0.5, h.rows - 0.5);
    plot()->replot();
}

const PhaseDiagramChart::Cell* PhaseDiagramChart::cellAt(double x, double y) const {
    const int col = int(std::lround(x)), row = int(std::lround(y));
    for (const Cell& c : m_cells)
        if (c.column == col && c.row == row && std::abs(x - col) <= 0.5 && std::abs(y - row) <= 0.5)
            return &c;
    return nullptr;
}

QString PhaseDiagramChart::cellText(double x, double y) const {
    const Cell* c = cellAt(x, y);
    if (!c) return {};
    auto step = [](std::int64_t s) { return s < 0 ? tr("never") : tr("step %1").arg(s); };
    return tr("%1\n%2%3\ntraining ≥ threshold: %4\nvalidation ≥ threshold: %5\n%6\nclick for its "
              "curves")
        .arg(c->label, QString::fromUtf8(phaseName(c->phase.phase)),
             c->finished ? QString() : tr(" (so far: the run has not finished)"),
             step(c->phase.trainStep), step(c->phase.valStep),
             QString::fromStdString(c->phase.reason));
}

int PhaseDiagramChart::runAt(double x, double y) const {
    const Cell* c = cellAt(x, y);
    return c ? c->runIndex : -1;
}

SweepRunChart::SweepRunChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("A run of the sweep"));
    setLogX(true);
    setLegendBelow(true);
    setExportBaseName(QStringLiteral("sweep-run"));
    setEmptyText(tr("Click a run (in the table or the phase diagram) to see its curves"));
}

void SweepRunChart::setRun(const QString& label, const std::vector<TrainMetrics>& rows,
                           const std::vector<SlingshotEvent>& slingshots, bool loss) {
    clear();
    setTitle(label);
    setAxisLabels(tr("step"), loss ? tr("loss") : tr("accuracy"));
    setLogY(loss);
    SeriesData train{loss ? tr("train loss") : tr("train accuracy"), {}, {}};
    SeriesData val{loss ? tr("validation loss") : tr("validation accuracy"), {}, {}};
    for (const TrainMetrics& m : rows) {
        const double s = std::max<double>(1, double(m.step)); // log axis: step 0 drawn at 1
        train.keys.push_back(s), train.values.push_back(loss ? m.trainLoss : m.trainAcc);
        val.keys.push_back(s), val.values.push_back(loss ? m.valLoss : m.valAcc);
    }
    addSeries(train, SeriesStyle::Line, QColor(30, 90, 200));
    addSeries(val, SeriesStyle::Line, QColor(200, 60, 60));
    if (!slingshots.empty() && !rows.empty()) {
        const double top = loss ? 10.0 : 1.0, bottom = loss ? 1e-4 : 0.0;
        for (std::size_t i = 0; i < slingshots.size(); ++i)
            addCurve(SeriesData{i == 0 ? tr("slingshot (norm and loss spike)") : QString(),
                                {double(slingshots[i].step), double(slingshots[i].step)},
                                {bottom, top}},
                     QColor(230, 150, 40), 1.2, false, true, i == 0);
    }
    rescale();
}

EmbeddingPcaChart::EmbeddingPcaChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Token embeddings, first two principal components"));
    setAxisLabels(tr("PC 1"), tr("PC 2"));
    setExportBaseName(QStringLiteral("embedding-pca"));
    setEmptyText(tr("Click a grokking run to see its embeddings' PCA at each snapshot"));
}

void EmbeddingPcaChart::setPca(const EmbeddingPca& pca, std::int64_t step) {
    clear();
    setTitle(tr("Token embeddings at step %1: PCA (%2% + %3% of the variance)")
                 .arg(step)
                 .arg(100 * pca.explained[0], 0, 'f', 0)
                 .arg(100 * pca.explained[1], 0, 'f', 0));
    const int n = int(pca.x.size());
    // One point per token, coloured by its value around the hue circle; a thin line joins
    // consecutive values (a ring when the model found the Fourier structure).
    SeriesData path{tr("tokens 0, 1, 2, … in order"), {}, {}};
    for (int t = 0; t < n; ++t) path.keys.push_back(pca.x[std::size_t(t)]), path.values.push_back(pca.y[std::size_t(t)]);
    addCurve(path, QColor(200, 200, 200), 0.8, false, false, true);
    for (int t = 0; t < n; ++t) {
        const QColor color = QColor::fromHsvF(float(t) / float(std::max(1, n)), 0.85f, 0.85f);
        const int k = addCurve(SeriesData{QString(), {double(pca.x[std::size_t(t)])},
                                          {double(pca.y[std::size_t(t)])}},
                               color, 1.0, true, true, false);
        (void)k;
    }
    rescale();
}

} // namespace llmlab::views
