// The prompting lab's views: the results grid (questions x strategies), a cell's prompt and
// replies as tokens coloured by log-probability, and the charts: accuracy per strategy with
// Wilson intervals, tokens per right answer, a question's vote histogram, accuracy against
// the number of self-consistency samples.
#pragma once

#include "ChartView.h"
#include "prompting/CompareRun.h"

#include <QAbstractTableModel>
#include <QTextEdit>

namespace llmlab::views {

/// Rows are questions, columns strategies; a cell shows its answer, right or wrong, tokens and
/// time, and fills in as cells arrive.
class CompareGridModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit CompareGridModel(QObject* parent = nullptr);
    /// A new comparison: the set, the strategies and the questions that will run.
    void start(const TaskSet& set, const std::vector<Strategy>& strategies,
               const std::vector<std::size_t>& items);
    /// A finished (or, `partial`, a growing self-consistency) cell.
    void setCell(const CompareCell& cell);
    /// The cell at (row, column), nullptr before it ran.
    const CompareCell* cell(int row, int column) const;
    const TaskSet& taskSet() const { return m_set; }
    const std::vector<Strategy>& strategies() const { return m_strategies; }
    /// Every cell so far as a CompareResult (for the summary, CSV, JSON).
    CompareResult result() const;
    int finishedCells() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

private:
    TaskSet m_set;
    std::vector<Strategy> m_strategies;
    std::vector<std::size_t> m_items;
    std::vector<std::vector<CompareCell>> m_cells; // [row][column]
    std::vector<std::vector<bool>> m_have;
};

/// A cell in full: the prompt as tokens (alternate shading shows the boundaries; the part
/// the cache held, reused, in grey), each sample's reply coloured by its tokens'
/// probability with the log-probability on hover, the extracted answers and the vote.
class CellDetailView : public QTextEdit {
    Q_OBJECT
public:
    explicit CellDetailView(QWidget* parent = nullptr);
    void showCell(const CompareCell& cell, const TaskSet& set, const Strategy& strategy,
                  const Tokenizer& tokenizer);
};

/// Accuracy per strategy as bars with Wilson 95% intervals as whiskers.
class AccuracyChart : public ChartView {
    Q_OBJECT
public:
    explicit AccuracyChart(QWidget* parent = nullptr);
    void setSummary(const std::vector<StrategySummary>& summary);
};

/// Generated tokens per right answer, per strategy (the price of reasoning and of votes).
class TokensPerCorrectChart : public ChartView {
    Q_OBJECT
public:
    explicit TokensPerCorrectChart(QWidget* parent = nullptr);
    void setSummary(const std::vector<StrategySummary>& summary);
};

/// The votes of one self-consistency cell: one bar per distinct answer, the right one green.
class VoteHistogramChart : public ChartView {
    Q_OBJECT
public:
    explicit VoteHistogramChart(QWidget* parent = nullptr);
    void setCell(const CompareCell* cell, const TaskSet& set, const QString& strategy);
};

/// Accuracy of the majority vote over the first n samples, n = 1..N, per self-consistency
/// strategy.
class AccuracyByNChart : public ChartView {
    Q_OBJECT
public:
    explicit AccuracyByNChart(QWidget* parent = nullptr);
    void setSummary(const std::vector<StrategySummary>& summary);
};

} // namespace llmlab::views
