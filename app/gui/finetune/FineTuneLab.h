// The fine-tuning lab pane: the opened model fine-tuned on a text — LoRA (or QLoRA on a base
// quantized first), the top blocks, or every weight — with the loss, held-out loss and
// forgetting curves and the training speed drawn as it goes, and sample generations from a
// fixed prompt every few steps beside the base model's.
#pragma once

#include "finetune/FineTuneJobs.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTimer;

class QTabWidget;

namespace llmlab::views {
class FineTuneLossChart;
class FineTuneSeriesChart;
class FineTuneSpeedChart;
} // namespace llmlab::views

namespace llmlab::gui {

class FineTuneLab : public QWidget {
    Q_OBJECT
public:
    explicit FineTuneLab(JobRunner* runner, QWidget* parent = nullptr);
    ~FineTuneLab() override;

    static inline const QString kJob = QStringLiteral("finetune");

    void setModel(std::shared_ptr<const ModelFile> model);
    /// Where runs are written (default: the app's data folder, finetune/).
    void setRunsFolder(const QString& dir) { m_runsDir = dir; }

    QLineEdit* dataEdit() const { return m_data; }
    QLineEdit* referenceEdit() const { return m_reference; }
    QComboBox* methodBox() const { return m_method; }
    QComboBox* quantBox() const { return m_quant; }
    QSpinBox* rankBox() const { return m_rank; }
    QLineEdit* targetsEdit() const { return m_targets; }
    QSpinBox* stepsBox() const { return m_steps; }
    QSpinBox* batchBox() const { return m_batch; }
    QSpinBox* seqBox() const { return m_seq; }
    QDoubleSpinBox* lrBox() const { return m_lr; }
    QSpinBox* evalEveryBox() const { return m_every; }
    QLineEdit* promptEdit() const { return m_prompt; }
    QSpinBox* accumulateBox() const { return m_accumulate; }
    QCheckBox* checkpointingBox() const { return m_checkpointing; }
    QDoubleSpinBox* dropoutBox() const { return m_dropout; }
    /// What the configuration trains and the memory the cost calculator predicts, before Start.
    QString estimate() const;
    QPushButton* startButton() const { return m_start; }
    QPushButton* resumeButton() const { return m_resume; }
    QPushButton* stopButton() const { return m_stop; }
    views::FineTuneLossChart* lossChart() const { return m_loss; }
    views::FineTuneSpeedChart* speedChart() const { return m_speed; }
    views::FineTuneSeriesChart* gradientChart() const { return m_gradNorm; }
    views::FineTuneSeriesChart* learningRateChart() const { return m_lrChart; }
    QComboBox* scheduleBox() const { return m_schedule; }
    QPlainTextEdit* samples() const { return m_samples; }
    QString message() const;
    int runsFinished() const { return m_finished; }
    QString lastRunDir() const { return m_lastRun; }

public slots:
    void start();
    void stop();
    /// Goes on with the run in `dir` from its last checkpoint: its config.json sets the pane's
    /// fields, its metrics.csv the curves so far. False (and a message) when it cannot.
    bool resume(const QString& dir);

private:
    FineTuneConfig configFromFields() const;
    void updateEstimate();
    void submit(FineTuneRequest request);
    void poll();
    void jobEnded(const QString& message);
    void setMessage(const QString& text);
    void updateButtons();

    JobRunner* m_runner;
    std::shared_ptr<const ModelFile> m_model;
    std::shared_ptr<FineTuneLive> m_live;
    int m_shownVersion = -1;
    quint64 m_job = 0;
    int m_finished = 0;
    QString m_runsDir, m_lastRun, m_runPrompt;

    QLabel* m_modelLabel;
    QLineEdit* m_data;
    QPushButton* m_chooseData;
    QLineEdit* m_reference;
    QPushButton* m_chooseReference;
    QComboBox* m_method;
    QComboBox* m_quant;
    QSpinBox* m_rank;
    QDoubleSpinBox* m_alpha;
    QLineEdit* m_targets;
    QSpinBox* m_top;
    QSpinBox* m_steps;
    QSpinBox* m_batch;
    QSpinBox* m_seq;
    QDoubleSpinBox* m_lr;
    QSpinBox* m_every;
    QSpinBox* m_accumulate;
    QCheckBox* m_checkpointing;
    QDoubleSpinBox* m_dropout;
    QLabel* m_estimate;
    QPushButton* m_resume;
    QLineEdit* m_prompt;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_message;
    views::FineTuneLossChart* m_loss;
    views::FineTuneSpeedChart* m_speed;
    views::FineTuneSeriesChart* m_gradNorm;
    views::FineTuneSeriesChart* m_lrChart;
    QTabWidget* m_lower;
    QComboBox* m_schedule;
    QPlainTextEdit* m_samples;
    QTimer* m_timer;
};

} // namespace llmlab::gui
