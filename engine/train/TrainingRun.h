// The training loop shared by `llmlab-cli train` and the app: steps, evaluations, the run
// folder, resuming, stopping once grokked.
#pragma once

#include "Backend.h"
#include "Progress.h"
#include "RunStore.h"
#include "Trainer.h"

#include <atomic>
#include <functional>
#include <string>

namespace llmlab {

struct TrainingOptions {
    /// Run folder: a new run is created there, or an existing one (with a checkpoint) resumed.
    /// Empty: nothing is written.
    std::string runDir;
    bool untilGrokked = false; ///< stop at the first evaluation with validation accuracy >= 99%
    /// Called after each evaluation (on the training thread).
    std::function<void(const TrainMetrics&)> onMetrics;
    /// Called after each evaluation with the trainer, for snapshots (spectrum, attention).
    std::function<void(const Trainer&)> onSnapshot;
    /// When set and true, the loop waits (checking cancel) instead of stepping.
    const std::atomic<bool>* paused = nullptr;
};

struct TrainingSummary {
    std::int64_t steps = 0; ///< total steps of the run
    double seconds = 0;     ///< total training time of the run
    std::int64_t stepsThisSession = 0;
    double secondsThisSession = 0;
    std::int64_t memorisedStep = -1;
    std::int64_t grokkedStep = -1;
    bool cancelled = false;
    TrainMetrics last;
    ToyParams params; ///< the weights at the end
};

/// Trains until config.maxSteps, grokking (if asked) or `cancel`; checkpoints at the config's
/// interval and when stopping. Throws std::runtime_error for unusable run folders.
TrainingSummary runTraining(const TrainConfig& config, Backend& backend,
                            const TrainingOptions& options, const CancelToken* cancel = nullptr);

/// The config of the run in `dir` (for resuming it).
TrainConfig loadRunConfig(const std::string& dir);

} // namespace llmlab
