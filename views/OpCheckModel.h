// A table of op comparison results (Vulkan vs the CPU reference), one row per op case.
#pragma once

#include "OpCheck.h"

#include <QAbstractTableModel>

#include <vector>

namespace llmlab::views {

/// Columns: op, shape, variant, NMSE, bound, result. Fed a snapshot of checkOps() results.
class OpCheckModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        OpColumn,
        ShapeColumn,
        VariantColumn,
        NmseColumn,
        BoundColumn,
        ResultColumn,
        ColumnCount
    };

    explicit OpCheckModel(QObject* parent = nullptr);

    void setResults(std::vector<OpCheckResult> results);
    const std::vector<OpCheckResult>& results() const { return m_results; }
    int passedCount() const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<OpCheckResult> m_results;
};

} // namespace llmlab::views
