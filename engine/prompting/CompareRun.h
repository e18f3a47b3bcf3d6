// Running a comparison: every (question x strategy x sample) cell on one model, with the KV
// cache of the prompt prefix they share reused (the instruction, the demonstrations, and
// the whole prompt between self-consistency samples), deterministic for a seed.
#pragma once

#include "Answers.h"
#include "Progress.h"
#include "Strategy.h"
#include "TaskSet.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "tokenizers/Tokenizer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llmlab {

struct CompareOptions {
    std::vector<Strategy> strategies;
    double temperature = 0.7; ///< of self-consistency samples (the others are greedy)
    std::uint64_t seed = 1;
    int maxTokens = 0;    ///< per reply; 0: 24 for a direct answer, 128 for reasoning
    int maxQuestions = 0; ///< 0: all
    bool reusePrefix = true;
    int chat = -1; ///< -1: when the tokenizer has a chat template; 0: never; 1: always
};

struct SampleResult {
    std::vector<GeneratedToken> tokens; ///< with their log-probabilities
    std::string text;                   ///< the reply, up to its stop
    ExtractedAnswer answer;
    bool correct = false;
    double seconds = 0;
};

struct CompareCell {
    std::size_t item = 0, strategy = 0;
    std::string prompt; ///< the text encoded (chat template applied)
    std::vector<std::int32_t> promptTokens;
    std::vector<int> exampleItems;
    std::vector<SampleResult> samples;
    VoteResult vote;    ///< over the samples (one vote for a single reply)
    std::string answer; ///< normalized final answer
    bool correct = false;
    int generatedTokens = 0;
    int reusedTokens = 0;    ///< prompt tokens the cache already held, over all samples
    int prefilledTokens = 0; ///< prompt tokens run, over all samples
    double seconds = 0;
    std::string error; ///< set when the cell could not run (the prompt does not fit)
};

struct StrategySummary {
    std::string label;
    int correct = 0, total = 0;
    double low = 0, high = 0; ///< Wilson 95% interval of the accuracy
    int tokens = 0;           ///< generated, over all its cells
    double seconds = 0;
    int ties = 0;
    /// Self-consistency: the accuracy of the vote over the first n samples, n = 1..N.
    std::vector<double> accuracyByN;
    double accuracy() const { return total ? double(correct) / total : 0.0; }
    /// Generated tokens per correct answer (0 when none is correct).
    double tokensPerCorrect() const { return correct ? double(tokens) / correct : 0.0; }
};

struct CompareResult {
    std::string model, taskSet;
    std::vector<Strategy> strategies;
    std::vector<std::size_t> items;  ///< the questions run, in order
    std::vector<CompareCell> cells;  ///< strategy-major: all questions of strategy 0 first
    bool cancelled = false;
    std::vector<StrategySummary> summarize(const TaskSet& set) const;
};

/// One model session that runs prompts, keeping the cache of what it ran last.
class PromptRunner {
public:
    PromptRunner(std::shared_ptr<const ModelFile> model, Backend& backend, Tokenizer tokenizer,
                 int maxContext = 2048);
    ~PromptRunner();

    const Tokenizer& tokenizer() const { return m_tokenizer; }
    int maxContext() const;
    /// The last-token logits after `tokens`. With `reuse`, only the tokens after the longest
    /// prefix shared with what the cache holds are run; `reused` receives that count.
    std::vector<float> start(const std::vector<std::int32_t>& tokens, bool reuse,
                             int* reused = nullptr);
    /// The prompt's tokens as `options` encodes them (chat template or not).
    std::vector<std::int32_t> encode(const std::string& prompt, const CompareOptions& options,
                                     std::string* rendered = nullptr) const;
    /// One cell: the strategy's samples for one question. `onSample` sees the cell after
    /// each sample. Throws Cancelled when `cancel` is set.
    CompareCell runCell(const TaskSet& set, std::size_t item, std::size_t strategy,
                        const CompareOptions& options,
                        const std::function<void(const CompareCell&)>& onSample = {},
                        const CancelToken* cancel = nullptr);

private:
    SampleResult sample(const std::vector<std::int32_t>& prompt, const std::string& stop,
                        int maxTokens, const SamplingParams& params, bool reuse, int* reused,
                        const CancelToken* cancel);

    std::unique_ptr<InferenceSession> m_session;
    Tokenizer m_tokenizer;
    std::vector<std::int32_t> m_cached; ///< the tokens the KV cache holds, in order
};

/// Runs every cell, strategy by strategy. `onCell` sees each finished cell (and, with
/// `partial` true, a cell after each of its samples); `progress` the fraction of cells done.
/// Cancelling returns what finished, with `cancelled` set.
CompareResult runComparison(PromptRunner& runner, const TaskSet& set,
                            const CompareOptions& options,
                            const std::function<void(const CompareCell&, bool partial)>& onCell = {},
                            const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

/// One row per sample: question, strategy, reply, answer, right/wrong, votes, tokens, time.
std::string compareCsv(const CompareResult& result, const TaskSet& set);
/// Everything: the options, every cell with its prompt, tokens and log-probabilities, and
/// the per-strategy summary.
std::string compareJson(const CompareResult& result, const TaskSet& set,
                        const CompareOptions& options);

} // namespace llmlab
