// Attention of a prompt run: the layer x head grid, the selected head as a detail map with
// token labels, and a sortable table of head statistics.
#pragma once

#include "AttentionData.h"

#include <QStringList>
#include <QWidget>

#include <memory>

class QCPItemRect;
class QLabel;
class QScrollArea;
class QMouseEvent;
class QStandardItemModel;
class QTableView;

namespace llmlab::views {

class AttentionGrid;
class ChartView;

class AttentionView : public QWidget {
    Q_OBJECT
public:
    explicit AttentionView(QWidget* parent = nullptr);

    /// One run: its attention and the token labels (one per query/key position).
    void setData(std::shared_ptr<const AttentionData> data, const QStringList& tokenLabels);
    std::shared_ptr<const AttentionData> data() const { return m_data; }

    AttentionGrid* grid() const { return m_grid; }
    ChartView* detail() const { return m_detail; }
    QTableView* statsTable() const { return m_table; }
    QStandardItemModel* statsModel() const { return m_stats; }
    /// The selected head's grid as drawn (block-averaged to <= kMaxDetail per side).
    const PooledGrid& detailGrid() const { return m_detailGrid; }
    /// What the hover line says (query, key, value).
    QString hoverText() const;

    static constexpr int kMaxDetail = 1024; ///< most cells per side of the detail map

public slots:
    void selectHead(int layer, int head);

private:
    void showDetail(int layer, int head);
    void fillStats();
    void hover(QMouseEvent* event);
    QString label(int token) const;

    std::shared_ptr<const AttentionData> m_data;
    QStringList m_labels;
    AttentionGrid* m_grid = nullptr;
    QScrollArea* m_gridScroll = nullptr;
    ChartView* m_detail = nullptr;
    QTableView* m_table = nullptr;
    QStandardItemModel* m_stats = nullptr;
    QLabel* m_hover = nullptr;
    QCPItemRect* m_rowBand = nullptr;
    QCPItemRect* m_columnBand = nullptr;
    PooledGrid m_detailGrid;
};

} // namespace llmlab::views
