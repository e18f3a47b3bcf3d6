#include "ChartView.h"

#include "ChartExporter.h"
#include "ChartLayout.h"
#include "ExportDialog.h"

#include <algorithm>
#include <cmath>

#include <QAction>
#include <QStringList>
#include <QMenu>
#include <QMessageBox>
#include <QVBoxLayout>

#include <qcustomplot.h>

namespace llmlab::views {

namespace {

// Okabe-Ito: distinguishable for colour-blind readers and in greyscale print.
const QColor kPalette[] = {QColor(0, 114, 178),   QColor(213, 94, 0),  QColor(0, 158, 115),
                           QColor(204, 121, 167), QColor(230, 159, 0), QColor(86, 180, 233),
                           QColor(0, 0, 0),       QColor(240, 228, 66)};

void setGraphData(QCPGraph* graph, const SeriesData& data) {
    const std::size_t n = std::min(data.keys.size(), data.values.size());
    QVector<double> keys(data.keys.begin(), data.keys.begin() + n);
    QVector<double> values(data.values.begin(), data.values.begin() + n);
    // alreadySorted=false: QCustomPlot sorts by key, so points given out of order still draw as
    // a curve; the CSV then lists them in that sorted order, as drawn.
    graph->setData(keys, values, false);
    graph->setName(data.name);
}

} // namespace

ChartView::ChartView(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumSize(200, 110); // small enough for several charts on a laptop screen

    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->legend->setVisible(false);
    m_plot->legend->setBrush(QColor(255, 255, 255, 210));
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_plot, &QWidget::customContextMenuRequested, this, &ChartView::showContextMenu);

    m_exportAction = new QAction(tr("Export…"), this);
    m_exportAction->setToolTip(tr("Export this chart as PNG, SVG, PDF or CSV"));
    connect(m_exportAction, &QAction::triggered, this, &ChartView::showExportDialog);
    m_resetAction = new QAction(tr("Fit to data"), this);
    connect(m_resetAction, &QAction::triggered, this, &ChartView::rescale);

    // Every chart: the legend under the plot (never over data), ticks thinned to fit their
    // labels, text markers kept inside the plot.
    setLegendBelow(true);
    connect(m_plot, &QCustomPlot::beforeReplot, this, [this] {
        wrapTitle();
        fitChartToSpace(*m_plot);
    });
    setEmptyText(tr("No data yet"));
}

bool ChartView::isEmpty() const {
    return m_plot->graphCount() == 0 && curveCount() == 0 && !m_colorMap;
}

void ChartView::setEmptyText(const QString& text) {
    m_emptyText = text;
    updateEmptyState();
}

void ChartView::updateEmptyState() {
    if (!m_emptyItem || !m_plot->hasItem(m_emptyItem)) {
        // In the middle of the plot, in the axis rect's own coordinates: it stays there
        // whatever the ranges; clear() and clearItems() may have taken the old one.
        m_emptyItem = new QCPItemText(m_plot);
        m_emptyItem->position->setType(QCPItemPosition::ptAxisRectRatio);
        m_emptyItem->position->setCoords(0.5, 0.5);
        m_emptyItem->setPositionAlignment(Qt::AlignCenter);
        m_emptyItem->setColor(palette().placeholderText().color());
        m_emptyItem->setClipToAxisRect(false);
        m_emptyItem->setSelectable(false);
        m_emptyItem->setProperty("llmlabNoFit", true); // centred by itself, never shortened,
        m_emptyItem->setProperty("llmlabWrap", true);  // but wrapped to the plot's width
        m_emptyItem->setTextAlignment(Qt::AlignCenter);
    }
    const bool empty = isEmpty();
    m_emptyItem->setProperty("llmlabSentence", m_emptyText);
    m_emptyItem->setText(m_emptyText);
    m_emptyItem->setVisible(empty && !m_emptyText.isEmpty());
    // No numbers on the axes of a chart with nothing on them (they would say 0 to 5).
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setTickLabels(!empty);
        axis->setTicks(!empty);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

ChartView::~ChartView() = default;

void ChartView::clear() {
    m_plot->clearGraphs();
    for (int i = m_plot->plottableCount() - 1; i >= 0; --i)
        if (qobject_cast<QCPCurve*>(m_plot->plottable(i))) m_plot->removePlottable(i);
    if (m_colorMap) {
        m_plot->removePlottable(m_colorMap);
        m_colorMap = nullptr;
    }
    if (m_colorScale) {
        m_plot->plotLayout()->remove(m_colorScale); // deletes it
        m_plot->plotLayout()->simplify();
        m_colorScale = nullptr;
    }
    m_paletteIndex = 0;
    updateLegend();
    updateEmptyState();
}

void ChartView::setTitle(const QString& title) {
    QCPTextElement* element = nullptr;
    if (m_plot->plotLayout()->rowCount() > 1)
        element = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0));
    if (!element) {
        if (title.isEmpty()) return;
        m_plot->plotLayout()->insertRow(0);
        element = new QCPTextElement(m_plot, title, QFont(font().family(), 11, QFont::Bold));
        m_plot->plotLayout()->addElement(0, 0, element);
    }
    m_title = title;
    element->setText(title);
    wrapTitle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartView::wrapTitle() {
    // A title longer than the chart breaks between words onto more lines instead of being cut
    // at both ends ("ntion, layer 2 hea"); a word longer than the width is elided.
    if (m_title.isEmpty() || m_plot->plotLayout()->rowCount() < 2) return;
    auto* element = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0));
    if (!element) return;
    const QFontMetrics fm(element->font());
    const int width = std::max(40, m_plot->width() - 8);
    QStringList lines;
    QString line;
    for (const QString& word : m_title.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString tried = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
        if (fm.horizontalAdvance(tried) <= width || line.isEmpty()) {
            line = tried;
        } else {
            lines << line;
            line = word;
        }
    }
    if (!line.isEmpty()) lines << line;
    for (QString& l : lines) l = fm.elidedText(l, Qt::ElideRight, width);
    const QString text = lines.join(QLatin1Char('\n'));
    if (element->text() != text) element->setText(text);
}

QString ChartView::title() const {
    if (!m_title.isEmpty()) return m_title;
    if (m_plot->plotLayout()->rowCount() > 1) {
        if (auto* element = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
            return element->text();
    }
    return {};
}

void ChartView::setAxisLabels(const QString& x, const QString& y) {
    m_plot->xAxis->setLabel(x);
    m_plot->yAxis->setLabel(y);
}

void ChartView::setLogX(bool on) {
    m_plot->xAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    m_plot->xAxis->setTicker(on ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

void ChartView::setLogY(bool on) {
    m_plot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    m_plot->yAxis->setTicker(on ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

int ChartView::addSeries(const SeriesData& data, SeriesStyle style, const QColor& color) {
    QCPGraph* graph = m_plot->addGraph();
    const QColor c = color.isValid() ? color : nextColor();
    graph->setPen(QPen(c, 2));
    if (style == SeriesStyle::Scatter) graph->setLineStyle(QCPGraph::lsNone);
    if (style != SeriesStyle::Line)
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 7));
    setGraphData(graph, data);
    updateLegend();
    updateEmptyState();
    return m_plot->graphCount() - 1;
}

void ChartView::setSeriesData(int index, const SeriesData& data) {
    if (index < 0 || index >= m_plot->graphCount()) return;
    setGraphData(m_plot->graph(index), data);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int ChartView::addCurve(const SeriesData& data, const QColor& color, double width, bool markers,
                        bool inCsv, bool inLegend) {
    auto* curve = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    curve->setPen(QPen(color, width));
    if (markers)
        curve->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(color, 1.5), QBrush(Qt::white), 6));
    const std::size_t n = std::min(data.keys.size(), data.values.size());
    curve->setData(QVector<double>(data.keys.begin(), data.keys.begin() + n),
                   QVector<double>(data.values.begin(), data.values.begin() + n));
    curve->setName(data.name);
    curve->setProperty("llmlabCsv", inCsv);
    if (!inLegend) curve->removeFromLegend();
    updateLegend();
    updateEmptyState();
    return curveCount() - 1;
}

int ChartView::curveCount() const {
    int n = 0;
    for (int i = 0; i < m_plot->plottableCount(); ++i)
        n += qobject_cast<QCPCurve*>(m_plot->plottable(i)) ? 1 : 0;
    return n;
}

int ChartView::seriesCount() const {
    return m_plot->graphCount();
}

void ChartView::setHeatmap(const HeatmapData& data) {
    if (!m_colorMap) {
        m_colorMap = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
        m_colorScale = new QCPColorScale(m_plot);
        // Beside the axis rect, in the axis rect's row (not the title's, not the legend's).
        const int row = axisRectRow();
        m_plot->plotLayout()->addElement(row, 1, m_colorScale);
        m_colorScale->setType(QCPAxis::atRight);
        m_colorMap->setColorScale(m_colorScale);
        m_colorMap->setInterpolate(false);
        // Keep the colour scale as tall as the plot area.
        auto* group = new QCPMarginGroup(m_plot);
        m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
        m_colorScale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    }
    QCPColorGradient gradient(data.diverging ? QCPColorGradient::gpPolar : QCPColorGradient::gpThermal);
    if (data.diverging) { // gpPolar runs dark blue to dark red; lighter ends read better
        gradient.clearColorStops();
        gradient.setColorStopAt(0.0, QColor(33, 102, 172));
        gradient.setColorStopAt(0.5, QColor(247, 247, 247));
        gradient.setColorStopAt(1.0, QColor(178, 24, 43));
    }
    gradient.setNanHandling(QCPColorGradient::nhTransparent); // cells not computed (yet)
    m_colorMap->setGradient(gradient);
    m_colorMap->setName(data.name);
    m_colorScale->axis()->setLabel(data.colorLabel);
    const int nx = std::max(0, data.columns), ny = std::max(0, data.rows);
    m_colorMap->data()->setSize(nx, ny);
    m_colorMap->data()->setRange(QCPRange(data.xMin, data.xMax), QCPRange(data.yMin, data.yMax));
    for (int iy = 0; iy < ny; ++iy) {
        for (int ix = 0; ix < nx; ++ix) {
            const std::size_t i = std::size_t(iy) * std::size_t(nx) + std::size_t(ix);
            m_colorMap->data()->setCell(ix, iy, i < data.values.size() ? data.values[i] : 0.0);
        }
    }
    if (m_colorLo < m_colorHi) {
        m_colorMap->setDataRange(QCPRange(m_colorLo, m_colorHi));
    } else if (data.diverging) {
        double top = 0;
        for (double v : data.values)
            if (std::isfinite(v)) top = std::max(top, std::fabs(v));
        if (top <= 0) top = 1;
        m_colorMap->setDataRange(QCPRange(-top, top));
    } else {
        m_colorMap->rescaleDataRange(true);
    }
    updateLegend();
    updateEmptyState();
}

void ChartView::setColorRange(double lo, double hi) {
    m_colorLo = lo;
    m_colorHi = hi;
    if (!m_colorMap) return;
    if (lo < hi)
        m_colorMap->setDataRange(QCPRange(lo, hi));
    else
        m_colorMap->rescaleDataRange(true);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartView::colorRange(double* lo, double* hi) const {
    *lo = m_colorMap ? m_colorMap->dataRange().lower : 0.0;
    *hi = m_colorMap ? m_colorMap->dataRange().upper : 0.0;
}

bool ChartView::hasHeatmap() const {
    return m_colorMap != nullptr;
}

void ChartView::rescale() {
    m_plot->rescaleAxes();
    if (m_colorMap) {
        // Cell centres span the range; widen by half a cell so edge cells show whole.
        const QCPColorMapData* d = m_colorMap->data();
        const double hx = d->keySize() > 1 ? d->keyRange().size() / (d->keySize() - 1) / 2 : 0.5;
        const double hy =
            d->valueSize() > 1 ? d->valueRange().size() / (d->valueSize() - 1) / 2 : 0.5;
        m_plot->xAxis->setRange(d->keyRange().lower - hx, d->keyRange().upper + hx);
        m_plot->yAxis->setRange(d->valueRange().lower - hy, d->valueRange().upper + hy);
    } else {
        // A little headroom so the top point and its marker are not cut by the frame.
        for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
            if (axis->scaleType() == QCPAxis::stLinear)
                axis->scaleRange(1.08, axis->range().center());
        }
    }
    m_plot->replot();
}

bool ChartView::exportTo(const QString& path, int dpi, QString* error, QSize size) {
    return exportPlot(*m_plot, path, dpi, error, size);
}

QString ChartView::toCsv() const {
    return plotToCsv(*m_plot);
}

void ChartView::showExportDialog() {
    ExportDialog dialog(this);
    dialog.setBaseName(m_exportBaseName);
    dialog.setDpi(m_lastDpi);
    dialog.setScreenSize(m_plot->size());
    if (m_lastSize.isValid()) {
        const auto presets = exportSizePresets();
        for (int i = 0; i < int(presets.size()); ++i)
            if (presets[std::size_t(i)].size == m_lastSize) dialog.choosePreset(i);
    }
    if (dialog.exec() != QDialog::Accepted) return;
    m_lastDpi = dialog.dpi();
    m_lastSize = dialog.exportSize();
    QString error;
    if (!exportTo(dialog.path(), dialog.dpi(), &error, dialog.exportSize())) {
        QMessageBox::warning(this, tr("Export failed"), error);
        return;
    }
    emit exported(dialog.path());
}

void ChartView::showContextMenu(const QPoint& pos) {
    QMenu menu(this);
    menu.addAction(m_exportAction);
    menu.addAction(m_resetAction);
    menu.exec(m_plot->mapToGlobal(pos));
}

int ChartView::axisRectRow() const {
    QCPLayoutGrid* grid = m_plot->plotLayout();
    for (int r = 0; r < grid->rowCount(); ++r)
        if (grid->element(r, 0) == m_plot->axisRect()) return r;
    return grid->rowCount() - 1;
}

void ChartView::setLegendBelow(bool below) {
    if (below == m_legendBelow) return;
    m_legendBelow = below;
    QCPLegend* legend = m_plot->legend;
    if (below) {
        m_plot->axisRect()->insetLayout()->take(legend);
        QCPLayoutGrid* grid = m_plot->plotLayout();
        const int row = grid->rowCount();
        grid->addElement(row, 0, legend);
        grid->setRowStretchFactor(row, 0.001); // as tall as its entries, no more
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        legend->setWrap(0);
        legend->setBrush(Qt::NoBrush);
        legend->setBorderPen(Qt::NoPen);
        legend->setMargins(QMargins(4, 0, 4, 2));
        // A layout grid's maximum size is its entries' sum: an empty (or one-entry) legend
        // would cap its column, and with it the plot, at a few pixels wide. Any explicit
        // maximum overrides that hint.
        legend->setMaximumSize(100000, 100000);
    } else {
        m_plot->plotLayout()->take(legend);
        m_plot->plotLayout()->simplify();
        m_plot->axisRect()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
        legend->setBrush(QColor(255, 255, 255, 210));
        legend->setBorderPen(QPen(Qt::black));
    }
    updateLegend();
}

void ChartView::updateLegend() {
    // A legend only helps once there is more than one curve to tell apart. Top right: falling
    // curves (losses) leave that corner empty.
    const bool show = m_plot->legend->itemCount() > 1;
    m_plot->legend->setVisible(show);
    if (show && !m_legendBelow)
        m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

QColor ChartView::nextColor() {
    const int n = int(std::size(kPalette));
    return kPalette[m_paletteIndex++ % n];
}

} // namespace llmlab::views
