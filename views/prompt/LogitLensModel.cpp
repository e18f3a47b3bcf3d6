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

namespace {
QString csvQuoted(QString text) {
    text.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + text + QLatin1Char('"');
}
} // namespace

QString logitLensCsv(const LogitLensTable& t) {
    QString out = QStringLiteral("layer,position,input_token,top_id,top_token,probability\n");
    for (int l = 0; l < t.layers; ++l)
        for (int p = 0; p < t.positions; ++p) {
            const std::size_t k = std::size_t(l) * std::size_t(t.positions) + std::size_t(p);
            if (k >= t.ids.size()) continue;
            out += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                       .arg(l)
                       .arg(p)
                       .arg(csvQuoted(t.positionLabels.value(p)))
                       .arg(t.ids[k])
                       .arg(csvQuoted(k < t.pieces.size() ? t.pieces[k] : QString()))
                       .arg(double(t.probabilities[k]), 0, 'g', 6);
        }
    return out;
}

} // namespace llmlab::views
