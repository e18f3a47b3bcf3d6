// Runs one training run on its own QThread (not the shared JobRunner: a run lasts minutes and
// must not block the other panes' jobs) and hands its metrics to the GUI as queued signals.
#pragma once

#include "Progress.h"
#include "train/TrainingRun.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <vector>

class QThread;

namespace llmlab::gui {

/// What the charts need from the trainer after an evaluation, copied on the training thread
/// (the trainer itself must not be touched from the GUI thread).
struct TrainingSnapshot {
    std::int64_t step = 0;
    std::vector<double> spectrum;
    AttentionAtEquals attention;
};

/// How a run ended.
struct TrainingOutcome {
    bool cancelled = false;
    bool failed = false;
    QString error; ///< one readable sentence when failed
    std::int64_t steps = 0;
    std::int64_t memorisedStep = -1, grokkedStep = -1;
};

class TrainingController : public QObject {
    Q_OBJECT
public:
    explicit TrainingController(QObject* parent = nullptr);
    /// Stops a running run and waits for its thread (the run checkpoints on the way out).
    ~TrainingController() override;

    /// Starts `config` in `runDir` (a new folder, or an existing run folder to resume from its
    /// checkpoint). Returns false with `error` set when a run is already going.
    bool start(const TrainConfig& config, const QString& runDir, QString* error = nullptr);
    bool isRunning() const { return m_thread != nullptr; }
    bool isPaused() const { return m_paused.load(); }
    QString runDir() const { return m_runDir; }
    const TrainConfig& config() const { return m_config; }

public slots:
    /// The loop waits between steps while paused (it still notices Stop).
    void setPaused(bool paused);
    /// Asks the run to stop; it checkpoints and then emits finished().
    void stop();

public:
    /// Waits up to `ms` for the thread to end (tests, closing the window).
    bool waitForFinished(int ms);

signals:
    void started(const QString& runDir);
    void metricsArrived(const llmlab::TrainMetrics& metrics);
    void snapshotArrived(const llmlab::gui::TrainingSnapshot& snapshot);
    void finished(const llmlab::gui::TrainingOutcome& outcome);
    void pausedChanged(bool paused);

private:
    void threadDone(const TrainingOutcome& outcome);

    QThread* m_thread = nullptr;
    std::atomic<bool> m_paused{false};
    CancelToken m_cancel;
    TrainConfig m_config;
    QString m_runDir;
};

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::TrainMetrics)
Q_DECLARE_METATYPE(llmlab::gui::TrainingSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::TrainingOutcome)
