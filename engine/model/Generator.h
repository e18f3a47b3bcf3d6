// The generation loop: prompt in one batch, then sample and decode token by token, streaming
// complete UTF-8 text with each token's log-probability.
#pragma once

#include "LanguageModel.h"
#include "Progress.h"
#include "Sampler.h"
#include "tokenizers/Tokenizer.h"

#include <functional>
#include <string>
#include <vector>

namespace llmlab {

struct GeneratedToken {
    std::int32_t id = 0;
    std::string text;   ///< complete UTF-8 this token finished (may be empty)
    double logProb = 0; ///< log p(id) under the model
};

struct GenerationResult {
    std::vector<std::int32_t> promptTokens;
    std::vector<GeneratedToken> tokens;
    std::string text;          ///< everything generated, decoded
    bool stoppedAtEnd = false; ///< an end-of-generation token came
    double promptSeconds = 0, decodeSeconds = 0;
};

/// Generates up to `maxTokens` after `promptTokens` in `session` (which must be at position 0
/// or continuing a conversation). `onToken` sees each token as it comes; cancelling stops
/// between tokens.
GenerationResult generate(InferenceSession& session, const Tokenizer& tokenizer,
                          const std::vector<std::int32_t>& promptTokens, int maxTokens,
                          const SamplingParams& sampling,
                          const std::function<void(const GeneratedToken&)>& onToken = {},
                          const CancelToken* cancel = nullptr);

/// The tokenizer that goes with a model file: GGUF metadata, tokenizer.json beside a Hugging
/// Face folder, or the llama2.c tokenizer file. Throws std::runtime_error naming the file.
Tokenizer tokenizerFor(const ModelFile& model);

} // namespace llmlab
