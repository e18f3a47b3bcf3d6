#include "OpCheckModel.h"

#include <QBrush>
#include <QColor>
#include <QStringList>

namespace llmlab::views {

OpCheckModel::OpCheckModel(QObject* parent) : QAbstractTableModel(parent) {}

void OpCheckModel::setResults(std::vector<OpCheckResult> results) {
    beginResetModel();
    m_results = std::move(results);
    endResetModel();
}

int OpCheckModel::passedCount() const {
    int n = 0;
    for (const OpCheckResult& r : m_results) n += r.passed() ? 1 : 0;
    return n;
}

int OpCheckModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_results.size());
}

int OpCheckModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OpCheckModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_results.size())) return {};
    const OpCheckResult& r = m_results[std::size_t(index.row())];
    const int column = index.column();
    if (role == Qt::DisplayRole) {
        switch (column) {
        case OpColumn:
            return QString::fromStdString(r.opCase.op);
        case ShapeColumn: {
            QStringList dims;
            for (std::int64_t d : r.opCase.dims) dims << QString::number(d);
            return dims.join(QChar(0x00D7)); // ×
        }
        case VariantColumn:
            return QString::fromStdString(r.opCase.variant);
        case NmseColumn:
            return QString::number(r.nmse, 'e', 2);
        case BoundColumn:
            return QString::number(r.bound, 'e', 0);
        case ResultColumn:
            return r.passed() ? tr("pass") : tr("FAIL");
        default:
            return {};
        }
    }
    // The raw numbers, for sorting and for tests that check values rather than their text.
    if (role == Qt::UserRole) {
        if (column == NmseColumn) return r.nmse;
        if (column == BoundColumn) return r.bound;
        if (column == ResultColumn) return r.passed();
        return data(index, Qt::DisplayRole);
    }
    if (role == Qt::BackgroundRole && column == ResultColumn)
        return QBrush(r.passed() ? QColor(198, 239, 206) : QColor(255, 199, 206));
    if (role == Qt::ForegroundRole && column == ResultColumn)
        return QBrush(r.passed() ? QColor(0, 97, 0) : QColor(156, 0, 6));
    if (role == Qt::TextAlignmentRole && (column == NmseColumn || column == BoundColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return tr("%1: NMSE %2 against a bound of %3")
            .arg(QString::fromStdString(r.opCase.label()))
            .arg(r.nmse, 0, 'g', 3)
            .arg(r.bound, 0, 'g', 3);
    return {};
}

QVariant OpCheckModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case OpColumn:
        return tr("Op");
    case ShapeColumn:
        return tr("Shape");
    case VariantColumn:
        return tr("Variant");
    case NmseColumn:
        return tr("NMSE");
    case BoundColumn:
        return tr("Bound");
    case ResultColumn:
        return tr("Result");
    default:
        return {};
    }
}

} // namespace llmlab::views
