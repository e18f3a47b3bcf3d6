#include "LayerTreePane.h"

#include "LayerTreeModel.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace llmlab::views {

LayerTreePane::LayerTreePane(QWidget* parent)
    : QWidget(parent), m_model(new LayerTreeModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTreeView(this)), m_search(new QLineEdit(this)) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true); // keep the parents of a matching tensor
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(LayerTreeModel::NameColumn);
    m_search->setObjectName(QStringLiteral("tensorSearch"));
    m_search->setPlaceholderText(tr("Filter tensors by name (e.g. attn_q, blk.3, norm)"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text);
        // Filtering shows matches inside collapsed blocks only when the tree opens up.
        if (!text.isEmpty()) m_view->expandAll();
    });
    m_view->setObjectName(QStringLiteral("layerTree"));
    m_view->setModel(m_proxy);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(LayerTreeModel::NameColumn, QHeaderView::Stretch);
    // Shapes, dtypes and counts are short: always show them whole; the name takes the rest.
    for (int c = 1; c < LayerTreeModel::ColumnCount; ++c)
        m_view->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                const QString name =
                    current.siblingAtColumn(0).data(LayerTreeModel::TensorNameRole).toString();
                if (!name.isEmpty()) emit tensorSelected(name);
            });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_search);
    layout->addWidget(m_view, 1);
}

void LayerTreePane::setModel(const ModelSnapshot& model) {
    m_search->clear();
    m_model->setModel(model);
    // Open the model and its first block: the anatomy of one block is the interesting part.
    const QModelIndex root = m_proxy->index(0, 0);
    m_view->expand(root);
    for (int r = 0; r < m_proxy->rowCount(root); ++r) {
        const QModelIndex child = m_proxy->index(r, 0, root);
        if (child.data().toString() == QLatin1String("blk.0")) m_view->expand(child);
    }
}

bool LayerTreePane::selectTensor(const QString& name) {
    const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->indexOfTensor(name));
    if (!proxyIndex.isValid()) return false;
    m_view->scrollTo(proxyIndex);
    m_view->setCurrentIndex(proxyIndex);
    return true;
}

} // namespace llmlab::views
