// The prompt lab pane: type a prompt, run it and look inside (tokens, attention per layer and
// head, next-token distribution, logit lens), generate with sampling controls, and see the
// positional encodings. Engine work runs as jobs on the app's worker thread.
#pragma once

#include "PromptLabJobs.h"

#include <QPointer>
#include <QWidget>

#include <memory>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace llmlab {
class ModelFile;
class Tokenizer;
} // namespace llmlab

namespace llmlab::views {
class AttentionView;
class GenerationView;
class LogitLensModel;
class NextTokenChart;
class PositionalView;
class TokenStrip;
} // namespace llmlab::views

namespace llmlab::gui {

class PromptLab : public QWidget {
    Q_OBJECT
public:
    /// Jobs go to `runner` (not owned; must outlive the pane's jobs).
    explicit PromptLab(JobRunner* runner, QWidget* parent = nullptr);
    ~PromptLab() override;

    static inline const QString kRunKind = QStringLiteral("prompt-run");
    static inline const QString kGenerateKind = QStringLiteral("prompt-generate");

    std::shared_ptr<const ModelFile> model() const { return m_model; }
    std::shared_ptr<const Tokenizer> tokenizer() const { return m_tokenizer; }
    QPlainTextEdit* promptEdit() const { return m_prompt; }
    QPushButton* runButton() const { return m_run; }
    QPushButton* generateButton() const { return m_generate; }
    QCheckBox* chatBox() const { return m_chat; }
    QCheckBox* plainSpecialBox() const { return m_plainSpecial; }
    /// The Export button beside the tabs: acts on the tab on view.
    QPushButton* exportButton() const { return m_export; }
    /// The logit-lens table as CSV (what Export writes on that tab).
    bool writeLogitLensCsv(const QString& path, QString* error = nullptr) const;
    QSpinBox* tokensBox() const { return m_tokens; }
    QSpinBox* contextBox() const { return m_context; }
    views::TokenStrip* tokenStrip() const { return m_strip; }
    views::AttentionView* attentionView() const { return m_attention; }
    views::NextTokenChart* nextTokenChart() const { return m_next; }
    views::LogitLensModel* logitLensModel() const { return m_lensModel; }
    QTableView* logitLensTable() const { return m_lensTable; }
    views::GenerationView* generationView() const { return m_generation; }
    views::PositionalView* positionalView() const { return m_positional; }
    QTabWidget* tabs() const { return m_tabs; }
    /// The last finished run and generation (empty before).
    const PromptRunSnapshot& lastRun() const { return m_lastRun; }
    const GenerationSnapshot& lastGeneration() const { return m_lastGeneration; }
    int runsFinished() const { return m_runsFinished; }
    int generationsFinished() const { return m_generationsFinished; }
    /// The status line: timings, readable errors.
    QString message() const;
    /// The sampling settings shown.
    SamplingParams sampling() const;

public slots:
    /// Exports what the current tab shows (a chart's dialog, the logit lens as CSV).
    void exportCurrentTab();
    /// The model prompts run on (null: none). Loads its tokenizer; a model without one gives a
    /// readable message and disables Run.
    void setModel(std::shared_ptr<const llmlab::ModelFile> model);
    /// Prefills the prompt with captures (replaces a run still going).
    void runPrompt();
    /// Generates the chosen number of tokens, streaming them into the generation panel.
    void generateText();
    /// Cancels this pane's jobs.
    void cancel();

private:
    QWidget* makeControls();
    PromptRequest request() const;
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobFailed(quint64 id, const QString& kind, const QString& message);
    void showRun(const PromptRunSnapshot& snap);
    void setMessage(const QString& text);
    void updateEnabled();

    QPointer<JobRunner> m_runner; // in MainWindow the runner is destroyed before the pane
    std::shared_ptr<const ModelFile> m_model;
    std::shared_ptr<const Tokenizer> m_tokenizer;
    std::shared_ptr<TokenSink> m_sink;
    QPlainTextEdit* m_prompt = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_cancel = nullptr;
    QCheckBox* m_chat = nullptr;
    QCheckBox* m_plainSpecial = nullptr;
    QPushButton* m_export = nullptr;
    QSpinBox* m_tokens = nullptr;
    QSpinBox* m_context = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QDoubleSpinBox* m_minP = nullptr;
    QDoubleSpinBox* m_repetition = nullptr;
    QSpinBox* m_seed = nullptr;
    QLabel* m_message = nullptr;
    views::TokenStrip* m_strip = nullptr;
    QTabWidget* m_tabs = nullptr;
    views::AttentionView* m_attention = nullptr;
    views::NextTokenChart* m_next = nullptr;
    views::LogitLensModel* m_lensModel = nullptr;
    QTableView* m_lensTable = nullptr;
    views::GenerationView* m_generation = nullptr;
    QWidget* m_generationPane = nullptr;
    views::PositionalView* m_positional = nullptr;
    PromptRunSnapshot m_lastRun;
    GenerationSnapshot m_lastGeneration;
    quint64 m_runJob = 0;
    quint64 m_generateJob = 0;
    int m_runsFinished = 0;
    int m_generationsFinished = 0;
};

} // namespace llmlab::gui
