#include "PositionalView.h"

#include "ChartView.h"
#include "analysis/PositionalEncoding.h"
#include "formats/ModelFile.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

namespace llmlab::views {

namespace {

HeatmapData heatmapOf(const Matrix& m, const QString& name, const QString& colorLabel) {
    HeatmapData h;
    h.name = name;
    h.rows = m.rows;
    h.columns = m.columns;
    h.values.assign(m.values.begin(), m.values.end());
    h.xMin = 0;
    h.xMax = std::max(0, m.columns - 1);
    h.yMin = 0;
    h.yMax = std::max(0, m.rows - 1);
    h.colorLabel = colorLabel;
    return h;
}

ChartView* makeChart(const QString& title, const QString& x, const QString& y,
                     const QString& file) {
    auto* c = new ChartView;
    c->setTitle(title);
    c->setAxisLabels(x, y);
    c->setExportBaseName(file);
    c->setMinimumSize(200, 100);
    return c;
}

} // namespace

PositionalView::PositionalView(QWidget* parent) : QWidget(parent) {
    m_d = new QSpinBox;
    m_d->setRange(2, 1024);
    m_d->setValue(64);
    m_length = new QSpinBox;
    m_length->setRange(2, 2048);
    m_length->setValue(100);
    m_dims = new QLineEdit(QStringLiteral("0, 1, 4, 10, 20"));
    m_dims->setToolTip(tr("dimensions i to draw over t, comma-separated"));
    auto* form = new QHBoxLayout;
    form->addWidget(new QLabel(tr("d")));
    form->addWidget(m_d);
    form->addWidget(new QLabel(tr("length")));
    form->addWidget(m_length);
    form->addWidget(new QLabel(tr("dimensions")));
    form->addWidget(m_dims, 1);

    m_encoding = makeChart(tr("Sinusoidal p_t^(i)"), tr("dimension i"), tr("position t"),
                           QStringLiteral("sinusoidal"));
    m_curves = makeChart(tr("Dimensions over t"), tr("position t"), tr("p_t^(i)"),
                         QStringLiteral("sinusoidal-curves"));
    m_similarity = makeChart(tr("Similarity p_s · p_t"), tr("position t"), tr("position s"),
                             QStringLiteral("position-similarity"));
    m_modelCurve = makeChart(tr("RoPE frequencies"), tr("pair i"), tr("θ^(−2i/d)"),
                             QStringLiteral("rope-frequencies"));
    m_modelCurve->setLogY(true);
    m_modelMap =
        makeChart(tr("RoPE angles"), tr("pair i"), tr("position t"), QStringLiteral("rope-angles"));
    m_modelLabel = new QLabel(tr("Open a model to see its own positional scheme."));
    m_modelLabel->setWordWrap(true);

    auto* grid = new QGridLayout;
    grid->addWidget(m_encoding, 0, 0);
    grid->addWidget(m_curves, 0, 1);
    grid->addWidget(m_similarity, 0, 2);
    grid->addWidget(m_modelCurve, 2, 0);
    grid->addWidget(m_modelMap, 2, 1);
    grid->addWidget(m_modelLabel, 2, 2);
    grid->addWidget(new QLabel(tr("The opened model:")), 1, 0, 1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(grid, 1);

    connect(m_d, &QSpinBox::valueChanged, this, &PositionalView::refresh);
    connect(m_length, &QSpinBox::valueChanged, this, [this] {
        refresh();
        refreshModel();
    });
    connect(m_dims, &QLineEdit::editingFinished, this, &PositionalView::refresh);
    refresh();
}

void PositionalView::refresh() {
    const int d = m_d->value(), length = m_length->value();
    const Matrix p = sinusoidalEncoding(d, length);
    m_encoding->setHeatmap(heatmapOf(p, tr("p (d=%1)").arg(d), tr("value")));
    m_encoding->rescale();

    m_curves->clear();
    for (const QString& part : m_dims->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int i = part.trimmed().toInt(&ok);
        if (!ok || i < 0 || i >= d) continue;
        SeriesData s{QStringLiteral("i = %1 (%2)").arg(i).arg(i % 2 ? "cos" : "sin"), {}, {}};
        for (int t = 0; t < length; ++t) {
            s.keys.push_back(t);
            s.values.push_back(p.at(t, i));
        }
        m_curves->addSeries(s);
    }
    m_curves->rescale();

    m_similarity->setHeatmap(
        heatmapOf(rowSimilarity(p, false), tr("p_s · p_t"), tr("dot product")));
    m_similarity->rescale();
}

void PositionalView::setModel(std::shared_ptr<const ModelFile> model) {
    m_model = std::move(model);
    refreshModel();
}

QString PositionalView::modelMessage() const {
    return m_modelLabel->text();
}

void PositionalView::refreshModel() {
    m_modelCurve->clear();
    m_modelMap->clear();
    for (ChartView* c : {m_modelCurve, m_modelMap})
        c->setEmptyText(tr("Open a model to see its own positional scheme"));
    if (!m_model) return;
    const ModelSpec& s = m_model->spec();
    if (s.positions != PositionKind::Rope)
        m_modelCurve->setEmptyText(s.positions == PositionKind::Learned
                                       ? tr("Learned positions: no RoPE frequencies to draw")
                                       : tr("No RoPE in this model"));
    if (s.positions != PositionKind::Rope && s.positions != PositionKind::Learned)
        m_modelMap->setEmptyText(tr("This model has no RoPE or learned position embeddings"));
    const int length = m_length->value();
    if (s.positions == PositionKind::Rope) {
        const int dRot = s.ropeDims > 0 ? s.ropeDims : s.headDim;
        const std::vector<double> f = ropeFrequencies(s.ropeTheta, dRot);
        SeriesData curve{tr("θ = %1").arg(double(s.ropeTheta)), {}, {}};
        for (std::size_t i = 0; i < f.size(); ++i) {
            curve.keys.push_back(double(i));
            curve.values.push_back(f[i]);
        }
        m_modelCurve->setTitle(tr("RoPE frequencies θ^(−2i/%1)").arg(dRot));
        m_modelCurve->addSeries(curve, SeriesStyle::LineAndScatter);
        m_modelCurve->rescale();
        // Wrapped to (−π, π]: the phase each pair has turned to, which is what q·k sees.
        Matrix angles = ropeAngles(s.ropeTheta, dRot, length);
        for (float& a : angles.values) a = float(wrapAngle(a));
        m_modelMap->setTitle(tr("RoPE angles t·θ^(−2i/%1), wrapped").arg(dRot));
        m_modelMap->setAxisLabels(tr("pair i"), tr("position t"));
        m_modelMap->setHeatmap(heatmapOf(angles, tr("angle"), tr("radians")));
        m_modelMap->rescale();
        m_modelLabel->setText(tr("RoPE, θ = %1, head dim %2, %3 rotated dims (%4 pairs).")
                                  .arg(double(s.ropeTheta))
                                  .arg(s.headDim)
                                  .arg(dRot)
                                  .arg(dRot / 2));
    } else if (s.positions == PositionKind::Learned && m_model->find("position_embd.weight")) {
        const Tensor t = m_model->tensor("position_embd.weight");
        std::vector<float> values = t.toFloats();
        const int width = s.width > 0 ? s.width : 1;
        const int rows = std::min<int>(length, int(values.size() / std::size_t(width)));
        values.resize(std::size_t(rows) * std::size_t(width));
        const Matrix emb{rows, width, std::move(values)};
        m_modelMap->setTitle(tr("Learned position embeddings, cosine similarity"));
        m_modelMap->setAxisLabels(tr("position t"), tr("position s"));
        m_modelMap->setHeatmap(heatmapOf(rowSimilarity(emb, true), tr("cosine"), tr("cosine")));
        m_modelMap->rescale();
        m_modelLabel->setText(
            tr("Learned position embeddings (position_embd.weight), first %1 positions.")
                .arg(rows));
    } else {
        m_modelLabel->setText(
            tr("This model has no RoPE or learned position embeddings (%1).")
                .arg(QString::fromStdString(std::string(positionKindName(s.positions)))));
    }
}

} // namespace llmlab::views
