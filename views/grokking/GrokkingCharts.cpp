#include "GrokkingCharts.h"

#include "SnapshotPlots.h"

#include <QGridLayout>

namespace llmlab::views {

namespace {

// Okabe-Ito, as ChartView: one colour per run, the current run first.
const QColor kRunColors[] = {QColor(0, 114, 178),   QColor(213, 94, 0),  QColor(0, 158, 115),
                             QColor(204, 121, 167), QColor(230, 159, 0), QColor(86, 180, 233),
                             QColor(0, 0, 0),       QColor(240, 228, 66)};
QColor runColor(std::size_t i) {
    return kRunColors[i % std::size(kRunColors)];
}

const QColor kMemorisedColor(213, 94, 0);
const QColor kGrokkedColor(0, 140, 100);

} // namespace

GrokkingCharts::GrokkingCharts(QWidget* parent) : QWidget(parent) {
    m_loss = new CurvesChart(this);
    m_loss->setTitle(tr("Loss"));
    m_loss->setAxisLabels(tr("step"), tr("cross-entropy"));
    m_loss->setLogY(true); // losses span orders of magnitude once memorised
    m_loss->setExportBaseName(QStringLiteral("grokking-loss"));
    m_accuracy = new CurvesChart(this);
    m_accuracy->setTitle(tr("Accuracy"));
    m_accuracy->setAxisLabels(tr("step"), tr("accuracy"));
    m_accuracy->setFixedValueRange(0, 1.02);
    m_accuracy->setExportBaseName(QStringLiteral("grokking-accuracy"));
    m_norms = new CurvesChart(this);
    m_norms->setTitle(tr("Weight norm"));
    m_norms->setAxisLabels(tr("step"), tr("L2 norm"));
    m_norms->setExportBaseName(QStringLiteral("grokking-weight-norm"));
    m_progress = new CurvesChart(this);
    m_progress->setTitle(tr("Progress measures"));
    m_progress->setAxisLabels(tr("step"), tr("cross-entropy"));
    m_progress->setLogY(true);
    m_progress->setExportBaseName(QStringLiteral("grokking-progress-measures"));
    m_progress->setToolTip(
        tr("Nanda et al. 2023. Restricted: the logits keep only their key-frequency components "
           "cos/sin(w_k(a+b)), over every pair; it falls when the Fourier circuit alone answers. "
           "Excluded: those components removed, on the training pairs; it rises as the circuit "
           "takes over from memorisation. Key frequencies: the embedding's strongest, read at "
           "each evaluation."));
    m_gini = new CurvesChart(this);
    m_gini->setTitle(tr("Fourier sparsity"));
    m_gini->setAxisLabels(tr("step"), tr("Gini coefficient"));
    m_gini->setFixedValueRange(0, 1.02);
    m_gini->setExportBaseName(QStringLiteral("grokking-fourier-gini"));
    m_gini->setToolTip(tr("Gini coefficient of the embedding's Fourier norms per frequency: 0 "
                          "when every frequency is used alike, towards 1 when a few carry it"));
    m_spectrum = new ChartView(this);
    setupSpectrumChart(*m_spectrum);
    m_attention = new ChartView(this);
    setupAttentionChart(*m_attention);
    for (ChartView* c : charts()) c->setObjectName(c->title());
    for (ChartView* c : {static_cast<ChartView*>(m_loss), static_cast<ChartView*>(m_accuracy),
                         static_cast<ChartView*>(m_norms)})
        c->setEmptyText(tr("Start a run, or pick one below, to see its curves"));
    for (CurvesChart* c : {m_progress, m_gini})
        c->setEmptyText(tr("Progress measures appear at the first evaluation of a+b or a-b mod p "
                           "(the tasks with a Fourier circuit)"));
    m_spectrum->setEmptyText(
        tr("The embeddings' Fourier spectrum appears at the first evaluation"));
    m_attention->setEmptyText(tr("Where \"=\" attends appears at the first evaluation"));

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_accuracy, 0, 1);
    grid->addWidget(m_norms, 0, 2);
    grid->addWidget(m_progress, 1, 0, 1, 2);
    grid->addWidget(m_gini, 1, 2);
    grid->addWidget(m_spectrum, 2, 0, 1, 2);
    grid->addWidget(m_attention, 2, 2);
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 3);
    grid->setRowStretch(2, 2);
    for (ChartView* c : charts()) c->setMinimumHeight(kMinChartHeight);

    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &GrokkingCharts::onTimer);
    m_sinceSnapshot.start();
}

QList<ChartView*> GrokkingCharts::charts() const {
    return {m_loss, m_accuracy, m_norms, m_progress, m_gini, m_spectrum, m_attention};
}

void GrokkingCharts::startRun(const QString& label, const std::vector<TrainMetrics>& earlier) {
    m_currentLabel = label;
    m_hasCurrent = true;
    m_current.setRows(earlier);
    m_hasSnapshot = false;
    m_keyFrequencies.clear();
    m_spectrumData.clear();
    m_attentionData = {};
    m_spectrum->clear();
    m_attention->clear();
    refreshNow();
}

void GrokkingCharts::addMetrics(const TrainMetrics& row) {
    m_current.append(row);
    m_keyFrequencies = row.keyFrequencies;
    m_curvesDirty = true;
    schedule();
}

void GrokkingCharts::setSnapshot(const std::vector<double>& spectrum,
                                 const AttentionAtEquals& attention) {
    m_spectrumData = spectrum;
    m_attentionData = attention;
    m_hasSnapshot = true;
    m_snapshotDirty = true;
    schedule();
}

void GrokkingCharts::setOverlays(std::vector<OverlayRun> overlays) {
    m_overlays = std::move(overlays);
    m_overlayCurves.assign(m_overlays.size(), TrainingCurves());
    for (std::size_t i = 0; i < m_overlays.size(); ++i)
        m_overlayCurves[i].setRows(m_overlays[i].rows);
    refreshCurves();
}

void GrokkingCharts::setLogSteps(bool on) {
    m_logSteps = on;
    for (CurvesChart* c : {m_loss, m_accuracy, m_norms, m_progress, m_gini}) c->setLogSteps(on);
    refreshCurves();
}

void GrokkingCharts::refreshNow() {
    m_timer.stop();
    refreshCurves();
    refreshSnapshot();
}

void GrokkingCharts::schedule() {
    // A single-shot timer armed by the first update after a refresh: however many metrics
    // arrive within the interval, they cost one redraw.
    if (!m_timer.isActive()) m_timer.start(kCurveIntervalMs);
}

void GrokkingCharts::onTimer() {
    if (m_curvesDirty) refreshCurves();
    if (m_snapshotDirty) {
        if (m_sinceSnapshot.elapsed() >= kSnapshotIntervalMs)
            refreshSnapshot();
        else
            schedule(); // try again at the next tick
    }
}

std::vector<StepMarker> GrokkingCharts::markers() const {
    std::vector<StepMarker> m;
    if (m_current.memorisedStep() >= 0)
        m.push_back({double(m_current.memorisedStep()), tr("memorised"), kMemorisedColor});
    if (m_current.grokkedStep() >= 0)
        m.push_back({double(m_current.grokkedStep()), tr("grokked"), kGrokkedColor});
    return m;
}

void GrokkingCharts::refreshCurves() {
    m_curvesDirty = false;
    ++m_curveRefreshes;
    const std::size_t n = kMaxDrawnPoints;
    const bool positive = m_logSteps;
    std::vector<ChartCurve> loss, accuracy, norms;
    auto addRun = [&](const TrainingCurves& curves, const QString& label, QColor color) {
        // Train dashed and thinner, validation solid: validation is the curve that groks.
        loss.push_back({curves.series(Curve::TrainLoss, label + tr(" train"), n, positive), color,
                        Qt::DashLine, 1.5});
        loss.push_back({curves.series(Curve::ValLoss, label + tr(" val"), n, positive), color,
                        Qt::SolidLine, 2});
        accuracy.push_back({curves.series(Curve::TrainAcc, label + tr(" train"), n, positive),
                            color, Qt::DashLine, 1.5});
        accuracy.push_back({curves.series(Curve::ValAcc, label + tr(" val"), n, positive), color,
                            Qt::SolidLine, 2});
    };
    std::size_t colorIndex = 0;
    if (m_hasCurrent) addRun(m_current, m_currentLabel, runColor(colorIndex++));
    for (std::size_t i = 0; i < m_overlays.size(); ++i)
        addRun(m_overlayCurves[i], m_overlays[i].label, runColor(colorIndex++));
    if (m_hasCurrent) {
        norms.push_back({m_current.series(Curve::WeightNorm, tr("total"), n, positive),
                         QColor(0, 0, 0), Qt::SolidLine, 2});
        std::size_t c = 0;
        for (const std::string& name : m_current.componentNames())
            norms.push_back(
                {m_current.componentSeries(name, QString::fromStdString(name), n, positive),
                 runColor(c++), Qt::SolidLine, 1.5});
    }
    m_loss->setCurves(loss);
    m_accuracy->setCurves(accuracy);
    m_norms->setCurves(norms);
    // The current run's progress measures beside its own train and validation loss.
    std::vector<ChartCurve> progress, gini;
    if (m_hasCurrent && m_current.hasProgressMeasures()) {
        const QColor blue = runColor(0), vermilion = runColor(1), green = runColor(2);
        progress.push_back({m_current.series(Curve::TrainLoss, tr("train"), n, positive), blue,
                            Qt::DashLine, 1.5});
        progress.push_back(
            {m_current.series(Curve::ValLoss, tr("val"), n, positive), blue, Qt::SolidLine, 1.5});
        progress.push_back({m_current.series(Curve::RestrictedLoss, tr("restricted"), n, positive),
                            green, Qt::SolidLine, 2.5});
        progress.push_back({m_current.series(Curve::ExcludedLoss, tr("excluded"), n, positive),
                            vermilion, Qt::SolidLine, 2.5});
        gini.push_back({m_current.series(Curve::FourierGini, tr("embedding"), n, positive),
                        QColor(0, 0, 0), Qt::SolidLine, 2});
    }
    QString keys;
    for (int k : m_keyFrequencies) keys += (keys.isEmpty() ? "" : ", ") + QString::number(k);
    m_progress->setTitle(keys.isEmpty() ? tr("Progress measures")
                                        : tr("Progress measures (key frequencies %1)").arg(keys));
    m_progress->setCurves(progress);
    m_gini->setCurves(gini);
    const std::vector<StepMarker> m = markers();
    for (CurvesChart* chart : {m_loss, m_accuracy, m_norms, m_progress, m_gini}) {
        chart->setMarkers(m); // a handful of items; cheaper than tracking what changed
        chart->refit();
    }
}

void GrokkingCharts::refreshSnapshot() {
    m_snapshotDirty = false;
    m_sinceSnapshot.restart();
    if (!m_hasSnapshot) return;
    if (!m_spectrumData.empty()) showSpectrum(*m_spectrum, m_spectrumData);
    showAttention(*m_attention, m_attentionData);
}

} // namespace llmlab::views
