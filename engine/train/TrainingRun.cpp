#include "TrainingRun.h"

#include <chrono>
#include <filesystem>
#include <thread>

namespace llmlab {

TrainConfig loadRunConfig(const std::string& dir) {
    return RunStore(dir).loadConfig();
}

TrainingSummary runTraining(const TrainConfig& config, Backend& backend,
                            const TrainingOptions& options, const CancelToken* cancel) {
    Trainer trainer(config, backend);
    TrainingSummary s;
    std::unique_ptr<RunStore> store;
    if (!options.runDir.empty()) {
        store = std::make_unique<RunStore>(options.runDir);
        if (store->hasCheckpoint()) {
            // Resume: the checkpoint is the truth; metric rows written after it are dropped, so
            // the log and the weights agree again.
            const Checkpoint c = store->loadCheckpoint();
            trainer.restore(c.step, c.seconds, c.params, c.state);
            store->truncateMetrics(c.step);
            store->dropSnapshotsAfter(c.step);
            const MetricsLog log = store->loadMetrics();
            s.memorisedStep = log.memorisedStep;
            s.grokkedStep = log.grokkedStep;
        } else if (std::filesystem::exists(options.runDir + "/config.json") &&
                   !store->loadMetrics().rows.empty()) {
            // Killed before its first checkpoint: start it again from step 0 (its step-0 row
            // is written again below, so none is kept).
            store->truncateMetrics(-1);
            store->dropSnapshotsAfter(-1);
        } else {
            store->create(config);
        }
    }
    // A checkpoint by steps (and the last one) also leaves a params-only snapshot in the
    // run's history (the trajectory a loss landscape draws), as do the first memorised and
    // grokked evaluations; one by time does not, so the history stays evenly spaced in steps.
    auto checkpoint = [&](bool snapshot) {
        if (!store) return;
        const ToyParams params = trainer.parameters();
        if (snapshot) store->writeSnapshot(trainer.step(), params);
        store->writeCheckpoint(
            {trainer.step(), trainer.trainSeconds(), params, trainer.optimizerState()});
    };
    auto evaluate = [&] {
        TrainMetrics m = trainer.evaluate();
        bool milestone = m.step == 0;
        if (s.memorisedStep < 0 && m.trainAcc >= 0.99) s.memorisedStep = m.step, milestone = true;
        if (s.grokkedStep < 0 && m.valAcc >= 0.99) s.grokkedStep = m.step, milestone = true;
        if (store && milestone) store->writeSnapshot(m.step, trainer.parameters());
        if (store) store->appendMetrics(m);
        if (options.onMetrics) options.onMetrics(m);
        if (options.onSnapshot) options.onSnapshot(trainer);
        s.last = m;
    };

    const std::int64_t startStep = trainer.step();
    const double startSeconds = trainer.trainSeconds();
    // The untrained model is the first point of every curve; a run stopped at step 0 and
    // resumed has that row already.
    bool haveStartRow = false;
    if (startStep == 0 && store) {
        const MetricsLog log = store->loadMetrics();
        haveStartRow = !log.rows.empty() && log.rows.back().step == 0;
    }
    if (startStep == 0 && !haveStartRow) evaluate();
    auto lastCheckpoint = std::chrono::steady_clock::now();
    while (trainer.step() < config.maxSteps) {
        if (cancel && cancel->cancelled()) {
            s.cancelled = true;
            break;
        }
        if (options.paused && options.paused->load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        trainer.trainStep();
        const std::int64_t t = trainer.step();
        if (t % config.evalEvery == 0 || t == config.maxSteps) evaluate();
        const bool bySteps = config.checkpointEvery > 0 && t % config.checkpointEvery == 0;
        const bool byTime =
            config.checkpointSeconds > 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - lastCheckpoint)
                    .count() >= config.checkpointSeconds;
        if (bySteps || byTime) {
            checkpoint(bySteps);
            lastCheckpoint = std::chrono::steady_clock::now();
        }
        if (options.untilGrokked && s.grokkedStep >= 0) break;
    }
    checkpoint(true);
    s.steps = trainer.step();
    s.seconds = trainer.trainSeconds();
    s.stepsThisSession = s.steps - startStep;
    s.secondsThisSession = s.seconds - startSeconds;
    s.params = trainer.parameters();
    return s;
}

} // namespace llmlab
