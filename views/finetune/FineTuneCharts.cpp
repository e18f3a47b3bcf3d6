#include "finetune/FineTuneCharts.h"

#include <cmath>

namespace llmlab::views {

namespace {

// The finite points of one curve.
SeriesData finite(const QString& name, const std::vector<double>& x, const std::vector<double>& y) {
    SeriesData s{name, {}, {}};
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        if (std::isfinite(y[i])) {
            s.keys.push_back(x[i]);
            s.values.push_back(y[i]);
        }
    return s;
}

} // namespace

FineTuneLossChart::FineTuneLossChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Loss as fine-tuning goes"));
    setAxisLabels(tr("step"), tr("loss per token (nats)"));
    setEmptyText(tr("Start a run: the batch loss, the held-out loss of the text's last tenth and, "
                    "with a reference text, the forgetting curve appear as it trains"));
    setExportBaseName(QStringLiteral("finetune-loss"));
    setLegendBelow(true);
}

void FineTuneLossChart::setCurves(const std::vector<double>& steps, const std::vector<double>& train,
                                  const std::vector<double>& heldOut, const std::vector<double>& reference) {
    clear();
    const SeriesData parts[] = {finite(tr("training batches"), steps, train),
                                finite(tr("held-out tenth of the text"), steps, heldOut),
                                finite(tr("reference text (forgetting)"), steps, reference)};
    for (const SeriesData& s : parts)
        if (!s.keys.empty()) addSeries(s, SeriesStyle::LineAndScatter);
    rescale();
}

FineTuneSpeedChart::FineTuneSpeedChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Training speed"));
    setAxisLabels(tr("step"), tr("tokens/s"));
    setEmptyText(tr("Training tokens a second (forward, backward and the step) appear as it trains"));
    setExportBaseName(QStringLiteral("finetune-speed"));
    setLegendBelow(true);
}

void FineTuneSpeedChart::setSpeed(const std::vector<double>& steps, const std::vector<double>& tokensPerSecond) {
    clear();
    SeriesData s = finite(tr("tokens/s"), steps, tokensPerSecond);
    // The first point is the evaluation before training: no speed.
    if (!s.keys.empty() && s.keys.front() == 0) {
        s.keys.erase(s.keys.begin());
        s.values.erase(s.values.begin());
    }
    if (!s.keys.empty()) addSeries(s, SeriesStyle::LineAndScatter);
    rescale();
}

FineTuneSeriesChart::FineTuneSeriesChart(const QString& title, const QString& yLabel, const QString& emptyText,
                                         const QString& exportName, QWidget* parent)
    : ChartView(parent), m_name(yLabel) {
    setTitle(title);
    setAxisLabels(tr("step"), yLabel);
    setEmptyText(emptyText);
    setExportBaseName(exportName);
    setLegendBelow(true);
}

void FineTuneSeriesChart::setSeries(const std::vector<double>& steps, const std::vector<double>& values) {
    clear();
    SeriesData s = finite(m_name, steps, values);
    for (std::size_t i = s.keys.size(); i-- > 0;)
        if (s.keys[i] == 0) {
            s.keys.erase(s.keys.begin() + std::ptrdiff_t(i));
            s.values.erase(s.values.begin() + std::ptrdiff_t(i));
        }
    if (!s.keys.empty()) addSeries(s, SeriesStyle::LineAndScatter);
    rescale();
}

} // namespace llmlab::views
