#include "JobRunner.h"

#include "Worker.h"

#include <QMutexLocker>
#include <QThread>

namespace llmlab::gui {

JobRunner::JobRunner(QObject* parent)
    : QObject(parent), m_queue(std::make_shared<JobQueue>()), m_thread(new QThread(this)),
      m_worker(new Worker(m_queue)) {
    m_thread->setObjectName(QStringLiteral("llmlab worker"));
    m_worker->moveToThread(m_thread);
    // Signal-to-signal connections: the worker emits on its thread, these re-emit on ours.
    connect(m_worker, &Worker::jobStarted, this, &JobRunner::jobStarted);
    connect(m_worker, &Worker::jobProgress, this, &JobRunner::jobProgress);
    connect(m_worker, &Worker::jobFinished, this, &JobRunner::jobFinished);
    connect(m_worker, &Worker::jobFailed, this, &JobRunner::jobFailed);
    connect(m_worker, &Worker::jobCancelled, this, &JobRunner::jobCancelled);
    connect(m_worker, &Worker::idle, this, [this] {
        if (!busy()) emit idle(); // a job may have been queued after the worker looked
    });
    m_thread->start();
}

JobRunner::~JobRunner() {
    cancelAll();
    m_thread->quit();
    m_thread->wait();
    delete m_worker; // its thread has ended, so deleting it here is safe
}

quint64 JobRunner::submit(const QString& kind, const QString& title, JobFn fn) {
    auto job = std::make_shared<Job>();
    job->kind = kind;
    job->title = title;
    job->fn = std::move(fn);
    std::vector<quint64> dropped;
    {
        QMutexLocker lock(&m_queue->mutex);
        job->id = m_queue->nextId++;
        // A newer request of the same kind makes the older one stale.
        dropped = dropKindLocked(kind);
        m_queue->pending.push_back(job);
    }
    // Queued, like every other signal of this class, so a slot never runs inside submit().
    emitCancelled(dropped, kind);
    QMetaObject::invokeMethod(m_worker, &Worker::drain, Qt::QueuedConnection);
    return job->id;
}

std::vector<quint64> JobRunner::dropKindLocked(const QString& kind) {
    std::vector<quint64> dropped;
    for (auto it = m_queue->pending.begin(); it != m_queue->pending.end();) {
        if ((*it)->kind == kind) {
            dropped.push_back((*it)->id);
            it = m_queue->pending.erase(it);
        } else {
            ++it;
        }
    }
    if (m_queue->running && m_queue->running->kind == kind) m_queue->running->cancel->cancel();
    return dropped;
}

void JobRunner::emitCancelled(const std::vector<quint64>& ids, const QString& kind) {
    for (quint64 id : ids)
        QMetaObject::invokeMethod(
            this, [this, id, kind] { emit jobCancelled(id, kind); }, Qt::QueuedConnection);
}

void JobRunner::cancelAll() {
    std::vector<std::pair<quint64, QString>> dropped;
    {
        QMutexLocker lock(&m_queue->mutex);
        for (const auto& job : m_queue->pending) dropped.emplace_back(job->id, job->kind);
        m_queue->pending.clear();
        if (m_queue->running) m_queue->running->cancel->cancel();
    }
    for (const auto& [id, kind] : dropped)
        QMetaObject::invokeMethod(
            this, [this, id, kind] { emit jobCancelled(id, kind); }, Qt::QueuedConnection);
}

void JobRunner::cancelKind(const QString& kind) {
    std::vector<quint64> dropped;
    {
        QMutexLocker lock(&m_queue->mutex);
        dropped = dropKindLocked(kind);
    }
    emitCancelled(dropped, kind);
}

bool JobRunner::busy() const {
    QMutexLocker lock(&m_queue->mutex);
    return m_queue->running || !m_queue->pending.empty();
}

} // namespace llmlab::gui
