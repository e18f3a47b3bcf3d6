#include "ParamShareChart.h"

#include "ChartView.h"

#include "analysis/ParamShare.h"

#include <QVBoxLayout>

#include <qcustomplot.h>

namespace llmlab::views {

namespace {
constexpr Component kShown[] = {Component::Embeddings, Component::Attention,  Component::Mlp,
                                Component::Norms,      Component::OutputHead, Component::Other};

QString label(Component c) {
    const std::string_view n = componentName(c);
    return QString::fromLatin1(n.data(), qsizetype(n.size()));
}
} // namespace

ParamShareChart::ParamShareChart(QWidget* parent)
    : QWidget(parent), m_totals(new ChartView(this)), m_perLayer(new ChartView(this)) {
    for (ChartView* c : {m_totals, m_perLayer})
        c->setEmptyText(tr("Open a model to see where its parameters are"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_totals, 1);
    layout->addWidget(m_perLayer, 1);
    m_totals->setExportBaseName(QStringLiteral("param_share_totals"));
    m_perLayer->setExportBaseName(QStringLiteral("param_share_per_layer"));
    // Tall enough to read; in a short window the dock scrolls (ModelBrowser wraps it).
    for (ChartView* chart : {m_totals, m_perLayer}) chart->setMinimumSize(160, 170);
    clear();
}

void ParamShareChart::clear() {
    m_totals->clear();
    m_totals->setTitle(tr("parameters per component"));
    m_totals->setAxisLabels(QString(), tr("parameters"));
    m_perLayer->clear();
    m_perLayer->setTitle(tr("parameters per block"));
    m_perLayer->setAxisLabels(tr("block"), tr("parameters"));
}

void ParamShareChart::setModel(const ModelSnapshot& model) {
    clear();
    const ParamShare share = computeParamShare(model.tensors, model.spec);
    // Totals: one single-point series per component drawn as a thick impulse, so each bar has
    // its own colour and legend entry and the CSV export lists component and count.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    int x = 0;
    for (Component c : kShown) {
        const std::int64_t params = share.totals[c].params;
        if (params == 0 && c == Component::Other) continue;
        const double pct =
            100.0 * double(params) / double(std::max<std::int64_t>(1, share.totals.total().params));
        const QString name =
            QStringLiteral("%1 (%2, %3 %)").arg(label(c), humanCount(params)).arg(pct, 0, 'f', 1);
        const int s = m_totals->addSeries({name, {double(x)}, {double(params)}});
        if (QCPGraph* g = m_totals->plot()->graph(s)) {
            g->setLineStyle(QCPGraph::lsImpulse);
            QPen pen = g->pen();
            pen.setWidth(28);
            pen.setCapStyle(Qt::FlatCap);
            g->setPen(pen);
            g->setScatterStyle(QCPScatterStyle::ssNone);
        }
        ticker->addTick(x, label(c));
        ++x;
    }
    m_totals->plot()->xAxis->setTicker(ticker);
    m_totals->rescale();
    m_totals->plot()->xAxis->setRange(-0.7, double(x) - 0.3);
    m_totals->plot()->yAxis->setRangeLower(0);
    m_totals->plot()->replot(QCustomPlot::rpQueuedReplot);

    // Per block: the same components over the layers (norms are tiny, but they are there).
    for (Component c : {Component::Attention, Component::Mlp, Component::Norms}) {
        SeriesData d{label(c), {}, {}};
        for (std::size_t l = 0; l < share.layers.size(); ++l) {
            d.keys.push_back(double(l));
            d.values.push_back(double(share.layers[l][c].params));
        }
        m_perLayer->addSeries(d, SeriesStyle::LineAndScatter);
    }
    m_perLayer->rescale();
    m_perLayer->plot()->yAxis->setRangeLower(0);
    m_perLayer->plot()->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace llmlab::views
