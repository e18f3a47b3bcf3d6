#include "SnapshotPlots.h"

#include <qcustomplot.h>

#include <algorithm>

namespace llmlab::views {

SeriesData spectrumSeries(const std::vector<double>& spectrum) {
    SeriesData s;
    s.name = QStringLiteral("|FFT|² share");
    for (std::size_t k = 0; k < spectrum.size(); ++k) {
        s.keys.push_back(double(k + 1));
        s.values.push_back(spectrum[k]);
    }
    return s;
}

HeatmapData attentionHeatmap(const AttentionAtEquals& a) {
    HeatmapData h;
    h.name = QStringLiteral("attention at =");
    h.colorLabel = QStringLiteral("probability");
    h.columns = a.tokens;
    h.rows = a.layers * a.heads;
    const std::size_t cells = std::size_t(std::max(0, h.columns * h.rows));
    h.values.assign(cells, 0.0);
    // probs is [layers, heads, tokens]: row (layer * heads + head) is already row-major order.
    for (std::size_t i = 0; i < std::min(cells, a.probs.size()); ++i) h.values[i] = a.probs[i];
    h.xMin = 0;
    h.xMax = std::max(0, h.columns - 1);
    h.yMin = 0;
    h.yMax = std::max(0, h.rows - 1);
    return h;
}

void setupSpectrumChart(ChartView& chart) {
    chart.setTitle(QObject::tr("Embedding Fourier spectrum"));
    chart.setAxisLabels(QObject::tr("frequency k"), QObject::tr("share of |FFT|²"));
    chart.setExportBaseName(QStringLiteral("embedding-spectrum"));
}

void setupAttentionChart(ChartView& chart) {
    chart.setTitle(QObject::tr("Attention at \"=\""));
    chart.setAxisLabels(QObject::tr("attended token"), QObject::tr("layer, head"));
    chart.setExportBaseName(QStringLiteral("attention-at-equals"));
}

void showSpectrum(ChartView& chart, const std::vector<double>& spectrum) {
    const SeriesData s = spectrumSeries(spectrum);
    QCustomPlot* plot = chart.plot();
    if (chart.seriesCount() == 0) {
        chart.addSeries(s, SeriesStyle::Line, QColor(0, 114, 178));
        plot->graph(0)->setLineStyle(QCPGraph::lsImpulse);
    } else {
        chart.setSeriesData(0, s);
    }
    // Bars as wide as the axis allows: a pen of about 70% of one frequency's width in pixels.
    const double pixelsPerK = plot->axisRect()->width() / std::max<double>(1, s.keys.size() + 1);
    plot->graph(0)->setPen(QPen(QColor(0, 114, 178), std::clamp(pixelsPerK * 0.7, 1.0, 24.0),
                                Qt::SolidLine, Qt::FlatCap));
    plot->xAxis->setRange(0, double(s.keys.size()) + 1);
    const double top = s.values.empty() ? 1 : *std::max_element(s.values.begin(), s.values.end());
    plot->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void showAttention(ChartView& chart, const AttentionAtEquals& attention) {
    const HeatmapData h = attentionHeatmap(attention);
    if (h.rows == 0 || h.columns == 0) return;
    chart.setHeatmap(h);
    QCustomPlot* plot = chart.plot();
    auto xTicks = QSharedPointer<QCPAxisTickerText>::create();
    const char* const tokenNames[] = {"a", "b", "="};
    for (int c = 0; c < h.columns; ++c)
        xTicks->addTick(c, c < 3 ? QString::fromLatin1(tokenNames[c]) : QString::number(c));
    plot->xAxis->setTicker(xTicks);
    auto yTicks = QSharedPointer<QCPAxisTickerText>::create();
    for (int r = 0; r < h.rows; ++r)
        yTicks->addTick(r, QStringLiteral("L%1 H%2")
                               .arg(r / std::max(1, attention.heads))
                               .arg(r % std::max(1, attention.heads)));
    plot->yAxis->setTicker(yTicks);
    // Probabilities: a fixed 0..1 scale so colours compare across refreshes and runs.
    for (int i = 0; i < plot->plottableCount(); ++i) {
        if (auto* map = qobject_cast<QCPColorMap*>(plot->plottable(i)))
            map->setDataRange(QCPRange(0, 1));
    }
    chart.rescale();
}

} // namespace llmlab::views
