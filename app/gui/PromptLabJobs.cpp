#include "PromptLabJobs.h"

#include "Sampling.h"
#include "cpu/CpuBackend.h"
#include "model/Generator.h"

#include <chrono>
#include <cmath>

namespace llmlab::gui {

namespace {

// Captures grow as layers x T x context (attention) and layers x T x vocab (logit lens); past
// this many floats a run leaves them out and says so rather than exhaust memory.
constexpr double kMaxCaptureFloats = 400e6; // 1.6 GB

Backend& backendFor(JobContext& ctx, std::unique_ptr<Backend>& fallback) {
    if (ctx.backend) return *ctx.backend;
    // Before the app made one (tests, early clicks): the CPU reference serves.
    fallback = std::make_unique<CpuBackend>();
    return *fallback;
}

views::TokenChip chipOf(const Tokenizer& tok, std::int32_t id, int position) {
    const std::string& bytes = tok.tokenBytes(id);
    const TokenType type = tok.tokenType(id);
    return {id, QString::fromStdString(tok.tokenPiece(id)),
            QByteArray(bytes.data(), qsizetype(bytes.size())), position,
            type == TokenType::Control || type == TokenType::UserDefined};
}

QString visible(const Tokenizer& tok, std::int32_t id) {
    const std::string& bytes = tok.tokenBytes(id);
    return views::visiblePiece(QByteArray(bytes.data(), qsizetype(bytes.size())));
}

// [T, vocab] -> per position the argmax and its softmax probability.
void lensRow(std::span<const float> logits, int* id, float* p) {
    const std::int64_t best = argmax(logits);
    double sum = 0;
    for (float x : logits) sum += std::exp(double(x) - double(logits[std::size_t(best)]));
    *id = int(best);
    *p = float(1.0 / sum);
}

} // namespace

std::vector<std::int32_t> promptTokens(const Tokenizer& tok, const QString& text, bool chat,
                                       bool plainSpecial) {
    const std::string prompt = text.toStdString();
    if (chat) {
        const std::vector<ChatMessage> messages = {{"user", prompt}};
        return tok.encode(tok.renderChat(messages), {true, true});
    }
    // Special tokens typed in the text are matched, as Hugging Face tokenizers do by default.
    std::vector<std::int32_t> ids = tok.encode(prompt, {true, !plainSpecial});
    if (tok.bosId() >= 0 && (ids.empty() || ids.front() != tok.bosId()))
        ids.insert(ids.begin(), tok.bosId());
    return ids;
}

JobFn makePromptRunJob(PromptRequest req) {
    return [req](JobContext& ctx) -> QVariant {
        const auto start = std::chrono::steady_clock::now();
        const Tokenizer& tok = *req.tokenizer;
        const ModelSpec& spec = req.model->spec();
        PromptRunSnapshot snap;
        snap.ids = promptTokens(tok, req.text, req.chat, req.plainSpecial);
        const int T = int(snap.ids.size());
        if (T == 0) throw std::runtime_error("the prompt has no tokens");
        if (T > req.context)
            throw std::runtime_error(
                QStringLiteral("the prompt has %1 tokens but the context is %2; "
                               "raise the context")
                    .arg(T)
                    .arg(req.context)
                    .toStdString());
        for (int i = 0; i < T; ++i) snap.chips.push_back(chipOf(tok, snap.ids[std::size_t(i)], i));

        CaptureOptions capture;
        capture.attention = double(spec.layers) * spec.heads * T * req.context <= kMaxCaptureFloats;
        capture.logitLens = double(spec.layers + 1) * T * spec.vocab <= kMaxCaptureFloats;
        if (!capture.attention) snap.note += QStringLiteral("attention left out (too large); ");
        if (!capture.logitLens) snap.note += QStringLiteral("logit lens left out (too large); ");
        std::unique_ptr<Backend> fallback;
        InferenceSession session(req.model, backendFor(ctx, fallback), req.context, capture);
        ctx.progress(0.1, "prefill");
        const std::vector<float> logits = session.prefill(snap.ids);
        ctx.checkCancelled();
        const ForwardCaptures& c = session.captures();
        const std::size_t vocab = std::size_t(spec.vocab);
        snap.lastLogits.assign(logits.end() - std::ptrdiff_t(vocab), logits.end());
        snap.greedyId = std::int32_t(argmax(snap.lastLogits));

        ctx.progress(0.6, "attention statistics");
        if (capture.attention)
            snap.attention = std::make_shared<const views::AttentionData>(
                views::AttentionData::fromCaptures(c, spec.heads));
        ctx.checkCancelled();

        // Next token: the model's own softmax, and what the sampler would draw from.
        const std::vector<std::pair<std::int64_t, float>> top = topK(snap.lastLogits, 20);
        const float maxLogit = top.empty() ? 0.0f : top.front().second;
        double z = 0;
        for (float x : snap.lastLogits) z += std::exp(double(x - maxLogit));
        const std::vector<float> sampled =
            Sampler(req.sampling).distribution(snap.lastLogits, snap.ids);
        for (const auto& [id, logit] : top) {
            snap.next.push_back(
                {int(id), visible(tok, std::int32_t(id)), std::exp(double(logit - maxLogit)) / z});
            snap.sampled.push_back(sampled[std::size_t(id)]);
        }

        ctx.progress(0.8, "logit lens");
        if (capture.logitLens) {
            views::LogitLensTable& lens = snap.lens;
            lens.layers = int(c.logitLens.size());
            lens.positions = T;
            lens.ids.resize(std::size_t(lens.layers) * std::size_t(T));
            lens.probabilities.resize(lens.ids.size());
            for (int l = 0; l < lens.layers; ++l) {
                ctx.checkCancelled();
                for (int t = 0; t < T; ++t) {
                    const std::size_t cell = std::size_t(l) * std::size_t(T) + std::size_t(t);
                    lensRow(std::span<const float>(c.logitLens[std::size_t(l)])
                                .subspan(std::size_t(t) * vocab, vocab),
                            &lens.ids[cell], &lens.probabilities[cell]);
                }
            }
            for (int id : lens.ids) lens.pieces.push_back(visible(tok, id));
            for (const views::TokenChip& chip : snap.chips)
                lens.positionLabels << views::visiblePiece(chip.bytes);
        }
        snap.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return QVariant::fromValue(snap);
    };
}

JobFn makeGenerateJob(PromptRequest req, std::shared_ptr<TokenSink> sink) {
    return [req, sink](JobContext& ctx) -> QVariant {
        const Tokenizer& tok = *req.tokenizer;
        GenerationSnapshot snap;
        snap.promptIds = promptTokens(tok, req.text, req.chat);
        const int room = req.context - int(snap.promptIds.size());
        if (room <= 0) throw std::runtime_error("the prompt fills the context; raise the context");
        std::unique_ptr<Backend> fallback;
        InferenceSession session(req.model, backendFor(ctx, fallback), req.context);
        const int n = std::min(req.maxTokens, room);
        int done = 0;
        const GenerationResult r = generate(
            session, tok, snap.promptIds, n, req.sampling,
            [&](const GeneratedToken& t) {
                // Emitted on the worker; the sink lives on the GUI thread, so this is queued.
                emit sink->token(t.id, QString::fromStdString(t.text), t.logProb);
                ctx.progress(double(++done) / std::max(n, 1), "generating");
            },
            &ctx.cancel);
        ctx.checkCancelled();
        for (const GeneratedToken& t : r.tokens) snap.ids.push_back(t.id);
        snap.text = QString::fromStdString(r.text);
        snap.stoppedAtEnd = r.stoppedAtEnd;
        snap.tokensPerSecond = r.decodeSeconds > 0 ? double(r.tokens.size()) / r.decodeSeconds : 0;
        return QVariant::fromValue(snap);
    };
}

} // namespace llmlab::gui
