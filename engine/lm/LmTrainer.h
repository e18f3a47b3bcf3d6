// Next-token training of the tiny llama-style model (LmModel) on a token stream (LmData):
// one recorded graph per step (forward, cross-entropy on every labelled position, backward,
// AdamW with warm-up and cosine decay), and the result saved as a GGUF llama file with the
// lab's character tokenizer, so it opens like any other model.
#pragma once

#include "Backend.h"
#include "LmData.h"
#include "LmModel.h"
#include "Progress.h"

#include <functional>
#include <memory>
#include <string>

namespace llmlab {

struct LmTrainConfig {
    LmConfig model;          ///< vocab and context are filled in from the tokenizer and seqLen
    std::string task = "rule"; ///< rule, lookup, add or text (see makeLmData)
    std::string textPath;    ///< for "text"
    std::string tokenizer = "char"; ///< "char" or "bpe" (trained on the text, see lmTokenizer)
    int bpeVocab = 512;      ///< entries of the trained BPE
    int batch = 32;
    int seqLen = 64;
    std::int64_t steps = 1500;
    double lr = 3e-3;
    double minLrFraction = 0.1; ///< cosine decay to lr * this at the last step
    std::int64_t warmup = 50; ///< steps of linear warm-up (at most a fifth of the run)
    double weightDecay = 0.01;
    double clipNorm = 1.0;
    std::uint64_t seed = 1;
};

class LmTrainer {
public:
    /// Builds the data source and compiles the step on `backend` (which must outlive the
    /// trainer). Throws std::invalid_argument for a bad config, std::runtime_error for a bad
    /// text file.
    LmTrainer(const LmTrainConfig& config, Backend& backend);
    ~LmTrainer();

    const LmTrainConfig& config() const { return m_config; }
    std::int64_t step() const { return m_step; }
    /// One optimisation step; returns the mean loss per labelled token of its batch.
    double trainStep();
    double learningRate(std::int64_t t) const;
    ToyParams parameters() const;
    /// AdamW moments, as "adam_m.NAME" and "adam_v.NAME".
    ToyParams optimizerState() const;
    /// Puts a checkpoint back: the step count, parameters and optimiser state. Throws
    /// std::invalid_argument naming a tensor that is missing or of the wrong size.
    void restore(std::int64_t step, const ToyParams& params, const ToyParams& state);

    /// Validation: mean loss per token and next-token accuracy over `batches` held-out batches
    /// (LmData::fillValidation), with the current weights.
    struct Evaluation {
        double loss = 0, accuracy = 0;
    };
    Evaluation evaluate(int batches);

private:
    struct Impl;
    LmTrainConfig m_config;
    std::unique_ptr<Impl> m_impl;
    std::int64_t m_step = 0;
};

/// Writes `params` as a GGUF llama file (general.architecture "llama") with the run's
/// tokenizer (characters, or its trained BPE as "gpt2") and the training recipe under "llmlab.train.*". false with `error` on failure.
bool exportLmGguf(const std::string& path, const LmTrainConfig& config, const ToyParams& params,
                  std::string* error);

struct LmTrainReport {
    std::int64_t steps = 0;
    double firstLoss = 0, finalLoss = 0; ///< the first step's, and the mean of the last 20
    double seconds = 0;
    bool cancelled = false;
};

/// Trains from scratch and writes the GGUF file (also when cancelled: the model so far).
/// `onStep(step, loss)` sees every step. Throws std::runtime_error when the file cannot be
/// written.
LmTrainReport trainLanguageModel(const LmTrainConfig& config, Backend& backend,
                                 const std::string& outPath,
                                 const std::function<void(std::int64_t, double)>& onStep = {},
                                 const CancelToken* cancel = nullptr);

} // namespace llmlab
