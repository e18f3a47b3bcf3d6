// A language-model training run on disk, shaped like a grokking run (RunStore): config.json
// (format "llmlab-lm-config"), metrics.csv (validation loss and next-token accuracy at each
// evaluation), checkpoint.safetensors (weights and AdamW moments) — so a killed run resumes
// from its checkpoint and goes on with the same batches it would have seen.
#pragma once

#include "Backend.h"
#include "LmTrainer.h"
#include "Progress.h"
#include "train/Trainer.h"

#include <functional>
#include <string>

namespace llmlab {

/// JSON text of an LM training config, and back (throws std::invalid_argument with a
/// readable sentence).
std::string lmConfigToJson(const LmTrainConfig& config);
LmTrainConfig lmConfigFromJson(const std::string& text);

/// Parameters outside the token embedding and unembedding (Kaplan et al.'s N), for the
/// config's vocabulary (filled from the tokenizer when 0).
std::int64_t lmNonEmbeddingParams(const LmTrainConfig& config);

struct LmRunOptions {
    std::string runDir;       ///< empty: nothing is written
    int evalEvery = 50;       ///< steps between evaluations
    int evalBatches = 4;      ///< held-out batches per evaluation
    int checkpointEvery = 200;
    double checkpointSeconds = 30; ///< also a checkpoint after this much time; 0 = steps only
    std::function<void(const TrainMetrics&)> onMetrics;
};

struct LmRunSummary {
    std::int64_t steps = 0;
    double seconds = 0; ///< training time over all sessions of the run
    bool cancelled = false;
    TrainMetrics last;        ///< the last evaluation (trainLoss: mean since the one before)
    double bestValLoss = 0;   ///< over all evaluations
    std::int64_t bestStep = 0;
};

/// Trains until config.steps or `cancel`, evaluating, logging and checkpointing in the run
/// folder; resumes a run folder that has a checkpoint. Metric rows use TrainMetrics: train and
/// validation loss and accuracy, the weight norm, the learning rate, seconds.
LmRunSummary runLmTraining(const LmTrainConfig& config, Backend& backend,
                           const LmRunOptions& options, const CancelToken* cancel = nullptr);

} // namespace llmlab
