// The prompt lab's engine jobs (run a prompt with captures, generate with streaming) and the
// plain snapshots they hand back to the GUI thread.
#pragma once

#include "JobRunner.h"

#include "AttentionData.h"
#include "LogitLensModel.h"
#include "PromptCharts.h"
#include "TokenStrip.h"
#include "model/Sampler.h"

#include <QMetaType>
#include <QObject>

#include <memory>
#include <vector>

namespace llmlab {
class ModelFile;
class Tokenizer;
} // namespace llmlab

namespace llmlab::gui {

/// Everything a job needs, copied from the pane's controls.
struct PromptRequest {
    std::shared_ptr<const ModelFile> model;
    std::shared_ptr<const Tokenizer> tokenizer;
    QString text;
    bool chat = false;
    bool plainSpecial = false; ///< read "<|im_start|>" typed in the text as text, not a token
    int context = 1024;        ///< the session's maximum context (cache size)
    int maxTokens = 32;        ///< for generation
    SamplingParams sampling;
};

/// One prompt run: its tokens, attention, next-token distribution and logit lens.
struct PromptRunSnapshot {
    std::vector<std::int32_t> ids;
    std::vector<views::TokenChip> chips;
    std::shared_ptr<const views::AttentionData> attention; ///< null when too large to keep
    std::vector<views::NextTokenEntry> next; ///< top 20 of the last position, model's softmax
    std::vector<double> sampled;             ///< the sampler's distribution over the same ids
    std::int32_t greedyId = -1;              ///< argmax of the last position's logits
    std::vector<float> lastLogits;           ///< [vocab]
    views::LogitLensTable lens;              ///< empty when too large to keep
    QString note;                            ///< what was left out and why
    double seconds = 0;
};

/// A finished generation (tokens already arrived one by one through a TokenSink).
struct GenerationSnapshot {
    std::vector<std::int32_t> promptIds;
    std::vector<std::int32_t> ids;
    QString text;
    bool stoppedAtEnd = false;
    double tokensPerSecond = 0;
};

/// Lives on the GUI thread; the generation job emits from the worker, so connected slots run
/// queued on the GUI thread, one token at a time.
class TokenSink : public QObject {
    Q_OBJECT
signals:
    void token(int id, const QString& text, double logProb);
};

/// The prompt's ids: the chat format when `chat`, and BOS where the tokenizer has one (as
/// llmlab-cli does); special tokens typed in the text are matched unless `plainSpecial`.
std::vector<std::int32_t> promptTokens(const Tokenizer& tokenizer, const QString& text, bool chat,
                                       bool plainSpecial = false);

/// Prefills the prompt with attention and logit-lens captures. Returns a PromptRunSnapshot.
JobFn makePromptRunJob(PromptRequest request);

/// Generates request.maxTokens after the prompt; each token goes out through `sink` as it
/// comes. Returns a GenerationSnapshot.
JobFn makeGenerateJob(PromptRequest request, std::shared_ptr<TokenSink> sink);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::PromptRunSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::GenerationSnapshot)
