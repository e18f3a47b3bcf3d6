#include "TrainingController.h"

#include "BackendFactory.h"

#include <QThread>

namespace llmlab::gui {

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<llmlab::TrainMetrics>();
    qRegisterMetaType<llmlab::gui::TrainingSnapshot>();
    qRegisterMetaType<llmlab::gui::TrainingOutcome>();
}

TrainingController::~TrainingController() {
    if (m_thread) {
        m_cancel.cancel();
        m_paused.store(false);
        m_thread->wait();
        delete m_thread;
    }
}

bool TrainingController::start(const TrainConfig& config, const QString& runDir, QString* error) {
    if (m_thread) {
        if (error) *error = tr("A run is already going; stop it first.");
        return false;
    }
    m_config = config;
    m_runDir = runDir;
    m_cancel.reset();
    m_paused.store(false);
    emit pausedChanged(false);

    // Everything the thread uses is captured by value or lives in this object, which outlives
    // the thread (the destructor waits for it).
    m_thread = QThread::create([this, config, dir = runDir.toStdString()] {
        TrainingOutcome outcome;
        try {
            std::string why;
            auto backend = createBackend(config.backend, &why);
            if (!backend) throw std::runtime_error(why);
            TrainingOptions options;
            options.runDir = dir;
            options.paused = &m_paused;
            // Emitted from the training thread: the connections to GUI-thread receivers are
            // queued, so the loop never waits for a chart.
            options.onMetrics = [this](const TrainMetrics& m) { emit metricsArrived(m); };
            options.onSnapshot = [this](const Trainer& trainer) {
                TrainingSnapshot s;
                s.step = trainer.step();
                s.spectrum = trainer.embeddingSpectrum();
                s.attention = trainer.attentionAtEquals();
                emit snapshotArrived(s);
            };
            const TrainingSummary summary = runTraining(config, *backend, options, &m_cancel);
            outcome.cancelled = summary.cancelled;
            outcome.steps = summary.steps;
            outcome.memorisedStep = summary.memorisedStep;
            outcome.grokkedStep = summary.grokkedStep;
        } catch (const std::exception& e) {
            outcome.failed = true;
            outcome.error = QString::fromStdString(e.what());
        }
        // Queued after every metrics signal of this thread, so it arrives last.
        QMetaObject::invokeMethod(
            this, [this, outcome] { threadDone(outcome); }, Qt::QueuedConnection);
    });
    m_thread->setObjectName(QStringLiteral("training"));
    m_thread->start(QThread::LowPriority); // keep the GUI responsive on 2 cores
    emit started(runDir);
    return true;
}

void TrainingController::setPaused(bool paused) {
    if (m_paused.exchange(paused) != paused) emit pausedChanged(paused);
}

void TrainingController::stop() {
    m_cancel.cancel();
}

bool TrainingController::waitForFinished(int ms) {
    return !m_thread || m_thread->wait(ms);
}

void TrainingController::threadDone(const TrainingOutcome& outcome) {
    if (m_thread) {
        m_thread->wait(); // it has returned from the lambda; this only joins it
        delete m_thread;
        m_thread = nullptr;
    }
    setPaused(false);
    emit finished(outcome);
}

} // namespace llmlab::gui
