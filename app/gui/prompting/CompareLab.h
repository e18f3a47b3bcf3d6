// The prompting lab pane: pick a task set and strategies, run them on the opened model, and
// compare the answers side by side — the grid of cells, a cell's prompt and replies as tokens,
// accuracy with intervals, tokens per right answer, votes and accuracy against samples.
#pragma once

#include "CompareJobs.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace llmlab::views {
class AccuracyByNChart;
class AccuracyChart;
class CellDetailView;
class CompareGridModel;
class TokensPerCorrectChart;
class VoteHistogramChart;
} // namespace llmlab::views

namespace llmlab::gui {

class CompareLab : public QWidget {
    Q_OBJECT
public:
    explicit CompareLab(JobRunner* runner, QWidget* parent = nullptr);
    ~CompareLab() override;

    static inline const QString kJobKind = QStringLiteral("prompt-compare");

    /// The model comparisons run on (nullptr: none opened; Run says so).
    void setModel(std::shared_ptr<const ModelFile> model);

    QComboBox* taskBox() const { return m_tasks; }
    QLineEdit* strategiesEdit() const { return m_strategies; }
    QLineEdit* templateEdit() const { return m_template; }
    QSpinBox* questionsBox() const { return m_questions; }
    QSpinBox* seedBox() const { return m_seed; }
    QDoubleSpinBox* temperatureBox() const { return m_temperature; }
    QPushButton* runButton() const { return m_run; }
    QPushButton* stopButton() const { return m_stop; }
    QTableView* grid() const { return m_grid; }
    views::CompareGridModel* gridModel() const { return m_gridModel; }
    views::CellDetailView* detailView() const { return m_detail; }
    views::AccuracyChart* accuracyChart() const { return m_accuracy; }
    views::TokensPerCorrectChart* tokensChart() const { return m_tokens; }
    views::VoteHistogramChart* voteChart() const { return m_votes; }
    views::AccuracyByNChart* accuracyByNChart() const { return m_byN; }
    QTabWidget* tabs() const { return m_tabs; }
    QString message() const;
    int comparisonsFinished() const { return m_finished; }
    /// Adds a JSONL task set to the list and selects it; false with `error` for a bad file.
    bool addTaskFile(const QString& path, QString* error = nullptr);
    /// The grid as CSV or JSON (by extension).
    bool exportGrid(const QString& path, QString* error = nullptr) const;

public slots:
    void runComparison();
    void stop();
    /// Shows a cell's prompt and replies, and its votes.
    void showCell(int row, int column);

private:
    void jobProgress(quint64 id);
    void jobEnded(quint64 id, const QString& message);
    void drainInbox();
    void refreshCharts();
    void setMessage(const QString& text);
    std::optional<TaskSet> selectedTaskSet(QString* error) const;

    JobRunner* m_runner;
    std::shared_ptr<const ModelFile> m_model;
    std::shared_ptr<const Tokenizer> m_tokenizer;
    std::shared_ptr<CompareInbox> m_inbox;
    CompareOptions m_options;
    quint64 m_job = 0;
    int m_finished = 0;
    std::vector<TaskSet> m_fileSets; // task sets opened from files, after the built-in ones

    QComboBox* m_tasks;
    QLineEdit* m_strategies;
    QLineEdit* m_template;
    QDoubleSpinBox* m_temperature;
    QSpinBox* m_seed;
    QSpinBox* m_questions;
    QSpinBox* m_maxTokens;
    QPushButton* m_run;
    QPushButton* m_stop;
    QPushButton* m_openTasks;
    QPushButton* m_export;
    QLabel* m_message;
    QTableView* m_grid;
    views::CompareGridModel* m_gridModel;
    QTabWidget* m_tabs;
    views::CellDetailView* m_detail;
    views::AccuracyChart* m_accuracy;
    views::TokensPerCorrectChart* m_tokens;
    views::VoteHistogramChart* m_votes;
    views::AccuracyByNChart* m_byN;
};

} // namespace llmlab::gui
