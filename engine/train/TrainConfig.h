// Everything that defines a grokking run: the task, the model, the optimiser, the schedule.
#pragma once

#include "Tasks.h"
#include "ToyModel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

struct OptimConfig {
    double lr = 1e-3;
    double weightDecay = 1.0; ///< decoupled (AdamW); the main knob of grokking
    double beta1 = 0.9, beta2 = 0.98, eps = 1e-8;
    int warmupSteps = 10;     ///< linear warm-up from 0 to lr
    bool cosineDecay = false; ///< cosine decay to 0 over maxSteps after the warm-up
    double clipNorm = 0;      ///< global gradient-norm clipping; 0 = off
    int batchSize = 0;        ///< 0 = full batch
    bool grokfast = false;    ///< Grokfast-EMA gradient filter (Lee et al. 2024)
    double grokfastAlpha = 0.98, grokfastLambda = 2.0;
};

struct TrainConfig {
    std::string name = "run"; ///< shown in lists and legends
    std::string preset;       ///< the preset it came from, if any
    TaskSpec task;
    ToyModelConfig model;
    OptimConfig optim;
    std::int64_t maxSteps = 10000;
    int evalEvery = 10;        ///< steps between evaluations (metrics rows)
    int checkpointEvery = 200; ///< steps between checkpoints
    /// Also a checkpoint when this many seconds of training passed since the last one, so a
    /// kill loses at most that much work on slow settings; 0 = by steps only.
    double checkpointSeconds = 30;
    std::uint64_t modelSeed = 0;
    std::string backend = "cpu";

    /// Sets model.vocab and model.seqLen from the task.
    void fitModelToTask();
};

/// "nanda" (Nanda et al. 2023: p=113, 30%, 1 layer, d 128, 4 heads, d_mlp 512, ReLU, no
/// LayerNorm, AdamW lr 1e-3, wd 1.0, betas 0.9/0.98, full batch) and "quick" (groks within
/// minutes on a 2-core CPU). Returns false for an unknown name.
bool presetConfig(const std::string& name, TrainConfig* config);
std::vector<std::string> presetNames();

/// JSON text of a config, and back (throws std::invalid_argument with a readable sentence).
std::string configToJson(const TrainConfig& config);
TrainConfig configFromJson(const std::string& text);

} // namespace llmlab
