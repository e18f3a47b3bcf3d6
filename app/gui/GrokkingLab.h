// The grokking lab: train toy transformers on modular arithmetic and watch them memorise, then
// generalise. Settings on the left, live charts on the right, past runs below them. What the
// app opens on when no model is given.
#pragma once

#include "TrainingController.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace llmlab::views {
class GrokkingCharts;
}

namespace llmlab::gui {

class GrokkingLabControls;
class GrokkingLabRuns;

class GrokkingLab : public QWidget {
    Q_OBJECT
public:
    /// Lists the runs under RunStore::defaultRunsRoot() ($LLMLAB_RUNS_DIR, else
    /// ~/.local/share/llmlab/runs) and fills the settings from the "quick" preset.
    explicit GrokkingLab(QWidget* parent = nullptr);
    ~GrokkingLab() override;

    GrokkingLabControls* controls() const { return m_controls; }
    views::GrokkingCharts* charts() const { return m_charts; }
    GrokkingLabRuns* runs() const { return m_runs; }
    TrainingController* controller() const { return m_controller; }
    QString runsRoot() const { return m_runsRoot; }
    /// The status line under the buttons: progress, results and readable errors.
    QString message() const;
    QPushButton* startButton() const { return m_start; }
    QPushButton* pauseButton() const { return m_pause; }
    QPushButton* stopButton() const { return m_stop; }

    /// Writes the weights of the run in `runDir` (its checkpoint) to `path`: a GGUF file when
    /// the name ends in .gguf, else a Hugging Face-style folder. False with `error` set.
    static bool saveModel(const QString& runDir, const QString& path, QString* error);

public slots:
    /// Starts a new run with the settings shown, in a new folder under the runs root. False
    /// (and a readable message) for settings the engine cannot build or while a run is going.
    bool startRun();
    /// Goes on with the run selected in the list from its checkpoint.
    bool resumeSelectedRun();
    void togglePause();
    void stopRun();
    /// Asks for a file and saves the selected (else the current) run's weights.
    void saveModelInteractive();

signals:
    /// After a run ended and its row in the list was refreshed.
    void runEnded(const llmlab::gui::TrainingOutcome& outcome);

private:
    QWidget* createSettingsPanel();
    QWidget* createRunsPanel();
    bool beginRun(const TrainConfig& config, const QString& dir,
                  const std::vector<TrainMetrics>& earlier);
    void onMetrics(const TrainMetrics& m);
    void onFinished(const TrainingOutcome& outcome);
    void updateOverlays();
    void updateButtons();
    void showMessage(const QString& text, bool error = false);
    QString newRunDir(const TrainConfig& config) const;

    GrokkingLabControls* m_controls = nullptr;
    views::GrokkingCharts* m_charts = nullptr;
    GrokkingLabRuns* m_runs = nullptr;
    TrainingController* m_controller = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_stop = nullptr;
    QPushButton* m_resume = nullptr;
    QPushButton* m_save = nullptr;
    QCheckBox* m_logSteps = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_message = nullptr;
    QString m_runsRoot;
    bool m_listedActiveRun = false;
};

} // namespace llmlab::gui
