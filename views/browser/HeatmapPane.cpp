#include "HeatmapPane.h"

#include "ChartView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace llmlab::views {

namespace {
// The grid budget per side: about a screen's worth of pixels, so each cell is at most a pixel
// or so and a cell never hides more detail than the display could show anyway.
constexpr int kMaxCells = 1024;
} // namespace

HeatmapPane::HeatmapPane(QWidget* parent)
    : QWidget(parent), m_chart(new ChartView(this)), m_blockLabel(new QLabel(this)),
      m_modeCombo(new QComboBox(this)), m_debounce(new QTimer(this)) {
    auto* tools = new QHBoxLayout;
    auto button = [&](const QString& text, const QString& tip, auto slot) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, this, slot);
        tools->addWidget(b);
        return b;
    };
    button(tr("+"), tr("Zoom in (or the mouse wheel)"), &HeatmapPane::zoomIn)
        ->setObjectName(QStringLiteral("zoomIn"));
    button(tr("−"), tr("Zoom out"), &HeatmapPane::zoomOut)
        ->setObjectName(QStringLiteral("zoomOut"));
    button(tr("Reset"), tr("Show the whole tensor"), &HeatmapPane::resetView)
        ->setObjectName(QStringLiteral("zoomReset"));
    m_modeCombo->addItem(tr("max |x|"), int(HeatmapMode::MaxAbs));
    m_modeCombo->addItem(tr("mean"), int(HeatmapMode::Mean));
    m_modeCombo->setToolTip(tr("How a cell summarises its block: the value of largest "
                               "magnitude keeps outliers visible; the mean shows the level"));
    connect(m_modeCombo, &QComboBox::activated, this, &HeatmapPane::request);
    tools->addWidget(m_modeCombo);
    m_blockLabel->setObjectName(QStringLiteral("heatmapBlock"));
    // A long line of text must not widen the whole window: it elides into the space it gets.
    m_blockLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    tools->addWidget(m_blockLabel, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_chart, 1);

    m_chart->setExportBaseName(QStringLiteral("heatmap"));
    m_chart->setMinimumSize(200, 160);
    m_chart->setAxisLabels(tr("column"), tr("row"));
    QCustomPlot* plot = m_chart->plot();
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->yAxis->setRangeReversed(true); // row 0 at the top, as a matrix is written
    // Wheel and drag move the axes continuously; ask the engine once the motion settles.
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(150);
    connect(m_debounce, &QTimer::timeout, this, &HeatmapPane::axesMoved);
    auto moved = [this] {
        if (!m_applying) m_debounce->start();
    };
    connect(plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, moved);
    connect(plot->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, moved);
    clear();
}

HeatmapMode HeatmapPane::mode() const {
    return HeatmapMode(m_modeCombo->currentData().toInt());
}

QString HeatmapPane::blockText() const {
    return m_blockLabel->text();
}

void HeatmapPane::clear() {
    m_debounce->stop();
    m_map = {};
    m_name.clear();
    m_nav.setTensorSize(0, 0);
    m_chart->clear();
    m_chart->setTitle(tr("heatmap"));
    m_blockLabel->setText(tr("select a tensor"));
}

void HeatmapPane::setTensor(const QString& name, std::int64_t rows, std::int64_t cols) {
    clear();
    m_name = name;
    m_chart->setTitle(name);
    m_chart->setExportBaseName(QString(name).replace(QLatin1Char('.'), QLatin1Char('_')) +
                               QStringLiteral("_heatmap"));
    m_nav.setTensorSize(rows, cols);
    request();
}

void HeatmapPane::request() {
    if (m_nav.tensorRows() <= 0 || m_nav.tensorCols() <= 0) return;
    m_blockLabel->setText(tr("computing…"));
    emit heatmapRequested(m_nav.viewport(), mode(), kMaxCells);
}

void HeatmapPane::setHeatmap(const Heatmap& map) {
    const HeatmapViewport& v = m_nav.viewport();
    if (map.viewport.row0 != v.row0 || map.viewport.rows != v.rows || map.viewport.col0 != v.col0 ||
        map.viewport.cols != v.cols)
        return; // a grid for a window the user has already left
    m_map = map;
    m_chart->setHeatmap(heatmapChartData(map, m_name));
    // Weights are signed and centred on zero: a diverging scale symmetric about 0 shows the
    // sign at a glance (black = 0, blue below, red above), which a one-sided scale hides.
    for (int i = 0; i < m_chart->plot()->plottableCount(); ++i) {
        if (auto* colorMap = qobject_cast<QCPColorMap*>(m_chart->plot()->plottable(i))) {
            colorMap->setGradient(QCPColorGradient::gpPolar);
            const double m =
                std::max(std::abs(double(map.minValue)), std::abs(double(map.maxValue)));
            colorMap->setDataRange(QCPRange(-std::max(m, 1e-30), std::max(m, 1e-30)));
        }
    }
    m_blockLabel->setText(heatmapBlockText(map));
    showViewportOnAxes();
}

void HeatmapPane::showViewportOnAxes() {
    const HeatmapViewport& v = m_nav.viewport();
    m_applying = true;
    QCustomPlot* plot = m_chart->plot();
    plot->xAxis->setRange(double(v.col0), double(v.col0 + v.cols));
    plot->yAxis->setRange(double(v.row0), double(v.row0 + v.rows));
    plot->replot(QCustomPlot::rpQueuedReplot);
    m_applying = false;
}

void HeatmapPane::axesMoved() {
    const QCPRange x = m_chart->plot()->xAxis->range(), y = m_chart->plot()->yAxis->range();
    if (m_nav.setFromRanges(y.lower, y.upper, x.lower, x.upper)) request();
}

void HeatmapPane::zoomIn() {
    m_nav.zoom(0.5);
    request();
}

void HeatmapPane::zoomOut() {
    m_nav.zoom(2.0);
    request();
}

void HeatmapPane::resetView() {
    m_nav.reset();
    request();
}

} // namespace llmlab::views
