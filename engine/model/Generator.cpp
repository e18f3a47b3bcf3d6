#include "Generator.h"

#include <chrono>
#include <stdexcept>

namespace llmlab {

Tokenizer tokenizerFor(const ModelFile& model) {
    try {
        if (model.metadata().contains("tokenizer.ggml.model"))
            return Tokenizer::fromGguf(model.metadata(), model.path());
        const std::string& path = model.tokenizerPath();
        if (path.empty())
            throw std::runtime_error(model.path() + ": no tokenizer found beside the model");
        if (path.size() >= 5 && path.substr(path.size() - 5) == ".json")
            return Tokenizer::fromTokenizerJson(path);
        return Tokenizer::fromLlama2c(path);
    } catch (const TokenizerError& e) {
        throw std::runtime_error(e.what());
    }
}

GenerationResult generate(InferenceSession& session, const Tokenizer& tokenizer,
                          const std::vector<std::int32_t>& promptTokens, int maxTokens,
                          const SamplingParams& sampling,
                          const std::function<void(const GeneratedToken&)>& onToken,
                          const CancelToken* cancel) {
    using Clock = std::chrono::steady_clock;
    GenerationResult r;
    r.promptTokens = promptTokens;
    if (promptTokens.empty()) throw std::invalid_argument("the prompt has no tokens");
    Sampler sampler(sampling);
    // The decoder sees the prompt first, so the first generated token is not taken for the
    // start of the text (SentencePiece would drop its leading space).
    StreamingDecoder stream(tokenizer);
    for (std::int32_t id : promptTokens) stream.push(id);
    stream.flush();
    std::vector<std::int32_t> history = promptTokens;

    auto start = Clock::now();
    std::vector<float> logits = session.prefillLast(promptTokens);
    r.promptSeconds = std::chrono::duration<double>(Clock::now() - start).count();

    start = Clock::now();
    for (int i = 0; i < maxTokens; ++i) {
        if (cancel && cancel->cancelled()) break;
        GeneratedToken t;
        t.id = sampler.sample(logits, history);
        t.logProb = Sampler::logProb(logits, t.id);
        if (tokenizer.isEndOfGeneration(t.id)) {
            r.stoppedAtEnd = true;
            break;
        }
        t.text = stream.push(t.id);
        history.push_back(t.id);
        r.text += t.text;
        r.tokens.push_back(t);
        if (onToken) onToken(t);
        if (i + 1 == maxTokens || session.position() >= session.maxContext()) break;
        logits = session.decode(t.id);
    }
    const std::string tail = stream.flush();
    r.text += tail;
    if (!tail.empty() && !r.tokens.empty()) r.tokens.back().text += tail;
    r.decodeSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
}

} // namespace llmlab
