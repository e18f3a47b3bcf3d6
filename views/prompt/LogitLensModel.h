// The logit lens as a table: rows are layers, columns positions; each cell the top token of
// that layer's residual read through the final norm and unembedding, and its probability.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include <vector>

namespace llmlab::views {

/// Plain data for the table: [layers, positions] of (top token, probability), row-major.
struct LogitLensTable {
    int layers = 0;
    int positions = 0;
    std::vector<int> ids;
    std::vector<float> probabilities;
    std::vector<QString> pieces; ///< the top token's text per cell (visible whitespace)
    QStringList positionLabels;  ///< the input token at each position
};

/// The table as tidy CSV: one row per (layer, position) with the input token, the top token's id
/// and text, and its probability.
QString logitLensCsv(const LogitLensTable& table);

class LogitLensModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit LogitLensModel(QObject* parent = nullptr);

    void setTable(LogitLensTable table);
    const LogitLensTable& table() const { return m_table; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    /// Display: "piece\n0.42"; background: heat by probability; tooltip: id and probability;
    /// UserRole: the probability as a double.
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    LogitLensTable m_table;
};

} // namespace llmlab::views
