#include "interp/InterpViews.h"

#include "interp/Attribution.h"

#include <QFile>
#include <QFileInfo>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QTextStream>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace llmlab::views {

LayerGrid::LayerGrid(const QString& title, const QString& columnAxis, const QString& emptyText,
                     const QString& exportName, QWidget* parent)
    : ChartView(parent) {
    setTitle(title);
    setAxisLabels(columnAxis, tr("layer"));
    setEmptyText(emptyText);
    setExportBaseName(exportName);
    connect(plot(), &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (m_values.empty() || e->button() != Qt::LeftButton) return;
        const int c = int(std::lround(plot()->xAxis->pixelToCoord(e->position().x())));
        const int r = int(std::lround(plot()->yAxis->pixelToCoord(e->position().y())));
        if (r >= 0 && r < rows() && c >= 0 && c < columns()) emit cellClicked(r, c);
    });
}

void LayerGrid::setGrid(const std::vector<std::vector<double>>& values,
                        const std::vector<QString>& columnLabels, const QString& colorLabel) {
    const int keepLayer = m_markLayer, keepColumn = m_markColumn; // the same cell, new values
    markCell(-1, -1);
    clear();
    m_values = values;
    if (values.empty() || values.front().empty()) {
        m_values.clear();
        rescale();
        return;
    }
    HeatmapData h;
    h.name = title();
    h.rows = rows();
    h.columns = columns();
    h.xMin = 0;
    h.xMax = double(std::max(1, h.columns - 1));
    h.yMin = 0;
    h.yMax = double(std::max(1, h.rows - 1));
    h.colorLabel = colorLabel;
    h.diverging = true;
    for (const auto& row : values)
        for (int c = 0; c < h.columns; ++c) h.values.push_back(c < int(row.size()) ? row[std::size_t(c)] : std::nan(""));
    // A single row or column still spans one cell each way.
    if (h.columns == 1) h.xMax = 0;
    if (h.rows == 1) h.yMax = 0;
    setHeatmap(h);
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int c = 0; c < h.columns; ++c)
        ticker->addTick(double(c), c < int(columnLabels.size()) ? columnLabels[std::size_t(c)] : QString::number(c));
    plot()->xAxis->setTicker(ticker);
    auto layers = QSharedPointer<QCPAxisTickerFixed>::create();
    layers->setTickStep(1.0);
    layers->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot()->yAxis->setTicker(layers);
    rescale();
    markCell(keepLayer, keepColumn);
}

double LayerGrid::value(int layer, int column) const {
    if (layer < 0 || layer >= rows() || column < 0 || column >= int(m_values[std::size_t(layer)].size()))
        return std::nan("");
    return m_values[std::size_t(layer)][std::size_t(column)];
}

void LayerGrid::markCell(int layer, int column) {
    if (m_mark) {
        plot()->removeItem(m_mark);
        m_mark = nullptr;
    }
    m_markLayer = m_markColumn = -1;
    if (layer >= 0 && layer < rows() && column >= 0 && column < columns()) {
        m_mark = new QCPItemRect(plot());
        m_mark->topLeft->setCoords(column - 0.5, layer + 0.5);
        m_mark->bottomRight->setCoords(column + 0.5, layer - 0.5);
        m_mark->setPen(QPen(Qt::black, 2));
        m_mark->setBrush(Qt::NoBrush);
        m_markLayer = layer;
        m_markColumn = column;
    }
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

LogitDiffByLayerChart::LogitDiffByLayerChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Direct logit attribution by layer"));
    setAxisLabels(tr("layer"), tr("share of the logit difference"));
    setEmptyText(tr("Attribute a prompt to see how each layer's attention and MLP move the "
                    "logit difference, and the residual stream's running total"));
    setExportBaseName(QStringLiteral("logit-attribution-by-layer"));
    setLegendBelow(true);
}

void LogitDiffByLayerChart::setAttribution(const LogitAttribution& a) {
    clear();
    const int L = int(a.mlp.size());
    if (L == 0) {
        rescale();
        return;
    }
    SeriesData attn{tr("attention (heads + bias)"), {}, {}}, mlp{tr("MLP"), {}, {}},
        resid{tr("residual stream after the layer"), {}, {}};
    for (int l = 0; l < L; ++l) {
        double sum = a.attnBias[std::size_t(l)];
        for (double h : a.heads[std::size_t(l)]) sum += h;
        attn.keys.push_back(l - 0.15);
        attn.values.push_back(sum);
        mlp.keys.push_back(l + 0.15);
        mlp.values.push_back(a.mlp[std::size_t(l)]);
        resid.keys.push_back(l);
        resid.values.push_back(a.residualByLayer[std::size_t(l)]);
    }
    const int barWidth = std::clamp(240 / std::max(1, L), 3, 20);
    for (const SeriesData* s : {&attn, &mlp}) {
        const int g = addSeries(*s);
        QCPGraph* graph = plot()->graph(g);
        graph->setLineStyle(QCPGraph::lsImpulse);
        graph->setPen(QPen(graph->pen().color(), barWidth, Qt::SolidLine, Qt::FlatCap));
    }
    addSeries(resid, SeriesStyle::LineAndScatter);
    rescale();
    auto layers = QSharedPointer<QCPAxisTickerFixed>::create();
    layers->setTickStep(1.0);
    layers->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot()->xAxis->setTicker(layers);
    plot()->xAxis->setRange(-0.6, L - 0.4);
    plot()->replot();
}

// --- the contribution graph ---

namespace {

constexpr double kLeft = 56, kRight = 12, kTop = 26, kBottom = 44;

QColor edgeColor(FlowEdge::Kind k) {
    switch (k) {
    case FlowEdge::Attention: return QColor(33, 102, 172);
    case FlowEdge::Mlp: return QColor(230, 120, 20);
    default: return QColor(120, 120, 120);
    }
}

double distanceToSegment(const QPointF& p, const QPointF& a, const QPointF& b) {
    const QPointF d = b - a;
    const double len2 = d.x() * d.x() + d.y() * d.y();
    double t = len2 > 0 ? ((p.x() - a.x()) * d.x() + (p.y() - a.y()) * d.y()) / len2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    const QPointF q = a + t * d - p;
    return std::sqrt(q.x() * q.x() + q.y() * q.y());
}

} // namespace

ContributionGraphView::ContributionGraphView(QWidget* parent) : QWidget(parent) {
    setMinimumSize(minimumSizeHint());
    setAutoFillBackground(true);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, Qt::white);
    setPalette(pal);
}

void ContributionGraphView::setGraph(std::shared_ptr<const ContributionGraph> graph,
                                     std::vector<QString> tokenLabels) {
    m_graph = std::move(graph);
    m_labels = std::move(tokenLabels);
    m_selected = -1;
    setRoutes(-1, m_threshold);
}

void ContributionGraphView::setRoutes(int position, double threshold) {
    m_position = position;
    m_threshold = threshold;
    m_edges.clear();
    if (m_graph && m_graph->tokens > 0) m_edges = informationRoutes(*m_graph, position, threshold);
    if (m_selected >= 0 && std::find(m_edges.begin(), m_edges.end(), std::size_t(m_selected)) == m_edges.end())
        m_selected = -1;
    update();
}

void ContributionGraphView::selectEdge(int edge) {
    m_selected = edge;
    update();
}

QRectF ContributionGraphView::plotArea(const QRectF& area) const {
    return area.adjusted(kLeft, kTop, -kRight, -kBottom);
}

QPointF ContributionGraphView::nodePoint(const FlowNode& n, const QRectF& area) const {
    const QRectF r = plotArea(area);
    const int rowsUp = 2 * m_graph->layers; // states: Pre/Mid of each layer, then the final one
    const int k = 2 * n.layer + (n.stage == FlowNode::Mid ? 1 : 0);
    const double x = r.left() + (n.position + 0.5) * r.width() / std::max(1, m_graph->tokens);
    const double y = r.bottom() - double(k) * r.height() / std::max(1, rowsUp);
    return {x, y};
}

namespace {

// Residual edges run straight up; an FFN edge and a token's attention to itself are drawn a
// little to either side so the three never overlap.
void segmentOf(const FlowEdge& e, QPointF a, QPointF b, QPointF* from, QPointF* to) {
    double dx = 0;
    if (e.kind == FlowEdge::Mlp) dx = -6;
    if (e.kind == FlowEdge::Attention && e.from.position == e.to.position) dx = 6;
    *from = a + QPointF(dx, 0);
    *to = b + QPointF(dx, 0);
}

} // namespace

QPointF ContributionGraphView::edgeMidpoint(std::size_t edge) const {
    if (!m_graph || edge >= m_graph->edges.size()) return {};
    const QRectF area(rect());
    const FlowEdge& e = m_graph->edges[edge];
    QPointF a, b;
    segmentOf(e, nodePoint(e.from, area), nodePoint(e.to, area), &a, &b);
    return (a + b) / 2;
}

void ContributionGraphView::paint(QPainter& p, const QRectF& area) const {
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(area, Qt::white);
    p.setPen(palette().color(QPalette::Text).isValid() ? QColor(40, 40, 40) : Qt::black);
    if (!m_graph || m_graph->tokens == 0) {
        p.drawText(area.adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Attribute a prompt to see its contribution graph: how information flows "
                      "from the tokens, through the heads and FFNs, to the prediction"));
        return;
    }
    const QRectF r = plotArea(area);
    const int L = m_graph->layers, T = m_graph->tokens;
    QFont small = p.font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1));
    p.setFont(small);
    // Layer rows and token columns.
    p.setPen(QColor(225, 225, 225));
    for (int k = 0; k <= 2 * L; k += 2) {
        const double y = r.bottom() - double(k) * r.height() / std::max(1, 2 * L);
        p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
    }
    p.setPen(QColor(60, 60, 60));
    for (int l = 0; l <= L; ++l) {
        const double y = r.bottom() - double(2 * l) * r.height() / std::max(1, 2 * L);
        p.drawText(QRectF(area.left(), y - 8, kLeft - 6, 16), Qt::AlignRight | Qt::AlignVCenter,
                   l < L ? tr("layer %1").arg(l) : tr("output"));
    }
    const double colW = r.width() / T;
    const QFontMetrics fm(small);
    for (int t = 0; t < T; ++t) {
        const QString label = t < int(m_labels.size()) ? m_labels[std::size_t(t)] : QString::number(t);
        const double x = r.left() + (t + 0.5) * colW;
        p.save();
        p.translate(x, r.bottom() + 6);
        p.rotate(35);
        p.drawText(QPointF(0, fm.ascent() / 2.0), fm.elidedText(label, Qt::ElideRight, int(kBottom * 1.3)));
        p.restore();
    }
    p.drawText(QRectF(area.left(), area.top() + 2, area.width(), kTop - 4), Qt::AlignCenter,
               tr("Routes to the prediction after token %1 (edges of importance ≥ %2: %3 of %4)")
                   .arg(m_position < 0 ? T - 1 : m_position)
                   .arg(m_threshold, 0, 'g', 3)
                   .arg(m_edges.size())
                   .arg(m_graph->edges.size()));
    // Edges, the least important first so the strong ones stay on top.
    std::vector<std::size_t> order = m_edges;
    std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
        return m_graph->edges[a].importance < m_graph->edges[b].importance;
    });
    for (std::size_t k : order) {
        const FlowEdge& e = m_graph->edges[k];
        QPointF a, b;
        segmentOf(e, nodePoint(e.from, area), nodePoint(e.to, area), &a, &b);
        QColor c = edgeColor(e.kind);
        c.setAlphaF(0.25 + 0.75 * std::min(1.0, e.importance));
        const double width = 1.0 + 7.0 * std::min(1.0, e.importance);
        if (int(k) == m_selected) {
            p.setPen(QPen(QColor(200, 20, 60), width + 2, Qt::SolidLine, Qt::RoundCap));
        } else {
            p.setPen(QPen(c, width, Qt::SolidLine, Qt::RoundCap));
        }
        p.drawLine(a, b);
        if (e.kind == FlowEdge::Mlp) { // the FFN block on its edge
            const QPointF m = (a + b) / 2;
            p.setPen(Qt::NoPen);
            p.setBrush(int(k) == m_selected ? QColor(200, 20, 60) : edgeColor(FlowEdge::Mlp));
            p.drawRect(QRectF(m.x() - 4, m.y() - 4, 8, 8));
            p.setBrush(Qt::NoBrush);
        }
    }
    // The states the routes pass through.
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(30, 30, 30));
    for (std::size_t k : m_edges)
        for (const FlowNode& n : {m_graph->edges[k].from, m_graph->edges[k].to}) {
            const QPointF c = nodePoint(n, area);
            p.drawEllipse(c, 2.5, 2.5);
        }
    p.setBrush(Qt::NoBrush);
    // A legend in the top right corner.
    const QString items[] = {tr("attention"), tr("FFN"), tr("residual")};
    const FlowEdge::Kind kinds[] = {FlowEdge::Attention, FlowEdge::Mlp, FlowEdge::AttnResidual};
    // In the bottom left corner, under the first tokens' columns: the routes end at the last
    // tokens, on the right, so this corner is the one most often empty.
    double x = r.left() + 8;
    const double y = r.bottom() - 10;
    for (int i = 0; i < 3; ++i) {
        p.setPen(QPen(edgeColor(kinds[i]), 3));
        p.drawLine(QPointF(x, y - 4), QPointF(x + 16, y - 4));
        p.setPen(QColor(60, 60, 60));
        p.drawText(QPointF(x + 20, y), items[i]);
        x += 26 + fm.horizontalAdvance(items[i]);
    }
}

void ContributionGraphView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paint(p, QRectF(rect()));
}

void ContributionGraphView::mousePressEvent(QMouseEvent* event) {
    if (!m_graph || event->button() != Qt::LeftButton) return;
    const QRectF area(rect());
    const QPointF at = event->position();
    int best = -1;
    double bestDistance = 6.0;
    for (std::size_t k : m_edges) {
        const FlowEdge& e = m_graph->edges[k];
        QPointF a, b;
        segmentOf(e, nodePoint(e.from, area), nodePoint(e.to, area), &a, &b);
        const double d = distanceToSegment(at, a, b);
        if (d < bestDistance) {
            bestDistance = d;
            best = int(k);
        }
    }
    m_selected = best;
    update();
    emit edgeClicked(best);
}

bool ContributionGraphView::exportTo(const QString& path, QString* error) {
    const QString ext = QFileInfo(path).suffix().toLower();
    const QSize size = width() > 100 ? this->size() : sizeHint();
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return false;
    };
    if (ext == QLatin1String("csv")) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return fail(tr("%1: cannot be written (%2)").arg(path, f.errorString()));
        f.write(toCsv().toUtf8());
        return true;
    }
    if (ext == QLatin1String("png")) {
        QImage img(size * 2, QImage::Format_ARGB32);
        img.setDevicePixelRatio(2);
        QPainter p(&img);
        paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
        p.end();
        return img.save(path) ? true : fail(tr("%1: cannot be written").arg(path));
    }
    if (ext == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(tr("Contribution graph"));
        QPainter p;
        if (!p.begin(&svg)) return fail(tr("%1: cannot be written").arg(path));
        paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
        return true;
    }
    if (ext == QLatin1String("pdf")) {
        QPdfWriter pdf(path);
        pdf.setPageSize(QPageSize(QSizeF(size) / 96.0 * 25.4, QPageSize::Millimeter));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setResolution(96);
        QPainter p;
        if (!p.begin(&pdf)) return fail(tr("%1: cannot be written").arg(path));
        paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
        return true;
    }
    return fail(tr("%1: export as .png, .svg, .pdf or .csv").arg(path));
}

QString ContributionGraphView::toCsv() const {
    QString out;
    QTextStream s(&out);
    s << "kind,layer,from_position,to_position,importance\n";
    if (!m_graph) return out;
    for (std::size_t k : m_edges) {
        const FlowEdge& e = m_graph->edges[k];
        const char* kind = e.kind == FlowEdge::Attention ? "attention"
                           : e.kind == FlowEdge::Mlp     ? "ffn"
                                                         : "residual";
        s << kind << ',' << e.layer << ',' << e.from.position << ',' << e.to.position << ','
          << QString::number(e.importance, 'g', 8) << '\n';
    }
    return out;
}

} // namespace llmlab::views
