#include "AttentionView.h"

#include "AttentionGrid.h"
#include "ChartView.h"
#include "HeatColor.h"

#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>

namespace llmlab::views {

namespace {
enum StatsColumn { ColLayer, ColHead, ColEntropy, ColBos, ColPrevious, ColCount };

QStandardItem* numberItem(double v, int decimals) {
    auto* item = new QStandardItem;
    // A double in DisplayRole makes the view sort numerically.
    item->setData(decimals == 0 ? QVariant(int(v)) : QVariant(std::round(v * 1000.0) / 1000.0),
                  Qt::DisplayRole);
    item->setEditable(false);
    return item;
}
} // namespace

AttentionView::AttentionView(QWidget* parent) : QWidget(parent) {
    m_grid = new AttentionGrid;
    auto* gridScroll = new QScrollArea;
    m_gridScroll = gridScroll;
    gridScroll->setWidget(m_grid);
    gridScroll->setWidgetResizable(false);

    m_detail = new ChartView;
    m_detail->setObjectName(QStringLiteral("attentionDetail"));
    m_detail->setAxisLabels(tr("key (attended to)"), tr("query"));
    m_detail->setExportBaseName(QStringLiteral("attention"));
    m_detail->plot()->yAxis->setRangeReversed(true); // query 0 at the top, as attention is read
    m_detail->plot()->xAxis->setTickLabelRotation(60);
    m_detail->plot()->setMouseTracking(true);
    m_detail->setEmptyText(tr("Run a prompt, then pick a head in the grid"));
    // Translucent bands for the hovered query row and key column; moved, never rebuilt. They
    // live on a layer above the map: on the map's own layer the colour map, made later, was
    // drawn over them and only their edge outside the cells showed.
    QCustomPlot* detailPlot = m_detail->plot();
    detailPlot->addLayer(QStringLiteral("hover"), detailPlot->layer(QStringLiteral("main")),
                         QCustomPlot::limAbove);
    m_rowBand = new QCPItemRect(detailPlot);
    m_columnBand = new QCPItemRect(detailPlot);
    for (QCPItemRect* band : {m_rowBand, m_columnBand}) {
        band->setLayer(QStringLiteral("hover"));
        band->setPen(QPen(QColor(0, 200, 255, 200)));
        band->setBrush(QColor(0, 200, 255, 40));
        band->setVisible(false);
        band->setSelectable(false);
    }
    connect(m_detail->plot(), &QCustomPlot::mouseMove, this, &AttentionView::hover);

    m_hover = new QLabel(tr("Hover the map for values."));
    m_hover->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_stats = new QStandardItemModel(0, ColCount, this);
    m_stats->setHorizontalHeaderLabels(
        {tr("layer"), tr("head"), tr("entropy"), tr("to first"), tr("to previous")});
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("headStats"));
    m_table->setModel(m_stats);
    // Layer 0 first: a header's default sort indicator is descending, which listed the last
    // layer first.
    m_table->horizontalHeader()->setSortIndicator(ColLayer, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setToolTip(tr("entropy: mean over rows of -Σ p log p; to first: mean attention to "
                           "the first (BOS) token; to previous: mean of p[i, i-1]"));
    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex& index) {
        selectHead(m_stats->item(index.row(), ColLayer)->data(Qt::DisplayRole).toInt(),
                   m_stats->item(index.row(), ColHead)->data(Qt::DisplayRole).toInt());
    });

    auto* detailBox = new QWidget;
    auto* detailLayout = new QVBoxLayout(detailBox);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_detail, 1);
    detailLayout->addWidget(m_hover);

    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(gridScroll);
    left->addWidget(m_table);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(left);
    split->addWidget(detailBox);
    split->setStretchFactor(1, 1);
    // Small minimums: the pane shares a laptop screen with the window's other panes.
    gridScroll->setMinimumHeight(80);
    m_table->setMinimumHeight(60);
    m_detail->setMinimumHeight(110);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_grid, &AttentionGrid::headSelected, this, &AttentionView::showDetail);
    // A head picked in the grid is picked in the table too (whatever its sort order).
    connect(m_grid, &AttentionGrid::headSelected, this, [this](int layer, int head) {
        for (int r = 0; r < m_stats->rowCount(); ++r)
            if (m_stats->item(r, ColLayer)->data(Qt::DisplayRole).toInt() == layer &&
                m_stats->item(r, ColHead)->data(Qt::DisplayRole).toInt() == head) {
                m_table->selectRow(r);
                m_table->scrollTo(m_stats->index(r, 0));
                return;
            }
    });
}

void AttentionView::setData(std::shared_ptr<const AttentionData> data, const QStringList& labels) {
    m_data = std::move(data);
    m_labels = labels;
    m_grid->setData(m_data);
    m_grid->adjustSize();
    // Wide enough for every head of a small model; a big one scrolls.
    m_gridScroll->setMinimumWidth(std::min(m_grid->sizeHint().width() + 24, 640));
    fillStats();
    if (m_data && !m_data->empty()) {
        m_grid->select(0, 0);
    } else {
        // No run (another model was opened): the detail map of the last one goes too.
        m_detail->clear();
        m_detail->setTitle(QString());
        m_hover->setText(tr("Hover the map for values."));
    }
}

void AttentionView::selectHead(int layer, int head) {
    m_grid->select(layer, head);
}

QString AttentionView::label(int token) const {
    return token >= 0 && token < m_labels.size() ? m_labels[token] : QString::number(token);
}

void AttentionView::fillStats() {
    m_stats->removeRows(0, m_stats->rowCount());
    if (!m_data) return;
    const bool sorting = m_table->isSortingEnabled();
    m_table->setSortingEnabled(false); // rows are appended in layer order, then sorted once
    for (const HeadStats& s : m_data->headStats()) {
        QList<QStandardItem*> row{numberItem(s.layer, 0), numberItem(s.head, 0),
                                  numberItem(s.entropy, 3), numberItem(s.bos, 3),
                                  numberItem(s.previous, 3)};
        // Heat behind the two habits so BOS-heavy and previous-token heads stand out unsorted.
        row[ColBos]->setBackground(lightHeatColor(s.bos));
        row[ColPrevious]->setBackground(lightHeatColor(s.previous));
        m_stats->appendRow(row);
    }
    m_table->setSortingEnabled(sorting);
}

void AttentionView::showDetail(int layer, int head) {
    if (!m_data || m_data->empty()) return;
    // Computed once per selection; hovering only reads m_detailGrid.
    m_detailGrid = m_data->pooled(layer, head, kMaxDetail);
    const PooledGrid& g = m_detailGrid;
    const int b = g.blockRows;
    HeatmapData map;
    map.name = tr("layer %1 head %2").arg(layer).arg(head);
    map.rows = g.rows;
    map.columns = g.columns;
    map.values.assign(g.values.begin(), g.values.end());
    // Cell centres in token positions, so axes and hover speak in tokens whatever the pooling.
    map.xMin = map.yMin = (b - 1) / 2.0;
    map.xMax = map.yMax = (g.columns - 1) * b + (b - 1) / 2.0;
    map.colorLabel = tr("attention");
    m_detail->setTitle(
        tr("Attention, layer %1 head %2%3")
            .arg(layer)
            .arg(head)
            .arg(b > 1 ? tr(" (blocks of %1×%1 tokens averaged)").arg(b) : QString()));
    m_detail->setHeatmap(map);

    // Token labels on both axes: every token when they fit, else every k-th.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const int T = m_data->tokens();
    const int step = std::max(1, T / 40);
    for (int t = 0; t < T; t += step)
        ticker->addTick(t, QStringLiteral("%1 %2").arg(t).arg(label(t)));
    m_detail->plot()->xAxis->setTicker(ticker);
    m_detail->plot()->yAxis->setTicker(ticker);
    m_rowBand->setVisible(false);
    m_columnBand->setVisible(false);
    m_detail->rescale();
}

void AttentionView::hover(QMouseEvent* event) {
    if (!m_data || m_detailGrid.values.empty()) return;
    QCustomPlot* plot = m_detail->plot();
    const double x = plot->xAxis->pixelToCoord(event->position().x());
    const double y = plot->yAxis->pixelToCoord(event->position().y());
    const int T = m_data->tokens();
    const int key = int(std::lround(x)), query = int(std::lround(y));
    if (key < 0 || query < 0 || key >= T || query >= T) {
        m_rowBand->setVisible(false);
        m_columnBand->setVisible(false);
        plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const int b = m_detailGrid.blockRows;
    const int r = query / b, c = key / b;
    const float value = m_detailGrid.at(r, c);
    m_hover->setText(b == 1 ? tr("query %1 %2 → key %3 %4: %5")
                                  .arg(query)
                                  .arg(label(query))
                                  .arg(key)
                                  .arg(label(key))
                                  .arg(double(value), 0, 'f', 4)
                            : tr("queries %1–%2 → keys %3–%4: mean %5")
                                  .arg(r * b)
                                  .arg(std::min(T, (r + 1) * b) - 1)
                                  .arg(c * b)
                                  .arg(std::min(T, (c + 1) * b) - 1)
                                  .arg(double(value), 0, 'f', 4));
    const double lo = -0.5, hi = T - 0.5;
    m_rowBand->topLeft->setCoords(lo, r * b - 0.5);
    m_rowBand->bottomRight->setCoords(hi, (r + 1) * b - 0.5);
    m_columnBand->topLeft->setCoords(c * b - 0.5, lo);
    m_columnBand->bottomRight->setCoords((c + 1) * b - 0.5, hi);
    m_rowBand->setVisible(true);
    m_columnBand->setVisible(true);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

QString AttentionView::hoverText() const {
    return m_hover->text();
}

} // namespace llmlab::views
