#include "LogitLensModel.h"

#include "HeatColor.h"

namespace llmlab::views {

LogitLensModel::LogitLensModel(QObject* parent) : QAbstractTableModel(parent) {}

void LogitLensModel::setTable(LogitLensTable table) {
    beginResetModel();
    m_table = std::move(table);
    endResetModel();
}

int LogitLensModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_table.layers;
}

int LogitLensModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_table.positions;
}

QVariant LogitLensModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const std::size_t i =
        std::size_t(index.row()) * std::size_t(m_table.positions) + std::size_t(index.column());
    const double p = m_table.probabilities[i];
    switch (role) {
    case Qt::DisplayRole:
        return QStringLiteral("%1\n%2").arg(m_table.pieces[i]).arg(p, 0, 'f', 2);
    case Qt::BackgroundRole:
        return lightHeatColor(p);
    case Qt::ForegroundRole:
        return QColor(Qt::black);
    case Qt::ToolTipRole:
        return tr("layer %1, position %2\ntop token %3 (id %4)\np = %5")
            .arg(index.row())
            .arg(index.column())
            .arg(m_table.pieces[i])
            .arg(m_table.ids[i])
            .arg(p, 0, 'f', 4);
    case Qt::UserRole:
        return p;
    case Qt::TextAlignmentRole:
        return int(Qt::AlignCenter);
    default:
        return {};
    }
}

QVariant LogitLensModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    if (orientation == Qt::Vertical)
        return section == m_table.layers - 1 ? tr("L%1 (output)").arg(section)
                                             : tr("L%1").arg(section);
    const QString token =
        section < m_table.positionLabels.size() ? m_table.positionLabels[section] : QString();
    return QStringLiteral("%1\n%2").arg(section).arg(token);
}

} // namespace llmlab::views
