#include "quant/QuantViews.h"

#include "Sampling.h"

#include <QFileInfo>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>

namespace llmlab::views {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QString csvField(QString s) {
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"'))) {
        s.replace(QLatin1String("\""), QLatin1String("\"\""));
        return QLatin1Char('"') + s + QLatin1Char('"');
    }
    return s;
}

QString tableCsv(const QAbstractTableModel& m) {
    QString out;
    for (int c = 0; c < m.columnCount(); ++c)
        out += (c ? QStringLiteral(",") : QString()) +
               csvField(m.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    out += QLatin1Char('\n');
    for (int r = 0; r < m.rowCount(); ++r) {
        for (int c = 0; c < m.columnCount(); ++c) {
            const QVariant raw = m.data(m.index(r, c), Qt::UserRole);
            out += (c ? QStringLiteral(",") : QString()) +
                   csvField(raw.isValid() ? raw.toString()
                                          : m.data(m.index(r, c), Qt::DisplayRole).toString());
        }
        out += QLatin1Char('\n');
    }
    return out;
}

// The matrix a canonical tensor name is, short: "blk.3.attn_q.weight" -> "q",
// "blk.3.ffn_down.weight" -> "down", "blk.3.attn_output.weight" -> "output".
QString kindOf(const std::string& name) {
    std::string s = name;
    if (s.rfind("blk.", 0) == 0) s = s.substr(s.find('.', 4) + 1);
    if (s.size() > 7 && s.compare(s.size() - 7, 7, ".weight") == 0) s.resize(s.size() - 7);
    for (const char* prefix : {"attn_", "ffn_"})
        if (s.rfind(prefix, 0) == 0 && s.size() > std::strlen(prefix)) s = s.substr(std::strlen(prefix));
    return q(s);
}

} // namespace


// ---- the ladder table -----------------------------------------------------------------

QuantLadderModel::QuantLadderModel(QObject* parent) : QAbstractTableModel(parent) {}

void QuantLadderModel::setResult(const QuantCompareResult& r) {
    beginResetModel();
    m_result = r;
    endResetModel();
}

QString QuantLadderModel::toCsv() const {
    return tableCsv(*this);
}

int QuantLadderModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_result.models.size());
}

int QuantLadderModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 11;
}

QVariant QuantLadderModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"file",   "type",    "MiB",   "bits/weight", "rel. RMSE", "mean KL",
                                  "max KL", "top-1 %", "perplexity", "prompt tok/s", "decode tok/s"};
    return section >= 0 && section < 11 ? tr(names[section]) : QVariant();
}

QVariant QuantLadderModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_result.models.size())) return {};
    const QuantModelResult& m = m_result.models[std::size_t(index.row())];
    const bool reference = index.row() == 0;
    const double values[] = {0,
                             0,
                             double(m.fileBytes) / 1048576.0,
                             m.bitsPerWeight,
                             relativeRmse(m),
                             m.meanKl,
                             m.maxKl,
                             100.0 * m.top1Agreement,
                             m.perplexity,
                             m.promptTokensPerSecond,
                             m.decodeTokensPerSecond};
    const int c = index.column();
    if (role == Qt::UserRole) {
        if (c == 0) return q(m.path);
        if (c == 1) return q(m.label);
        return values[c];
    }
    if (role == Qt::DisplayRole) {
        if (c == 0) return QFileInfo(q(m.path)).fileName() + (reference ? tr(" (reference)") : QString());
        if (c == 1) return q(m.label);
        const int decimals[] = {0, 0, 3, 2, 4, 5, 4, 1, 3, 0, 1};
        return QString::number(values[c], 'f', decimals[c]);
    }
    if (role == Qt::ToolTipRole && c == 0) return q(m.path);
    if (role == Qt::TextAlignmentRole && c >= 2) return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

// ---- per-tensor table ----------------------------------------------------------------

TensorErrorModel::TensorErrorModel(QObject* parent) : QAbstractTableModel(parent) {}

void TensorErrorModel::setTensors(const std::vector<TensorError>& tensors) {
    beginResetModel();
    m_tensors = tensors;
    endResetModel();
}

QString TensorErrorModel::toCsv() const {
    return tableCsv(*this);
}

int TensorErrorModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_tensors.size());
}

int TensorErrorModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 5;
}

QVariant TensorErrorModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"tensor", "type", "RMSE", "max error", "SNR dB"};
    return section >= 0 && section < 5 ? tr(names[section]) : QVariant();
}

QVariant TensorErrorModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_tensors.size())) return {};
    const TensorError& t = m_tensors[std::size_t(index.row())];
    const int c = index.column();
    if (role == Qt::DisplayRole || role == Qt::UserRole) {
        switch (c) {
        case 0:
            return q(t.name);
        case 1:
            return QString::fromLatin1(dtypeName(t.type).data());
        case 2:
            return role == Qt::UserRole ? QVariant(t.rmse) : QVariant(QString::number(t.rmse, 'g', 4));
        case 3:
            return role == Qt::UserRole ? QVariant(t.maxError)
                                        : QVariant(QString::number(t.maxError, 'g', 4));
        case 4:
            if (!std::isfinite(t.snrDb)) return tr("exact");
            return role == Qt::UserRole ? QVariant(t.snrDb) : QVariant(QString::number(t.snrDb, 'f', 1));
        }
    }
    if (role == Qt::TextAlignmentRole && c >= 2) return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

// ---- charts --------------------------------------------------------------------------

KlPositionChart::KlPositionChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("KL divergence to the reference along the text"));
    setAxisLabels(tr("position (token)"), tr("KL(reference ‖ file), nats"));
    setEmptyText(tr("Compare a ladder to see how far each file's next-token distribution is "
                    "from the reference's at every position"));
    setExportBaseName(QStringLiteral("quant-kl-by-position"));
}

void KlPositionChart::setResult(const QuantCompareResult& r) {
    clear();
    for (std::size_t m = 1; m < r.models.size(); ++m) {
        SeriesData s{q(r.models[m].label), {}, {}};
        for (std::size_t t = 0; t < r.models[m].klPerPosition.size(); ++t) {
            s.keys.push_back(double(t));
            s.values.push_back(r.models[m].klPerPosition[t]);
        }
        addSeries(s);
    }
    rescale();
    if (!isEmpty()) plot()->yAxis->setRangeLower(0);
    plot()->replot();
}

LensDriftChart::LensDriftChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Logit lens: KL to the reference's lens, by layer"));
    setAxisLabels(tr("layer"), tr("mean KL, nats"));
    setEmptyText(tr("Compare a ladder to see at which depth each quantized model's prediction "
                    "departs from the reference's"));
    setExportBaseName(QStringLiteral("quant-lens-drift"));
}

void LensDriftChart::setResult(const QuantCompareResult& r) {
    clear();
    for (std::size_t m = 1; m < r.models.size(); ++m) {
        SeriesData s{q(r.models[m].label), {}, {}};
        for (std::size_t l = 0; l < r.models[m].lensKl.size(); ++l) {
            s.keys.push_back(double(l));
            s.values.push_back(r.models[m].lensKl[l]);
        }
        addSeries(s, SeriesStyle::LineAndScatter);
    }
    rescale();
    if (!isEmpty()) {
        plot()->yAxis->setRangeLower(0);
        plot()->xAxis->setRange(-0.5, double(std::max(1, r.layers)) - 0.5);
        auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        plot()->xAxis->setTicker(ticker);
    }
    plot()->replot();
}

TensorErrorMap::TensorErrorMap(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Signal-to-noise of each matrix"));
    setAxisLabels(tr("matrix"), tr("layer"));
    setEmptyText(tr("Compare a ladder, then pick a file: each block's matrices coloured by how "
                    "far quantization moved them (dB, higher is closer)"));
    setExportBaseName(QStringLiteral("quant-tensor-snr"));
}

void TensorErrorMap::setModel(const QuantModelResult* m, int layers) {
    clear();
    m_kinds.clear();
    if (!m || layers <= 0) {
        rescale();
        return;
    }
    std::map<std::pair<int, QString>, double> snr;
    for (const TensorError& t : m->tensors) {
        if (t.layer < 0 || t.name.size() < 7 || t.name.compare(t.name.size() - 7, 7, ".weight") != 0)
            continue;
        const QString kind = kindOf(t.name);
        if (kind.endsWith(QLatin1String("norm"))) continue;
        if (std::find(m_kinds.begin(), m_kinds.end(), kind) == m_kinds.end()) m_kinds.push_back(kind);
        snr[{t.layer, kind}] = t.snrDb;
    }
    // A matrix kept exact (F32, or F16 where no block fits its rows) has no finite SNR: it is
    // drawn at the top of the scale the quantized ones span, so they keep their contrast
    // (the table beside says "exact").
    double top = -1e300;
    for (const auto& [key, v] : snr)
        if (std::isfinite(v)) top = std::max(top, v);
    for (auto& [key, v] : snr)
        if (!std::isfinite(v)) v = top > -1e300 ? top : 0.0;
    if (m_kinds.empty()) {
        rescale();
        return;
    }
    HeatmapData h;
    h.name = tr("SNR (dB) of %1").arg(q(m->label));
    h.columns = int(m_kinds.size());
    h.rows = layers;
    h.xMin = 0;
    h.xMax = double(h.columns - 1);
    h.yMin = 0;
    h.yMax = double(layers - 1);
    h.colorLabel = tr("SNR, dB");
    for (int l = 0; l < layers; ++l)
        for (const QString& k : m_kinds) {
            const auto it = snr.find({l, k});
            h.values.push_back(it == snr.end() ? std::nan("") : it->second);
        }
    setHeatmap(h);
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::size_t i = 0; i < m_kinds.size(); ++i) ticker->addTick(double(i), m_kinds[i]);
    plot()->xAxis->setTicker(ticker);
    auto layersTicker = QSharedPointer<QCPAxisTickerFixed>::create();
    layersTicker->setTickStep(1.0);
    layersTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot()->yAxis->setTicker(layersTicker);
    rescale();
}

QuantNextTokenChart::QuantNextTokenChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Next token after the text: the reference's top tokens"));
    setAxisLabels(QString(), tr("probability"));
    setEmptyText(tr("Compare a ladder to overlay every file's next-token distribution on the "
                    "reference's most likely tokens"));
    setExportBaseName(QStringLiteral("quant-next-token"));
}

void QuantNextTokenChart::setResult(const QuantCompareResult& r, const std::vector<QString>& labels,
                               int top) {
    clear();
    if (r.models.empty() || r.models.front().lastProbs.empty()) {
        rescale();
        return;
    }
    const std::vector<float>& ref = r.models.front().lastProbs;
    std::vector<int> ids;
    for (const auto& [id, p] : topK(ref, std::size_t(std::max(0, top)))) ids.push_back(int(id));
    top = int(ids.size());
    const int M = int(r.models.size());
    const double slot = 0.8 / M;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double highest = 0;
    for (int m = 0; m < M; ++m) {
        SeriesData s{q(r.models[std::size_t(m)].label), {}, {}};
        for (int k = 0; k < top; ++k) {
            const int id = ids[std::size_t(k)];
            s.keys.push_back(double(k) - 0.4 + slot * (m + 0.5));
            const float p = r.models[std::size_t(m)].lastProbs[std::size_t(id)];
            s.values.push_back(p);
            highest = std::max(highest, double(p));
        }
        const int g = addSeries(s);
        QCPGraph* graph = plot()->graph(g);
        graph->setLineStyle(QCPGraph::lsImpulse);
        const QColor c = graph->pen().color();
        graph->setPen(QPen(c, std::clamp(int(360 / std::max(1, top * M)), 3, 24), Qt::SolidLine,
                           Qt::FlatCap));
    }
    for (int k = 0; k < top; ++k) {
        const int id = ids[std::size_t(k)];
        QString label = id < int(labels.size()) ? labels[std::size_t(id)] : QString::number(id);
        ticker->addTick(double(k), label);
    }
    rescale();
    plot()->xAxis->setTicker(ticker);
    plot()->xAxis->setRange(-0.6, double(top) - 0.4);
    plot()->yAxis->setRange(0, std::max(0.05, highest * 1.1));
    plot()->replot();
}

} // namespace llmlab::views
