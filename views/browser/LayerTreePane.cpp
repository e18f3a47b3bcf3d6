#include "LayerTreePane.h"

#include "LayerTreeModel.h"

#include <QEvent>
#include <QHeaderView>
#include <QScrollBar>

#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>
#include <functional>

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
    // "blk.12.attn_output.weight" → "blk.12…t.weight" keeps both ends readable when narrow;
    // the tooltip has the whole name.
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->header()->setStretchLastSection(false);
    // The name column takes the room the other columns leave, but never less than its longest
    // name: a narrow dock scrolls sideways rather than cutting names (see fitNameColumn).
    m_view->header()->setSectionResizeMode(LayerTreeModel::NameColumn, QHeaderView::Interactive);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_view->viewport()->installEventFilter(this);
    connect(m_view, &QTreeView::expanded, this, &LayerTreePane::fitNameColumn);
    connect(m_view, &QTreeView::collapsed, this, &LayerTreePane::fitNameColumn);
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
    for (int c = 1; c < LayerTreeModel::ColumnCount; ++c) m_view->resizeColumnToContents(c);
    fitNameColumn();
}

int LayerTreePane::namesWidth() const {
    // The widest label shown, at its depth.
    int widest = 0;
    std::function<void(const QModelIndex&, int)> walk = [&](const QModelIndex& parent, int depth) {
        for (int r = 0; r < m_proxy->rowCount(parent); ++r) {
            const QModelIndex i = m_proxy->index(r, 0, parent);
            QFont f = m_view->font();
            if (const QVariant font = i.data(Qt::FontRole); font.isValid()) f = font.value<QFont>();
            widest = std::max(widest, QFontMetrics(f).horizontalAdvance(i.data().toString()) +
                                          (depth + 1) * m_view->indentation());
            if (m_view->isExpanded(i)) walk(i, depth + 1);
        }
    };
    walk({}, 0);
    return widest + QFontMetrics(m_view->font()).averageCharWidth() * 2;
}

void LayerTreePane::fitNameColumn() {
    int others = 0;
    for (int c = 1; c < LayerTreeModel::ColumnCount; ++c) others += m_view->columnWidth(c);
    const int room = m_view->viewport()->width() - others;
    m_view->setColumnWidth(LayerTreeModel::NameColumn, std::max(namesWidth(), room));
}

bool LayerTreePane::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_view->viewport() && event->type() == QEvent::Resize) fitNameColumn();
    return QWidget::eventFilter(watched, event);
}

int LayerTreePane::preferredWidth() const {
    // Widest label at its depth (the model's rows are shallow: root, block, tensor).
    const QFontMetrics fm(m_view->font());
    int widest = 0;
    std::function<void(const QModelIndex&, int)> walk = [&](const QModelIndex& parent, int depth) {
        for (int r = 0; r < m_model->rowCount(parent); ++r) {
            const QModelIndex i = m_model->index(r, 0, parent);
            QFont f = m_view->font();
            if (const QVariant font = i.data(Qt::FontRole); font.isValid()) f = font.value<QFont>();
            widest = std::max(widest, QFontMetrics(f).horizontalAdvance(i.data().toString()) +
                                          (depth + 1) * m_view->indentation());
            walk(i, depth + 1);
        }
    };
    walk({}, 0);
    int others = 0;
    for (int c = 1; c < LayerTreeModel::ColumnCount; ++c)
        others += std::max(m_view->header()->sectionSizeHint(c),
                           static_cast<const QAbstractItemView*>(m_view)->sizeHintForColumn(c));
    return widest + fm.averageCharWidth() * 3 + others +
           m_view->verticalScrollBar()->sizeHint().width() + 12;
}

bool LayerTreePane::selectTensor(const QString& name) {
    const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->indexOfTensor(name));
    if (!proxyIndex.isValid()) return false;
    m_view->scrollTo(proxyIndex);
    m_view->setCurrentIndex(proxyIndex);
    return true;
}

} // namespace llmlab::views
