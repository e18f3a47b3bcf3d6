#include "SweepController.h"

#include <QThread>

namespace llmlab::gui {

SweepController::SweepController(QObject* parent) : QObject(parent) {}

SweepController::~SweepController() {
    stop();
    if (m_thread) {
        m_thread->wait();
        delete m_thread; // its queued "finished" dies with this object
    }
}

bool SweepController::start(const SweepSpec& spec, const QString& dir, int jobs, QString* error) {
    if (m_thread) {
        if (error) *error = tr("A sweep is already running; stop it first.");
        return false;
    }
    m_cancel.reset();
    const std::string folder = dir.toStdString();
    m_thread = QThread::create([this, spec, folder, jobs] {
        SweepOptions o;
        o.jobs = jobs;
        o.onRunState = [this](const SweepRunState& s) {
            QMetaObject::invokeMethod(
                this,
                [this, i = s.index, st = int(s.state), e = QString::fromStdString(s.error)] {
                    emit runStateChanged(i, st, e);
                },
                Qt::QueuedConnection);
        };
        o.onMetrics = [this](int index, const TrainMetrics& m) {
            QMetaObject::invokeMethod(
                this, [this, index, step = qint64(m.step)] { emit runStep(index, step); },
                Qt::QueuedConnection);
        };
        int done = 0, failed = 0;
        bool cancelled = false;
        QString message;
        try {
            const SweepOutcome out = runSweep(spec, folder, o, &m_cancel);
            done = out.done, failed = out.failed, cancelled = out.cancelled;
            if (!out.errors.empty()) message = QString::fromStdString(out.errors.front());
        } catch (const std::exception& e) {
            message = QString::fromStdString(e.what());
            failed = -1;
        }
        QMetaObject::invokeMethod(
            this,
            [this, done, failed, cancelled, message] {
                if (m_thread) {
                    m_thread->wait();
                    m_thread->deleteLater();
                    m_thread = nullptr;
                }
                emit finished(done, failed, cancelled, message);
            },
            Qt::QueuedConnection);
    });
    m_thread->start();
    return true;
}

void SweepController::stop() {
    m_cancel.cancel();
}

bool SweepController::waitForFinished(int ms) {
    if (!m_thread) return true;
    const bool ok = ms < 0 ? m_thread->wait() : m_thread->wait(QDeadlineTimer(ms));
    return ok;
}

} // namespace llmlab::gui
