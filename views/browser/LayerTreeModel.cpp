#include "LayerTreeModel.h"

#include "analysis/ParamShare.h"

#include <QFont>

#include <algorithm>
#include <cctype>
#include <map>

namespace llmlab::views {

namespace {

/// "blk.12.attn_q.weight" -> 12; -1 outside the blocks.
int layerOf(const std::string& name) {
    if (!name.starts_with("blk.")) return -1;
    int n = 0;
    std::size_t i = 4;
    if (i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
    while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])))
        n = n * 10 + (name[i++] - '0');
    return n;
}

QString blockPartLabel(Component c) {
    switch (c) {
    case Component::Attention:
        return QObject::tr("attention");
    case Component::Mlp:
        return QObject::tr("MLP");
    case Component::Norms:
        return QObject::tr("norms");
    default:
        return QObject::tr("other");
    }
}

} // namespace

std::vector<LayerTreeNode> buildLayerTree(const ModelSnapshot& model) {
    std::vector<LayerTreeNode> nodes;
    nodes.push_back({model.displayName, -1, {}, -1, 0, 0});
    auto addNode = [&](int parent, const QString& label, int tensor) {
        const int id = int(nodes.size());
        nodes.push_back({label, parent, {}, tensor, 0, 0});
        nodes[std::size_t(parent)].children.push_back(id);
        return id;
    };
    // Top-level groups in reading order: embeddings, blocks by number, then the output side.
    // Groups are created on first use so a model without (say) an output head shows none.
    int embeddings = -1, output = -1, other = -1;
    std::map<int, int> blocks;                     // layer -> node
    std::map<std::pair<int, int>, int> blockParts; // (layer, component) -> node
    std::vector<std::pair<int, int>> pending;      // (group node, tensor) in file order
    for (int i = 0; i < int(model.tensors.size()); ++i) {
        const std::string& name = model.tensors[std::size_t(i)].name;
        const Component c = componentOfTensor(name);
        const int layer = layerOf(name);
        int group;
        if (layer >= 0) {
            // Blocks are created in layer order below; remember the tensor for now.
            blocks.try_emplace(layer, -1);
            pending.push_back({-(layer + 1) * 16 - int(c), i}); // encoded, resolved below
            continue;
        }
        if (c == Component::Embeddings) {
            if (embeddings < 0) embeddings = addNode(0, QObject::tr("embeddings"), -1);
            group = embeddings;
        } else if (c == Component::Norms || c == Component::OutputHead) {
            if (output < 0) output = addNode(0, QObject::tr("output"), -1);
            group = output;
        } else {
            if (other < 0) other = addNode(0, QObject::tr("other"), -1);
            group = other;
        }
        pending.push_back({group, i});
    }
    // Blocks go between the embeddings and the output side; blocks were added in layer order.
    for (auto& [layer, node] : blocks) node = addNode(0, QStringLiteral("blk.%1").arg(layer), -1);
    auto rank = [&](int n) { return n == embeddings ? 0 : n == output ? 2 : n == other ? 3 : 1; };
    std::stable_sort(nodes[0].children.begin(), nodes[0].children.end(),
                     [&](int a, int b) { return rank(a) < rank(b); });
    for (auto [group, tensor] : pending) {
        if (group < 0) {
            const int code = -group;
            const int layer = code / 16 - 1;
            const auto c = Component(code % 16);
            auto [it, fresh] = blockParts.try_emplace({layer, int(c)}, -1);
            if (fresh) it->second = addNode(blocks[layer], blockPartLabel(c), -1);
            group = it->second;
        }
        addNode(group, QString::fromStdString(model.tensors[std::size_t(tensor)].name), tensor);
    }
    // Sums from the leaves up (children always come after their parents).
    for (int n = int(nodes.size()) - 1; n > 0; --n) {
        LayerTreeNode& node = nodes[std::size_t(n)];
        if (node.tensor >= 0) {
            const TensorInfo& t = model.tensors[std::size_t(node.tensor)];
            node.params = t.shape.numel();
            node.bytes = std::int64_t(t.bytes);
        }
        nodes[std::size_t(node.parent)].params += node.params;
        nodes[std::size_t(node.parent)].bytes += node.bytes;
    }
    return nodes;
}

LayerTreeModel::LayerTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

void LayerTreeModel::setModel(const ModelSnapshot& model) {
    beginResetModel();
    m_model = model;
    m_nodes = buildLayerTree(m_model);
    endResetModel();
}

void LayerTreeModel::clear() {
    beginResetModel();
    m_model = {};
    m_nodes.clear();
    endResetModel();
}

int LayerTreeModel::nodeOf(const QModelIndex& index) const {
    return index.isValid() ? int(index.internalId()) : -1;
}

int LayerTreeModel::rowInParent(int node) const {
    const int parent = m_nodes[std::size_t(node)].parent;
    if (parent < 0) return 0;
    const auto& siblings = m_nodes[std::size_t(parent)].children;
    return int(std::find(siblings.begin(), siblings.end(), node) - siblings.begin());
}

QModelIndex LayerTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount || m_nodes.empty()) return {};
    if (!parent.isValid()) return row == 0 ? createIndex(0, column, quintptr(0)) : QModelIndex();
    if (parent.column() != 0) return {};
    const auto& children = m_nodes[std::size_t(nodeOf(parent))].children;
    if (row >= int(children.size())) return {};
    return createIndex(row, column, quintptr(children[std::size_t(row)]));
}

QModelIndex LayerTreeModel::parent(const QModelIndex& child) const {
    const int node = nodeOf(child);
    if (node <= 0) return {};
    const int parent = m_nodes[std::size_t(node)].parent;
    return createIndex(rowInParent(parent), 0, quintptr(parent));
}

int LayerTreeModel::rowCount(const QModelIndex& parent) const {
    if (m_nodes.empty()) return 0;
    if (!parent.isValid()) return 1;
    if (parent.column() != 0) return 0;
    return int(m_nodes[std::size_t(nodeOf(parent))].children.size());
}

int LayerTreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QVariant LayerTreeModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const LayerTreeNode& node = m_nodes[std::size_t(nodeOf(index))];
    const TensorInfo* t = node.tensor >= 0 ? &m_model.tensors[std::size_t(node.tensor)] : nullptr;
    if (role == TensorNameRole) return t ? QString::fromStdString(t->name) : QString();
    if (role == Qt::TextAlignmentRole && index.column() >= ParamsColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::FontRole && !t) {
        QFont f;
        f.setBold(node.parent <= 0);
        return f;
    }
    // The whole name, however narrow the column (names elide in the middle).
    if (role == Qt::ToolTipRole && index.column() == NameColumn) {
        const QString full = t ? QString::fromStdString(t->name) : node.label;
        if (t && t->sourceName != t->name)
            return QObject::tr("%1\nstored as \"%2\"")
                .arg(full, QString::fromStdString(t->sourceName));
        return full;
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case NameColumn:
        return node.label;
    case ShapeColumn:
        return t ? shapeText(t->shape) + (t->transposed ? QObject::tr(" (T)") : QString())
                 : QString();
    case DTypeColumn:
        return t ? QString::fromLatin1(dtypeName(t->dtype).data(),
                                       qsizetype(dtypeName(t->dtype).size()))
                 : QString();
    case ParamsColumn:
        return groupedCount(node.params);
    case BytesColumn:
        return humanBytes(std::uint64_t(node.bytes));
    default:
        return {};
    }
}

QVariant LayerTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* const names[] = {"name", "shape", "dtype", "parameters", "bytes"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QModelIndex LayerTreeModel::indexOfTensor(const QString& name) const {
    for (std::size_t n = 0; n < m_nodes.size(); ++n) {
        const int t = m_nodes[n].tensor;
        if (t >= 0 && QString::fromStdString(m_model.tensors[std::size_t(t)].name) == name)
            return createIndex(rowInParent(int(n)), 0, quintptr(n));
    }
    return {};
}

} // namespace llmlab::views
