// The attribution lab's views: a layer x column grid of signed values (direct logit
// attribution by head, patching by position or head, head ablation), the logit difference
// built up layer by layer, and the contribution graph — tokens across, layers up, the routes
// to a prediction drawn as edges whose width is their importance.
#pragma once

#include "ChartView.h"
#include "interp/ContributionGraph.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCPItemRect;

namespace llmlab {
struct LogitAttribution;
}

namespace llmlab::views {

/// values[layer][column] as a blue-white-red heatmap centred on zero; layers up. A click on a
/// cell says which.
class LayerGrid : public ChartView {
    Q_OBJECT
public:
    LayerGrid(const QString& title, const QString& columnAxis, const QString& emptyText,
              const QString& exportName, QWidget* parent = nullptr);
    /// `columnLabels` name the columns (empty: their numbers).
    void setGrid(const std::vector<std::vector<double>>& values,
                 const std::vector<QString>& columnLabels, const QString& colorLabel);
    int rows() const { return int(m_values.size()); }
    int columns() const { return m_values.empty() ? 0 : int(m_values.front().size()); }
    double value(int layer, int column) const;
    /// Outlines one cell (-1: none).
    void markCell(int layer, int column);
    int markedLayer() const { return m_markLayer; }
    int markedColumn() const { return m_markColumn; }

signals:
    void cellClicked(int layer, int column);

private:
    std::vector<std::vector<double>> m_values;
    QCPItemRect* m_mark = nullptr;
    int m_markLayer = -1, m_markColumn = -1;
};

/// Direct logit attribution layer by layer: each attention block's (its heads and bias) and
/// each MLP's share as bars, and the residual stream's running total as a line.
class LogitDiffByLayerChart : public ChartView {
    Q_OBJECT
public:
    explicit LogitDiffByLayerChart(QWidget* parent = nullptr);
    void setAttribution(const LogitAttribution& a);
};

/// The contribution graph: a column a token, a row for each layer's state before its
/// attention, between attention and FFN, and after the last layer; the routes to the chosen
/// prediction as edges (attention in blue, from the source token's row to the target's; the
/// FFN in orange, the residual carried past a block in grey), thicker for more important.
class ContributionGraphView : public QWidget {
    Q_OBJECT
public:
    explicit ContributionGraphView(QWidget* parent = nullptr);

    void setGraph(std::shared_ptr<const ContributionGraph> graph, std::vector<QString> tokenLabels);
    /// The routes to the final state at `position` (-1: the last) above `threshold`.
    void setRoutes(int position, double threshold);
    const std::vector<std::size_t>& shownEdges() const { return m_edges; }
    std::shared_ptr<const ContributionGraph> graph() const { return m_graph; }
    int selectedEdge() const { return m_selected; }
    void selectEdge(int edge);
    /// Where an edge's middle is drawn (for tests and clicks).
    QPointF edgeMidpoint(std::size_t edge) const;
    /// The view as an image (PNG) or vector drawing (SVG, PDF) by the extension of `path`.
    bool exportTo(const QString& path, QString* error = nullptr);
    /// The routes shown as CSV: kind, layer, from, to, importance.
    QString toCsv() const;

    QSize sizeHint() const override { return {640, 420}; }
    QSize minimumSizeHint() const override { return {320, 200}; }

signals:
    /// An edge (index into graph()->edges) was clicked; -1 when the click missed every edge.
    void edgeClicked(int edge);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    void paint(QPainter& p, const QRectF& area) const;
    QPointF nodePoint(const FlowNode& n, const QRectF& area) const;
    QRectF plotArea(const QRectF& area) const;

    std::shared_ptr<const ContributionGraph> m_graph;
    std::vector<QString> m_labels;
    std::vector<std::size_t> m_edges;
    int m_selected = -1;
    int m_position = -1;
    double m_threshold = 0.04;
};

} // namespace llmlab::views
