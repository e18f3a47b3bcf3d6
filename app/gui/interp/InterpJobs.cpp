#include "interp/InterpJobs.h"

#include "cpu/CpuBackend.h"
#include "formats/ModelFile.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "prompt/AttentionData.h"
#include "prompt/TokenStrip.h"

namespace llmlab::gui {

namespace {

Backend& backendFor(JobContext& ctx, std::unique_ptr<Backend>& fallback) {
    if (ctx.backend) return *ctx.backend;
    fallback = std::make_unique<CpuBackend>(); // before the app made one
    return *fallback;
}

QString label(const Tokenizer& tok, std::int32_t id) {
    const std::string& bytes = tok.tokenBytes(id);
    return views::visiblePiece(QByteArray(bytes.data(), qsizetype(bytes.size())));
}

std::vector<std::int32_t> encode(const Tokenizer& tok, const QString& text) {
    if (text.trimmed().isEmpty()) throw std::invalid_argument("type a prompt first");
    return tok.encode(text.toStdString(), {.addSpecial = true});
}

// The prompt's tokens and the two compared; versus left empty: the likeliest other.
InterpTokens tokensOf(const InterpRequest& r, const Tokenizer& tok, Backend& backend) {
    InterpTokens t;
    t.ids = encode(tok, r.prompt);
    for (std::int32_t id : t.ids) t.labels.push_back(label(tok, id));
    if (r.target.isEmpty()) throw std::invalid_argument("name the token to explain (target)");
    t.target = singleToken(tok, r.target.toStdString());
    t.versus = r.versus.isEmpty() ? likeliestOther(r.model, backend, t.ids, t.target)
                                  : singleToken(tok, r.versus.toStdString());
    t.targetLabel = label(tok, t.target);
    t.versusLabel = label(tok, t.versus);
    return t;
}

} // namespace

JobFn makeAttributeJob(InterpRequest request) {
    return [request](JobContext& ctx) -> QVariant {
        std::unique_ptr<Backend> fallback;
        Backend& backend = backendFor(ctx, fallback);
        const Tokenizer tok = tokenizerFor(*request.model);
        AttributeSnapshot snap;
        snap.tokens = tokensOf(request, tok, backend);
        ctx.progress(0.2, "direct logit attribution");
        snap.attribution = directLogitAttribution(request.model, backend, snap.tokens.ids,
                                                  snap.tokens.target, snap.tokens.versus);
        ctx.checkCancelled();
        ctx.progress(0.5, "the contribution graph");
        snap.graph = std::make_shared<const ContributionGraph>(
            contributionGraph(request.model, backend, snap.tokens.ids));
        return QVariant::fromValue(std::move(snap));
    };
}

JobFn makePatchJob(InterpRequest request, PatchMethod method) {
    return [request, method](JobContext& ctx) -> QVariant {
        std::unique_ptr<Backend> fallback;
        Backend& backend = backendFor(ctx, fallback);
        const Tokenizer tok = tokenizerFor(*request.model);
        PatchSnapshot snap;
        snap.method = method;
        snap.tokens = tokensOf(request, tok, backend);
        const std::vector<std::int32_t> corrupt = encode(tok, request.corrupt);
        for (std::int32_t id : corrupt) snap.corruptLabels.push_back(label(tok, id));
        const double exactShare = method == PatchMethod::Both ? 0.95 : 1.0;
        if (method != PatchMethod::Gradient)
            snap.exact = activationPatching(
                request.model, backend, snap.tokens.ids, corrupt, snap.tokens.target, snap.tokens.versus,
                [&](double f, const std::string& what) { ctx.progress(f * exactShare, what); }, &ctx.cancel);
        if (method != PatchMethod::Exact) {
            ctx.progress(exactShare == 1.0 ? 0.1 : exactShare, "attribution patching");
            snap.estimate = attributionPatching(request.model, backend, snap.tokens.ids, corrupt,
                                                snap.tokens.target, snap.tokens.versus);
        }
        if (method == PatchMethod::Both) {
            snap.residualCorrelation = gridCorrelation(snap.exact.residual, snap.estimate.residual);
            snap.headCorrelation = gridCorrelation(snap.exact.heads, snap.estimate.heads);
        }
        return QVariant::fromValue(std::move(snap));
    };
}

JobFn makeAblateJob(InterpRequest request, AblationKind kind) {
    return [request, kind](JobContext& ctx) -> QVariant {
        std::unique_ptr<Backend> fallback;
        Backend& backend = backendFor(ctx, fallback);
        const Tokenizer tok = tokenizerFor(*request.model);
        AblateSnapshot snap;
        snap.kind = kind;
        snap.tokens = tokensOf(request, tok, backend);
        snap.result = headAblation(
            request.model, backend, snap.tokens.ids, snap.tokens.target, snap.tokens.versus, kind,
            [&](double f, const std::string& what) { ctx.progress(0.95 * f, what); }, &ctx.cancel);
        CaptureOptions cap;
        cap.attention = true;
        InferenceSession session(request.model, backend, int(snap.tokens.ids.size()), cap);
        session.prefill(snap.tokens.ids);
        snap.attention = std::make_shared<const views::AttentionData>(
            views::AttentionData::fromCaptures(session.captures(), request.model->spec().heads));
        return QVariant::fromValue(std::move(snap));
    };
}

JobFn makeProjectJob(std::shared_ptr<const ModelFile> model,
                     std::shared_ptr<const ContributionGraph> graph, int edge, int head) {
    return [model, graph, edge, head](JobContext&) -> QVariant {
        ProjectSnapshot snap;
        snap.edge = edge;
        snap.head = head;
        if (edge < 0 || std::size_t(edge) >= graph->edges.size()) return QVariant::fromValue(snap);
        const VocabProjection p = projectEdge(*model, *graph, graph->edges[std::size_t(edge)], head, 8);
        const Tokenizer tok = tokenizerFor(*model);
        for (const auto& [id, v] : p.promoted)
            snap.promoted << QStringLiteral("'%1' %2").arg(label(tok, id)).arg(v, 0, 'f', 2);
        for (const auto& [id, v] : p.suppressed)
            snap.suppressed << QStringLiteral("'%1' %2").arg(label(tok, id)).arg(v, 0, 'f', 2);
        return QVariant::fromValue(snap);
    };
}

} // namespace llmlab::gui
