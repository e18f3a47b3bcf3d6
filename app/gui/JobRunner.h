// One worker thread for engine jobs: progress, cancel, and a newer job replacing a stale one.
#pragma once

#include "Progress.h"

#include <QObject>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>
#include <vector>

class QThread;

namespace llmlab {
class Backend;
}

namespace llmlab::gui {

/// What a job sees while it runs on the worker thread.
struct JobContext {
    const CancelToken& cancel;
    ProgressFn progress;
    /// The backend chosen in the GUI (made by a "backend" job); owned by the worker thread, so
    /// only jobs touch it and they run one at a time. May be null before the first one ran.
    std::shared_ptr<Backend>& backend;
    /// Throws Cancelled when the job has been cancelled or replaced.
    void checkCancelled() const {
        if (cancel.cancelled()) throw Cancelled();
    }
};

/// A job returns a plain value snapshot (copied to the GUI thread) or throws: Cancelled when it
/// noticed its token, any std::exception with a message a person can read.
using JobFn = std::function<QVariant(JobContext&)>;

class Worker;
struct JobQueue;

/// Owns one QThread with a Worker on it. Every signal arrives on the GUI thread (queued).
/// Jobs run one at a time in submission order, except that submitting a job of a kind that is
/// already queued or running replaces it: the queued one is dropped, the running one cancelled,
/// and neither reports a result.
class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    /// Cancels everything and waits for the running job to notice.
    ~JobRunner() override;

    /// Queues `fn` under `kind` ("opcheck", "bench", ...); `title` is what the progress bar says.
    /// Returns the job's id (never 0).
    quint64 submit(const QString& kind, const QString& title, JobFn fn);

    /// Cancels the running job and drops the queued ones.
    void cancelAll();
    /// Cancels the running and queued jobs of one kind.
    void cancelKind(const QString& kind);
    /// True while a job runs or waits.
    bool busy() const;

signals:
    void jobStarted(quint64 id, const QString& kind, const QString& title);
    void jobProgress(quint64 id, const QString& kind, double fraction, const QString& what);
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobFailed(quint64 id, const QString& kind, const QString& message);
    /// Cancelled by the user or replaced by a newer job of the same kind.
    void jobCancelled(quint64 id, const QString& kind);
    /// Nothing runs and nothing waits any more.
    void idle();

private:
    /// Drops the waiting jobs of `kind` and cancels a running one; the queue's mutex is held.
    std::vector<quint64> dropKindLocked(const QString& kind);
    /// jobCancelled for each id, queued.
    void emitCancelled(const std::vector<quint64>& ids, const QString& kind);

    std::shared_ptr<JobQueue> m_queue;
    QThread* m_thread = nullptr;
    Worker* m_worker = nullptr;
};

} // namespace llmlab::gui
