// Fine-tuning an opened model (llama, qwen2, gpt2 families) on a text: the inference graph run
// over batches of sequences with causal attention, next-token cross-entropy, backward through
// it and AdamW on what is trained — every weight (full), the top N blocks' weights, or LoRA
// adapters on the matrices a pattern names, the base staying constant (and packed).
#pragma once

#include "Backend.h"
#include "Progress.h"
#include "cost/ModelCost.h"
#include "finetune/PeftAdapter.h"
#include "formats/ModelFile.h"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmlab {

/// Head: a linear classifier [classes, width] + bias on the frozen model's features (the final
/// norm's output at each example's last token), trained on labelled lines.
enum class FineTuneMethod : std::uint8_t { Full, TopLayers, Lora, Head };

struct FineTuneConfig {
    FineTuneMethod method = FineTuneMethod::Lora;
    int topLayers = 2;                     ///< TopLayers: the last N blocks (and the final norm)
    int rank = 8;                          ///< Lora
    float alpha = 16.0f;                   ///< Lora: the update is scaled by alpha / rank
    std::string targets = "q_proj|v_proj"; ///< Lora: a regex over GGUF or HF module names
    float loraDropout = 0.0f;              ///< Lora: dropout on the adapters' input, training only
    int batch = 4;                         ///< sequences a micro-batch
    int seqLen = 64;
    /// Gradient accumulation: each step adds up the gradients of this many micro-batches of
    /// `batch` sequences (memory of one micro-batch, the gradient of all of them).
    int accumulate = 1;
    /// Gradient checkpointing: the backward pass recomputes each block's activations from its
    /// input, so a step holds one block's activations instead of every block's (a forward pass
    /// more of compute; the same gradients).
    bool checkpointing = false;
    std::int64_t steps = 100;
    double lr = 1e-3;
    double weightDecay = 0.0;
    double clipNorm = 1.0;
    std::uint64_t seed = 1;
    /// The learning rate's schedule: constant (the default), or `warmup` steps of linear warm-up
    /// then a cosine decay to lr * minLrFraction at the last step.
    bool cosine = false;
    std::int64_t warmup = 0;
    double minLrFraction = 0.1;
    /// Lora: start from this adapter (a PEFT folder read with readPeftAdapter) instead of B = 0.
    const LoraAdapter* initialAdapter = nullptr;
};

/// "full", "top", "lora", "head" (std::invalid_argument otherwise).
FineTuneMethod fineTuneMethod(const std::string& name);
const char* fineTuneMethodName(FineTuneMethod method);

class FineTuner {
public:
    /// Compiles the training step on `backend` for batches of config.batch x config.seqLen
    /// tokens of `text` (windows drawn at random from its first nine tenths; the last tenth is
    /// held out). For Head, `text` holds one example a line, "label<TAB>text" (at most seqLen
    /// tokens of it are read), shuffled by the seed, a tenth held out. Throws
    /// std::invalid_argument for a bad config and std::runtime_error for a model that cannot
    /// run or a text too short.
    FineTuner(std::shared_ptr<const ModelFile> model, Backend& backend, const std::string& text,
              FineTuneConfig config);
    ~FineTuner();

    const FineTuneConfig& config() const { return m_config; }
    std::int64_t step() const { return m_step; }
    /// Trained values, by name (a weight's canonical name, or "lora_a.NAME" / "lora_b.NAME").
    std::vector<std::string> trainableNames() const;
    std::int64_t trainableCount() const;

    /// One AdamW step on the next batch; returns its mean loss per token.
    double trainStep();
    /// The learning rate of step t (1-based) under the schedule.
    double learningRate(std::int64_t t) const;
    /// Bytes of the compiled training step's buffers (0 where the backend does not say).
    std::uint64_t stepBufferBytes() const;
    /// The gradient's norm at the last step, before clipping (0 with clipping off).
    double lastGradientNorm() const { return m_gradNorm; }
    /// Mean next-token loss per token over `batches` batches of the held-out tail, or of
    /// `otherText` (the forgetting curve: the model's original domain) when given. Head: the
    /// mean classification loss over every held-out example (`batches` unused), and
    /// heldOutAccuracy() after; no other text (the model itself does not change).
    double evaluate(int batches, const std::string* otherText = nullptr);
    /// Head: the share of held-out examples classified right at the last evaluate (else NaN).
    double heldOutAccuracy() const { return m_accuracy; }
    /// Head: the classes, sorted, as the data names them.
    const std::vector<std::string>& classes() const;
    /// Head: the class probabilities of one text.
    std::vector<double> classify(const std::string& text);

    /// The current values of what is trained.
    std::map<std::string, std::vector<float>> trainable() const;
    void setTrainable(const std::string& name, const std::vector<float>& values);
    /// The mean loss of one fixed batch (`index` of the held-out tail) and its gradient with
    /// respect to everything trained, without a step: for checks.
    double lossAndGradient(int index, std::map<std::string, std::vector<float>>* gradient);
    /// Logits [seqLen, vocab] of one sequence (padded to seqLen) through the training graph.
    std::vector<float> logits(const std::vector<std::int32_t>& tokens);
    /// The base weights with the adapters merged in: W + (alpha / rank) B A for each adapted
    /// matrix, [out, in] as InferenceSession::setWeight takes them.
    std::map<std::string, std::vector<float>> mergedWeights() const;
    /// The LoRA adapters as they are now (Lora only), for writePeftAdapter.
    LoraAdapter adapter() const;

    /// Writes the trained values, AdamW's moments and the step count to `path` (safetensors),
    /// atomically: a crash mid-write leaves the previous checkpoint. Throws std::runtime_error.
    void saveCheckpoint(const std::string& path) const;
    /// Puts a checkpoint of the same configuration back (the step count too): the run goes on
    /// as if it had not stopped. Throws std::runtime_error naming the file and the problem.
    void loadCheckpoint(const std::string& path);

private:
    /// The forward-and-loss pass, compiled at first use, given the current trained values.
    void compileEvaluation();

    struct Impl;
    std::shared_ptr<const ModelFile> m_model;
    FineTuneConfig m_config;
    std::unique_ptr<Impl> m_impl;
    std::int64_t m_step = 0;
    double m_gradNorm = 0;
    double m_accuracy = std::numeric_limits<double>::quiet_NaN();
};

/// What a configuration trains, and what the cost calculator predicts a step needs, known
/// before anything is compiled (the tab shows it before Start).
struct FineTuneEstimate {
    std::int64_t trainable = 0; ///< values trained (what FineTuner::trainableCount will say)
    int matrices = 0;           ///< Lora: matrices adapted
    /// The cost calculator's row for the method at this batch, sequence and checkpointing:
    /// "Full AMP" (full, top), "LoRA 16", or "QLoRA 8"/"QLoRA 4" for a Q8_0 or 4-bit base.
    TrainingMemory memory;
};
/// Throws std::invalid_argument for a bad target pattern.
/// `classes`: Head's classes (known from the data only).
FineTuneEstimate estimateFineTune(const ModelFile& model, const FineTuneConfig& config, const std::string& quant,
                                  int classes = 2);

/// QLoRA's base: `model` quantized (every matrix `type`) into DIR/base-TYPE.gguf (DIR empty: the
/// system's temporary folder), reused when `reuse` and already there, and opened.
std::shared_ptr<const ModelFile> quantizedBase(const ModelFile& model, const std::string& type,
                                               const std::string& dir, bool reuse,
                                               const CancelToken* cancel = nullptr);

/// A run folder's config.json: what a run trains, on what, and how — written the same by the
/// CLI and the tab, so `finetune --resume RUN` and the tab's Resume go on from either's run.
/// Its keys are the CLI's option names ("eval-every", "lora-dropout", ...).
struct FineTuneRun {
    std::string model, data, reference, quant; ///< paths; quant: QLoRA's base type or empty
    int evalEvery = 20;
    FineTuneConfig config; ///< initialAdapter is not kept: the checkpoint holds its values
};
/// Throws std::runtime_error for a file that cannot be written.
void writeFineTuneRun(const std::string& path, const FineTuneRun& run, std::int64_t trainable);
/// Throws std::runtime_error naming the file and the problem.
FineTuneRun readFineTuneRun(const std::string& path);

/// One evaluation of a run: a row of its metrics.csv (NaN: not measured, an empty cell).
struct FineTuneRow {
    std::int64_t step = 0;
    double train = 0, heldOut = 0, reference = 0, tokensPerSecond = 0, learningRate = 0, gradientNorm = 0;
    double accuracy = std::numeric_limits<double>::quiet_NaN(); ///< Head: held-out accuracy
};

/// A run folder's metrics.csv, the same for the CLI and the GUI: a header, then a row an
/// evaluation, appended and flushed as it comes. `resumeAt` >= 0 keeps the rows of an existing
/// file up to that step (a resumed run), else the file starts afresh. Throws std::runtime_error.
/// The rows of a metrics.csv (empty or unreadable cells as NaN; a row cut short, as a killed
/// run leaves its last, is left out). Throws std::runtime_error naming a file it cannot read.
std::vector<FineTuneRow> readFineTuneMetrics(const std::string& path);

class FineTuneMetrics {
public:
    explicit FineTuneMetrics(std::string path, std::int64_t resumeAt = -1);
    void add(const FineTuneRow& row);

private:
    std::string m_path;
};

} // namespace llmlab
