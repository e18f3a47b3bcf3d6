// The layer tree: model → embeddings / blk.N → attention / MLP / norms → tensors, with
// shape, dtype, parameters and bytes per row (groups show their sums).
#pragma once

#include "ModelSnapshot.h"

#include <QAbstractItemModel>

#include <vector>

namespace llmlab::views {

/// One row of the tree, built by buildLayerTree(): plain data, so the grouping is testable
/// without a view. Index 0 is the root (the model itself).
struct LayerTreeNode {
    QString label;
    int parent = -1;
    std::vector<int> children;
    int tensor = -1; ///< index into ModelSnapshot::tensors; -1 for a group
    std::int64_t params = 0;
    std::int64_t bytes = 0;
};

/// Groups the tensors of `model` into the tree's nodes (node 0 = the model).
std::vector<LayerTreeNode> buildLayerTree(const ModelSnapshot& model);

class LayerTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, ShapeColumn, DTypeColumn, ParamsColumn, BytesColumn, ColumnCount };
    /// data(index, TensorNameRole): the canonical tensor name, empty for groups.
    static constexpr int TensorNameRole = Qt::UserRole + 1;

    explicit LayerTreeModel(QObject* parent = nullptr);

    /// Replaces the whole tree (a model reset).
    void setModel(const ModelSnapshot& model);
    void clear();
    const ModelSnapshot& snapshot() const { return m_model; }
    /// Number of tensor rows (leaves) in the tree.
    int tensorCount() const { return int(m_model.tensors.size()); }
    /// The index of the row holding tensor `name`, or an invalid index.
    QModelIndex indexOfTensor(const QString& name) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    int nodeOf(const QModelIndex& index) const;
    int rowInParent(int node) const;

    ModelSnapshot m_model;
    std::vector<LayerTreeNode> m_nodes; // empty when no model
};

} // namespace llmlab::views
