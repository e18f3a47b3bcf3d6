// The QObject that lives on the worker thread and runs the queued jobs (see JobRunner).
#pragma once

#include "JobRunner.h"

#include <QMutex>

#include <deque>

namespace llmlab::gui {

/// One queued or running job. The token is shared with the GUI side, which cancels through it.
struct Job {
    quint64 id = 0;
    QString kind;
    QString title;
    JobFn fn;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
};

/// Shared between the GUI thread (submit, cancel) and the worker thread (take, finish).
struct JobQueue {
    QMutex mutex;
    std::deque<std::shared_ptr<Job>> pending;
    std::shared_ptr<Job> running;
    quint64 nextId = 1;
};

/// Runs jobs from the shared queue until it is empty; signals cross to the GUI thread queued.
class Worker : public QObject {
    Q_OBJECT
public:
    explicit Worker(std::shared_ptr<JobQueue> queue);

public slots:
    /// Runs every pending job in order; invoked (queued) after each submit.
    void drain();

signals:
    void jobStarted(quint64 id, const QString& kind, const QString& title);
    void jobProgress(quint64 id, const QString& kind, double fraction, const QString& what);
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobFailed(quint64 id, const QString& kind, const QString& message);
    void jobCancelled(quint64 id, const QString& kind);
    void idle();

private:
    void run(const std::shared_ptr<Job>& job);

    std::shared_ptr<JobQueue> m_queue;
    std::shared_ptr<Backend> m_backend; // touched only on the worker thread
};

} // namespace llmlab::gui
