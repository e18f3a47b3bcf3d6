// The Sweeps lab: pick a preset or edit the sweep's JSON, run it with progress per run and
// overall (resumable: the same folder goes on where it stopped), and read what it says —
// scaling laws with their fits, IsoFLOP parabolas, N_opt(C) beside Chinchilla's slope, double
// descent, the phase diagram of grokking with each run's curves and embedding ring.
#pragma once

#include "JobRunner.h"
#include "sweep/SweepAnalysis.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace llmlab::views {
class ComputeOptimalChart;
class DoubleDescentChart;
class EmbeddingPcaChart;
class IsoFlopChart;
class PhaseDiagramChart;
class ScalingLawChart;
class SweepRunChart;
} // namespace llmlab::views

namespace llmlab::gui {

class SweepController;

/// What the analysis job computes from a sweep folder (off the GUI thread: the bootstrap and
/// the Chinchilla fit take a moment).
struct SweepAnalysisSnapshot {
    std::vector<SweepResult> results;
    std::optional<ScalingAnalysis> scaling;
    std::vector<RandomFeaturesPoint> features;
};

class SweepLab : public QWidget {
    Q_OBJECT
public:
    explicit SweepLab(JobRunner* runner, QWidget* parent = nullptr);
    ~SweepLab() override;

    static inline const QString kAnalysisJob = QStringLiteral("sweep-analysis");

    QComboBox* presetBox() const { return m_preset; }
    QPlainTextEdit* specEdit() const { return m_spec; }
    QLineEdit* folderEdit() const { return m_folder; }
    QSpinBox* jobsBox() const { return m_jobs; }
    QPushButton* runButton() const { return m_run; }
    QPushButton* stopButton() const { return m_stop; }
    QTableWidget* runTable() const { return m_table; }
    QTabWidget* tabs() const { return m_tabs; }
    QProgressBar* progressBar() const { return m_progress; }
    views::ScalingLawChart* computeChart() const { return m_lossVsC; }
    views::ScalingLawChart* paramsChart() const { return m_lossVsN; }
    views::IsoFlopChart* isoFlopChart() const { return m_isoflop; }
    views::ComputeOptimalChart* optimalChart() const { return m_optimal; }
    views::DoubleDescentChart* doubleDescentChart() const { return m_descent; }
    views::PhaseDiagramChart* phaseChart() const { return m_phases; }
    views::SweepRunChart* runChart() const { return m_runCurves; }
    views::EmbeddingPcaChart* pcaChart() const { return m_pca; }
    QDoubleSpinBox* thresholdBox() const { return m_threshold; }
    QDoubleSpinBox* delayBox() const { return m_delay; }
    QString message() const;
    bool isRunning() const;
    /// Analyses shown so far (tests wait on it).
    int analysesShown() const { return m_analyses; }

    /// Shows the sweep in `dir` (its sweep.json and whatever runs finished); false with the
    /// reason in the message line when the folder holds no sweep.
    bool openFolder(const QString& dir);
    /// The folder a new sweep of this name goes to by default.
    static QString defaultFolder(const QString& name);

public slots:
    void loadPreset(int index);
    void runSweep();
    void stop();
    /// Shows run `index`'s curves (and, for a grokking run, its embeddings).
    void showRun(int index);
    /// Re-reads the results and recomputes the fits (on the worker thread).
    void refreshAnalysis();

private:
    std::optional<SweepSpec> parsedSpec(QString* error) const;
    void setSpec(const SweepSpec& spec);
    void fillTable();
    void runStateChanged(int index, int state, const QString& error);
    void runStep(int index, qint64 step);
    void sweepFinished(int done, int failed, bool cancelled, const QString& error);
    void showAnalysis(const SweepAnalysisSnapshot& s);
    void drawPhases();
    void showPcaAt(int snapshot);
    void setMessage(const QString& text);
    void updateProgress();

    JobRunner* m_runner;
    SweepController* m_controller;
    std::optional<SweepSpec> m_current; ///< the sweep the table and charts show
    QString m_currentDir;
    std::vector<std::int64_t> m_runSteps, m_runMax;
    std::vector<int> m_runState;
    int m_shownRun = -1;
    std::vector<std::int64_t> m_snapshotSteps;
    quint64 m_analysisJob = 0;
    int m_analyses = 0;

    QComboBox* m_preset;
    QPushButton* m_openSpec;
    QPushButton* m_openFolder;
    QPlainTextEdit* m_spec;
    QLineEdit* m_folder;
    QSpinBox* m_jobs;
    QPushButton* m_run;
    QPushButton* m_stop;
    QPushButton* m_export;
    QProgressBar* m_progress;
    QLabel* m_message;
    QTableWidget* m_table;
    QTabWidget* m_tabs;
    views::ScalingLawChart* m_lossVsC;
    views::ScalingLawChart* m_lossVsN;
    views::IsoFlopChart* m_isoflop;
    views::ComputeOptimalChart* m_optimal;
    views::DoubleDescentChart* m_descent;
    views::PhaseDiagramChart* m_phases;
    QDoubleSpinBox* m_threshold;
    QDoubleSpinBox* m_delay;
    views::SweepRunChart* m_runCurves;
    views::EmbeddingPcaChart* m_pca;
    QSlider* m_pcaStep;
    QComboBox* m_runMetric;
};

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::SweepAnalysisSnapshot)
