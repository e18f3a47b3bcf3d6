// The layer tree with its search box: a tree view over LayerTreeModel through a recursive
// filter, so typing "attn_q" keeps every block that holds a matching tensor.
#pragma once

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace llmlab::views {

class LayerTreeModel;
struct ModelSnapshot;

class LayerTreePane : public QWidget {
    Q_OBJECT
public:
    explicit LayerTreePane(QWidget* parent = nullptr);

    void setModel(const ModelSnapshot& model);
    LayerTreeModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTreeView* view() const { return m_view; }
    QLineEdit* searchBox() const { return m_search; }
    /// Selects (and scrolls to) the row of tensor `name`; false when there is none.
    bool selectTensor(const QString& name);
    /// The width that shows every name of the open model whole, beside the other columns.
    int preferredWidth() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

signals:
    /// A tensor row became current (groups do not emit).
    void tensorSelected(const QString& name);

private:
    /// The name column: the room left by the others, never less than the longest shown name.
    void fitNameColumn();
    int namesWidth() const;

    LayerTreeModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTreeView* m_view = nullptr;
    QLineEdit* m_search = nullptr;
};

} // namespace llmlab::views
