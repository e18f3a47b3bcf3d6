// Trains the toy transformer on an algorithmic task: one recorded graph per step (forward,
// backward, AdamW), an evaluation graph over every example, and the measures that explain
// grokking (weight norms, the Fourier spectrum of the embeddings, attention at "=").
#pragma once

#include "Backend.h"
#include "TrainConfig.h"

#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace llmlab {

/// One row of the metrics log.
struct TrainMetrics {
    std::int64_t step = 0;
    double trainLoss = 0, trainAcc = 0, valLoss = 0, valAcc = 0;
    double weightNorm = 0; ///< L2 norm of all parameters
    double lr = 0;
    double seconds = 0;                                         ///< training time so far
    std::vector<std::pair<std::string, double>> componentNorms; ///< embed, attn, mlp, unembed
    /// Nanda et al.'s progress measures (analysis/ProgressMeasures.h), NaN where the task has
    /// none (only a+b and a-b over every pair do): restricted and excluded loss, the Gini
    /// coefficient of the embedding's Fourier norms, and the key frequencies they used.
    double restrictedLoss = std::numeric_limits<double>::quiet_NaN();
    double excludedLoss = std::numeric_limits<double>::quiet_NaN();
    double fourierGini = std::numeric_limits<double>::quiet_NaN();
    std::vector<int> keyFrequencies; ///< live only; not in the metrics log
};

/// Where the answer position attends: per layer and head, the mean probability over the
/// validation examples on each of the three tokens [a, b, =].
struct AttentionAtEquals {
    int layers = 0, heads = 0, tokens = 0;
    std::vector<float> probs; ///< [layers, heads, tokens]
};

class Trainer {
public:
    /// Builds the task and the model and compiles both graphs on `backend` (which must outlive
    /// the trainer). Throws std::invalid_argument for a bad config.
    Trainer(const TrainConfig& config, Backend& backend);
    ~Trainer();

    const TrainConfig& config() const { return m_config; }
    const TaskData& task() const { return m_task; }
    std::int64_t step() const { return m_step; }
    double trainSeconds() const { return m_seconds; }

    /// One optimisation step; returns the batch's mean loss.
    double trainStep();
    /// Loss and accuracy on the training and validation sets (and the other measures).
    TrainMetrics evaluate();
    /// The learning rate used at step t (1-based), after warm-up and decay.
    double learningRate(std::int64_t t) const;

    /// Current parameter values; optimiser state under "adam_m.NAME", "adam_v.NAME",
    /// "grokfast.NAME".
    ToyParams parameters() const;
    ToyParams optimizerState() const;
    /// Puts a checkpoint back: the step count, parameters and optimiser state.
    void restore(std::int64_t step, double seconds, const ToyParams& params,
                 const ToyParams& state);

    /// |FFT|^2 of the token embeddings over the operands, per frequency k = 1..(p-1)/2
    /// (summed over the embedding dimensions, normalised to sum 1), from the last evaluate().
    /// Empty for S5.
    const std::vector<double>& embeddingSpectrum() const { return m_spectrum; }
    /// From the last evaluate().
    const AttentionAtEquals& attentionAtEquals() const { return m_attention; }

private:
    struct Impl;
    void fillBatch(std::int64_t step);

    TrainConfig m_config;
    TaskData m_task;
    std::unique_ptr<Impl> m_impl;
    std::int64_t m_step = 0;
    double m_seconds = 0;
    AttentionAtEquals m_attention;
    std::vector<double> m_spectrum;
};

} // namespace llmlab
