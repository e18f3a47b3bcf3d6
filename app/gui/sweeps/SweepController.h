// Runs a sweep on its own thread (a sweep lasts minutes and must not hold the shared job
// runner the other panes use) and hands run states and metrics to the GUI as queued signals.
#pragma once

#include "Progress.h"
#include "sweep/SweepRunner.h"

#include <QObject>
#include <QString>

class QThread;

namespace llmlab::gui {

class SweepController : public QObject {
    Q_OBJECT
public:
    explicit SweepController(QObject* parent = nullptr);
    /// Stops a running sweep and waits (each run checkpoints on the way out).
    ~SweepController() override;

    /// Starts (or resumes) `spec` in `dir` with `jobs` runs at once. false with `error` when a
    /// sweep is already going.
    bool start(const SweepSpec& spec, const QString& dir, int jobs, QString* error = nullptr);
    bool isRunning() const { return m_thread != nullptr; }
    bool waitForFinished(int ms);

public slots:
    void stop();

signals:
    /// state: SweepRunState::State as an int.
    void runStateChanged(int index, int state, const QString& error);
    void runStep(int index, qint64 step);
    /// The sweep ended: finished, stopped or failed (error: one sentence).
    void finished(int done, int failed, bool cancelled, const QString& error);

private:
    QThread* m_thread = nullptr;
    CancelToken m_cancel;
};

} // namespace llmlab::gui
