#include "Worker.h"

#include "Backend.h"

#include <QElapsedTimer>
#include <QMutexLocker>

#include <exception>

namespace llmlab::gui {

Worker::Worker(std::shared_ptr<JobQueue> queue) : m_queue(std::move(queue)) {}

void Worker::drain() {
    bool ranAny = false;
    for (;;) {
        std::shared_ptr<Job> job;
        {
            QMutexLocker lock(&m_queue->mutex);
            if (m_queue->pending.empty()) {
                m_queue->running.reset();
                break;
            }
            job = m_queue->pending.front();
            m_queue->pending.pop_front();
            m_queue->running = job;
        }
        ranAny = true;
        run(job);
    }
    if (ranAny) emit idle();
}

void Worker::run(const std::shared_ptr<Job>& job) {
    if (job->cancel->cancelled()) { // cancelled between being taken and starting
        emit jobCancelled(job->id, job->kind);
        return;
    }
    emit jobStarted(job->id, job->kind, job->title);

    // Engine loops may report thousands of steps; a queued signal each would flood the GUI
    // thread's event queue, so report at most every 40 ms (and always the last step).
    QElapsedTimer sinceLast;
    sinceLast.start();
    bool first = true;
    ProgressFn progress = [this, job, &sinceLast, &first](double fraction,
                                                          const std::string& what) {
        if (!first && fraction < 1.0 && sinceLast.elapsed() < 40) return;
        first = false;
        sinceLast.restart();
        emit jobProgress(job->id, job->kind, fraction, QString::fromStdString(what));
    };

    JobContext context{*job->cancel, progress, m_backend};
    try {
        QVariant result = job->fn(context);
        // A job that finished after being replaced or cancelled is stale: drop its result.
        if (job->cancel->cancelled())
            emit jobCancelled(job->id, job->kind);
        else
            emit jobFinished(job->id, job->kind, result);
    } catch (const Cancelled&) {
        emit jobCancelled(job->id, job->kind);
    } catch (const std::exception& e) {
        if (job->cancel->cancelled())
            emit jobCancelled(job->id, job->kind);
        else
            emit jobFailed(job->id, job->kind, QString::fromStdString(e.what()));
    } catch (...) {
        emit jobFailed(job->id, job->kind,
                       QStringLiteral("%1 failed with an unknown error").arg(job->title));
    }
}

} // namespace llmlab::gui
