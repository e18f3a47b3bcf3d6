// `llmlab-cli attribute MODEL --prompt TEXT --target TOKEN [--versus TOKEN]`: each head's and
// MLP's share of a logit difference (direct logit attribution). `llmlab-cli patch MODEL --clean
// TEXT --corrupt TEXT --target TOKEN --versus TOKEN`: the clean run patched into the corrupted
// one, residual stream by (layer, position) and heads by (layer, head); `--method gradient` the
// attribution-patching estimate, `both` the two with their correlation. `--ablate zero|mean`
// (with attribute): each head ablated in turn.
#include "BackendFactory.h"
#include "Cli.h"
#include "Sampling.h"
#include "TextFile.h"
#include "formats/ModelFile.h"
#include "interp/Attribution.h"
#include "interp/ContributionGraph.h"
#include "model/Generator.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>
#include <memory>
#include <stdexcept>

namespace llmlab::cli {

namespace {

struct Opened {
    std::shared_ptr<const ModelFile> model;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<Tokenizer> tokenizer;
};

Opened openModel(const Args& args, const char* usage) {
    if (args.empty() || args.front().rfind("--", 0) == 0) throw std::invalid_argument(usage);
    Opened o;
    std::string error;
    o.model = ModelFile::open(args.front(), &error);
    if (!o.model) throw std::runtime_error(error);
    o.backend = createBackend(option(args, "backend", "cpu"), &error);
    if (!o.backend) throw std::runtime_error(error);
    o.tokenizer = std::make_unique<Tokenizer>(tokenizerFor(*o.model));
    return o;
}

std::string piece(const Tokenizer& t, std::int32_t id) {
    return t.tokenBytes(id);
}

void printGrid(const char* title, const std::vector<std::vector<double>>& g, const char* column) {
    std::printf("%s\n%8s", title, "layer");
    for (std::size_t c = 0; c < (g.empty() ? 0 : g.front().size()); ++c) std::printf(" %s%-5zu", column, c);
    std::printf("\n");
    for (std::size_t l = 0; l < g.size(); ++l) {
        std::printf("%8zu", l);
        for (double v : g[l]) std::printf(" %+6.3f", v);
        std::printf("\n");
    }
}

const char* kindName(FlowEdge::Kind k) {
    switch (k) {
    case FlowEdge::Attention: return "attention";
    case FlowEdge::AttnResidual: return "residual";
    case FlowEdge::Mlp: return "ffn";
    case FlowEdge::MlpResidual: return "residual";
    }
    return "?";
}

// The information flow routes to the last token's prediction, an edge a line (or JSON).
int printRoutes(const Opened& o, const std::vector<std::int32_t>& ids, double threshold, bool json) {
    const ContributionGraph g = contributionGraph(o.model, *o.backend, ids);
    const std::vector<std::size_t> kept = informationRoutes(g, -1, threshold);
    auto tokens = [&](const std::vector<std::pair<std::int32_t, double>>& list) {
        std::vector<std::string> out;
        for (const auto& [id, v] : list) out.push_back(piece(*o.tokenizer, id));
        return out;
    };
    nlohmann::json j;
    j["tokens"] = ids;
    j["threshold"] = threshold;
    j["edges"] = nlohmann::json::array();
    if (!json)
        std::printf("routes to the prediction after token %d, edges of importance >= %.3f: %zu of %zu\n",
                    g.tokens - 1, threshold, kept.size(), g.edges.size());
    for (std::size_t k : kept) {
        const FlowEdge& e = g.edges[k];
        nlohmann::json je{{"kind", kindName(e.kind)}, {"layer", e.layer}, {"from", e.from.position},
                          {"to", e.to.position}, {"importance", e.importance}};
        std::string detail;
        if (e.kind == FlowEdge::Attention) {
            je["heads"] = e.heads;
            int best = 0;
            for (int h = 1; h < int(e.heads.size()); ++h)
                if (e.heads[std::size_t(h)] > e.heads[std::size_t(best)]) best = h;
            detail = "mostly head " + std::to_string(best);
        }
        if (e.kind == FlowEdge::Mlp || e.kind == FlowEdge::Attention) {
            const VocabProjection p = projectEdge(*o.model, g, e, -1, 5);
            je["promotes"] = tokens(p.promoted);
            je["suppresses"] = tokens(p.suppressed);
            detail += (detail.empty() ? "" : "; ") + std::string("promotes");
            for (const std::string& t : tokens(p.promoted)) detail += " '" + t + "'";
        }
        if (json) {
            j["edges"].push_back(je);
        } else {
            std::printf("  layer %2d %-9s %3d -> %3d  %.3f  %s\n", e.layer, kindName(e.kind),
                        e.from.position, e.to.position, e.importance, detail.c_str());
        }
    }
    if (json) std::printf("%s\n", j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
}

} // namespace

int attribute(const Args& args) {
    Opened o = openModel(args, "say which model: llmlab-cli attribute MODEL --prompt TEXT --target TOKEN");
    const std::string prompt = option(args, "prompt");
    if (prompt.empty()) throw std::invalid_argument("say what to attribute: --prompt TEXT");
    const std::vector<std::int32_t> ids = o.tokenizer->encode(prompt, {.addSpecial = true});
    if (flag(args, "graph")) return printRoutes(o, ids, std::stod(option(args, "threshold", "0.04")), flag(args, "json"));
    const std::string targetText = option(args, "target");
    if (targetText.empty()) throw std::invalid_argument("name the token to attribute: --target TOKEN");
    const std::int32_t target = singleToken(*o.tokenizer, targetText);
    const std::string versusText = option(args, "versus");
    // Without --versus: the difference to the logits' mean is not defined here, so the most
    // likely other token is taken, as a person comparing two candidates would.
    const std::int32_t versus = versusText.empty() ? likeliestOther(o.model, *o.backend, ids, target)
                                                   : singleToken(*o.tokenizer, versusText);
    const LogitAttribution a = directLogitAttribution(o.model, *o.backend, ids, target, versus);
    const std::string ablate = option(args, "ablate");
    AblationResult ab;
    if (!ablate.empty()) {
        if (ablate != "zero" && ablate != "mean")
            throw std::invalid_argument("--ablate takes zero or mean, not '" + ablate + "'");
        // --reference FILE: mean ablation over every position of its lines, one prompt a line.
        std::vector<std::vector<std::int32_t>> reference;
        if (const std::string file = option(args, "reference"); !file.empty()) {
            if (ablate != "mean") throw std::invalid_argument("--reference goes with --ablate mean");
            std::istringstream lines(readTextFile(file));
            for (std::string line; std::getline(lines, line);)
                if (!line.empty()) reference.push_back(o.tokenizer->encode(line, {.addSpecial = true}));
            if (reference.empty()) throw std::invalid_argument(file + ": holds no prompt (one a line)");
        }
        ab = headAblation(o.model, *o.backend, ids, target, versus,
                          ablate == "zero" ? AblationKind::Zero : AblationKind::Mean, {}, nullptr, reference);
    }
    if (flag(args, "json")) {
        nlohmann::json j;
        j["tokens"] = ids;
        j["target"] = {{"id", target}, {"text", piece(*o.tokenizer, target)}};
        j["versus"] = {{"id", versus}, {"text", piece(*o.tokenizer, versus)}};
        j["logit_diff"] = a.logitDiff;
        j["sum_of_parts"] = a.total();
        j["embedding"] = a.embedding;
        j["heads"] = a.heads;
        j["attn_bias"] = a.attnBias;
        j["mlp"] = a.mlp;
        j["norm_bias"] = a.normBias;
        j["residual_by_layer"] = a.residualByLayer;
        if (!ablate.empty()) {
            j["ablation"] = {{"kind", ablate}, {"diff_change", ab.diffChange},
                             {"loss_change", ab.lossChange}, {"runs", ab.runs}, {"seconds", ab.seconds}};
        }
        std::printf("%s\n", j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::printf("logit('%s') - logit('%s') at the last of %zu tokens: %.4f (parts sum to %.4f)\n",
                piece(*o.tokenizer, target).c_str(), piece(*o.tokenizer, versus).c_str(), ids.size(),
                a.logitDiff, a.total());
    std::printf("embedding %+.4f, final norm bias %+.4f\n", a.embedding, a.normBias);
    printGrid("heads (direct logit attribution):", a.heads, "h");
    std::printf("%8s", "mlp");
    for (double v : a.mlp) std::printf(" %+6.3f", v);
    std::printf("\n%8s", "resid");
    for (double v : a.residualByLayer) std::printf(" %+6.3f", v);
    std::printf("   (the residual stream after each layer)\n");
    if (!ablate.empty())
        printGrid(("change of the difference with each head " + ablate + "-ablated (" +
                   std::to_string(ab.runs) + " runs, " + std::to_string(ab.seconds) + " s):").c_str(),
                  ab.diffChange, "h");
    return 0;
}

int patch(const Args& args) {
    Opened o = openModel(args, "say which model: llmlab-cli patch MODEL --clean TEXT --corrupt TEXT "
                               "--target TOKEN --versus TOKEN");
    const std::string cleanText = option(args, "clean"), corruptText = option(args, "corrupt");
    if (cleanText.empty() || corruptText.empty())
        throw std::invalid_argument("give both prompts: --clean TEXT --corrupt TEXT");
    if (option(args, "target").empty() || option(args, "versus").empty())
        throw std::invalid_argument("name the two tokens: --target TOKEN --versus TOKEN");
    const std::int32_t target = singleToken(*o.tokenizer, option(args, "target"));
    const std::int32_t versus = singleToken(*o.tokenizer, option(args, "versus"));
    const std::vector<std::int32_t> clean = o.tokenizer->encode(cleanText, {.addSpecial = true});
    const std::vector<std::int32_t> corrupt = o.tokenizer->encode(corruptText, {.addSpecial = true});
    const std::string method = option(args, "method", "exact");
    if (method != "exact" && method != "gradient" && method != "both")
        throw std::invalid_argument("--method takes exact, gradient or both, not '" + method + "'");
    PatchingResult exact, fast;
    if (method != "gradient") exact = activationPatching(o.model, *o.backend, clean, corrupt, target, versus);
    if (method != "exact") fast = attributionPatching(o.model, *o.backend, clean, corrupt, target, versus);
    const PatchingResult& r = method == "gradient" ? fast : exact;
    if (flag(args, "json")) {
        nlohmann::json j;
        j["clean_tokens"] = clean;
        j["corrupt_tokens"] = corrupt;
        j["clean_diff"] = r.cleanDiff;
        j["corrupt_diff"] = r.corruptDiff;
        auto grids = [](const PatchingResult& p) {
            return nlohmann::json{{"residual", p.residual}, {"heads", p.heads}, {"runs", p.runs},
                                  {"seconds", p.seconds}};
        };
        if (method != "gradient") j["exact"] = grids(exact);
        if (method != "exact") j["attribution_patching"] = grids(fast);
        if (method == "both")
            j["correlation"] = {{"residual", gridCorrelation(exact.residual, fast.residual)},
                                {"heads", gridCorrelation(exact.heads, fast.heads)}};
        std::printf("%s\n", j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::printf("logit difference: clean %.4f, corrupted %.4f\n", r.cleanDiff, r.corruptDiff);
    auto print = [](const PatchingResult& p, const char* how) {
        std::printf("%s: %d runs in %.2f s\n", how, p.runs, p.seconds);
        printGrid("residual stream patched at (layer, position): fraction recovered", p.residual, "p");
        printGrid("head outputs patched at (layer, head): fraction recovered", p.heads, "h");
    };
    if (method != "gradient") print(exact, "activation patching (exact)");
    if (method != "exact") print(fast, "attribution patching (gradient x difference, estimated)");
    if (method == "both")
        std::printf("correlation of the estimate with exact patching: residual %.3f, heads %.3f\n",
                    gridCorrelation(exact.residual, fast.residual), gridCorrelation(exact.heads, fast.heads));
    return 0;
}

} // namespace llmlab::cli
