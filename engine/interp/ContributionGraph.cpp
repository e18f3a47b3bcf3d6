#include "interp/ContributionGraph.h"

#include "model/LanguageModel.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace llmlab {

namespace {

std::string blk(int layer, const std::string& rest) {
    return "blk." + std::to_string(layer) + "." + rest;
}

// Index of a node in a flat "reached" table: Pre and Mid of every layer, then the final state.
std::size_t nodeIndex(const ContributionGraph& g, const FlowNode& n) {
    return (std::size_t(n.layer) * 2 + (n.stage == FlowNode::Mid ? 1 : 0)) * std::size_t(g.tokens) +
           std::size_t(n.position);
}

// W_O's columns of one head times a value vector: what that head writes for one source token
// when its attention to it is 1.
void headWrite(const std::vector<float>& wo, int width, int inWidth, int head, int headDim,
               const float* value, float* out) {
    for (int o = 0; o < width; ++o) {
        const float* w = wo.data() + std::size_t(o) * std::size_t(inWidth) + std::size_t(head) * headDim;
        double acc = 0;
        for (int d = 0; d < headDim; ++d) acc += double(w[d]) * value[d];
        out[o] = float(acc);
    }
}

} // namespace

double proximity(const float* x, const float* y, int n) {
    double ny = 0, nd = 0;
    for (int i = 0; i < n; ++i) {
        ny += std::fabs(double(y[i]));
        nd += std::fabs(double(y[i]) - double(x[i]));
    }
    return std::max(0.0, ny - nd);
}

ContributionGraph contributionGraph(std::shared_ptr<const ModelFile> model, Backend& backend,
                                    const std::vector<std::int32_t>& tokens) {
    if (tokens.empty()) throw std::invalid_argument("the prompt gives no tokens");
    const ModelSpec& s = model->spec();
    ContributionGraph g;
    g.layers = s.layers;
    g.heads = s.heads;
    g.tokens = int(tokens.size());
    g.width = s.width;
    g.headDim = s.headDim > 0 ? s.headDim : s.width / s.heads;
    g.kvHeads = s.kvHeads > 0 ? s.kvHeads : s.heads;
    g.ids = tokens;
    const int T = g.tokens, W = g.width, H = g.heads, hd = g.headDim;
    const int group = H / g.kvHeads, vw = g.kvHeads * hd;

    CaptureOptions cap;
    cap.components = true;
    cap.attention = true;
    cap.residual = true;
    InferenceSession session(model, backend, T, cap);
    g.logits = session.prefill(tokens);
    const ForwardCaptures& c = session.captures();
    const int context = c.context;

    std::vector<float> part(static_cast<std::size_t>(W)), headPart(static_cast<std::size_t>(W));
    std::vector<float> mid(static_cast<std::size_t>(T) * W);
    for (int l = 0; l < s.layers; ++l) {
        Shape woShape;
        const std::vector<float> wo = session.originalWeight(blk(l, "attn_output.weight"), &woShape);
        const int inWidth = int(woShape.dim(1));
        const std::vector<float>& pre = l == 0 ? c.embedding : c.residual[std::size_t(l - 1)];
        const std::vector<float>& attn = c.attnOutputs[std::size_t(l)];
        const std::vector<float>& v = c.values[std::size_t(l)];
        const std::vector<float>& z = c.headOutputs[std::size_t(l)];
        const std::vector<float>& p = c.attention[std::size_t(l)];
        // Probabilities compacted to [H, T, T] (the run's cache spans `context` keys).
        std::vector<float> probs(static_cast<std::size_t>(H) * T * T);
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < T; ++i)
                for (int j = 0; j < T; ++j)
                    probs[(std::size_t(h) * T + i) * T + j] = p[(std::size_t(h) * T + i) * context + j];
        // u[j][h]: head h's write for source token j at full attention.
        std::vector<float> u(static_cast<std::size_t>(T) * H * W);
        for (int j = 0; j < T; ++j)
            for (int h = 0; h < H; ++h)
                headWrite(wo, W, inWidth, h, hd, v.data() + std::size_t(j) * vw + std::size_t(h / group) * hd,
                          u.data() + (std::size_t(j) * H + h) * W);
        for (int i = 0; i < T; ++i) {
            const float* x = pre.data() + std::size_t(i) * W;
            float* y = mid.data() + std::size_t(i) * W;
            for (int k = 0; k < W; ++k) y[k] = x[k] + attn[std::size_t(i) * W + k];
            // The output projection's bias: what the block wrote beyond the heads' sum.
            for (int k = 0; k < W; ++k) part[std::size_t(k)] = attn[std::size_t(i) * W + k];
            for (int h = 0; h < H; ++h) {
                headWrite(wo, W, inWidth, h, hd, z.data() + std::size_t(i) * inWidth + std::size_t(h) * hd,
                          headPart.data());
                for (int k = 0; k < W; ++k) part[std::size_t(k)] -= headPart[std::size_t(k)];
            }
            const double biasProx = proximity(part.data(), y, W);
            const double resProx = proximity(x, y, W);
            std::vector<double> tokenProx(static_cast<std::size_t>(i + 1));
            std::vector<std::vector<double>> perHead(static_cast<std::size_t>(i + 1),
                                                     std::vector<double>(static_cast<std::size_t>(H)));
            for (int j = 0; j <= i; ++j) {
                std::fill(part.begin(), part.end(), 0.0f);
                for (int h = 0; h < H; ++h) {
                    const float a = probs[(std::size_t(h) * T + i) * T + j];
                    const float* uj = u.data() + (std::size_t(j) * H + h) * W;
                    for (int k = 0; k < W; ++k) {
                        headPart[std::size_t(k)] = a * uj[k];
                        part[std::size_t(k)] += headPart[std::size_t(k)];
                    }
                    perHead[std::size_t(j)][std::size_t(h)] = proximity(headPart.data(), y, W);
                }
                tokenProx[std::size_t(j)] = proximity(part.data(), y, W);
            }
            const double total = resProx + biasProx +
                                 std::accumulate(tokenProx.begin(), tokenProx.end(), 0.0);
            const double norm = total > 0 ? 1.0 / total : 0.0;
            FlowEdge res{FlowEdge::AttnResidual, l, {l, i, FlowNode::Pre}, {l, i, FlowNode::Mid}, resProx * norm, {}};
            g.edges.push_back(res);
            for (int j = 0; j <= i; ++j) {
                FlowEdge e{FlowEdge::Attention, l, {l, j, FlowNode::Pre}, {l, i, FlowNode::Mid},
                           tokenProx[std::size_t(j)] * norm, {}};
                const std::vector<double>& ph = perHead[std::size_t(j)];
                const double sum = std::accumulate(ph.begin(), ph.end(), 0.0);
                e.heads.resize(static_cast<std::size_t>(H), 0.0);
                for (int h = 0; h < H; ++h)
                    e.heads[std::size_t(h)] = sum > 0 ? e.importance * ph[std::size_t(h)] / sum : 0.0;
                g.edges.push_back(std::move(e));
            }
        }
        // The FFN: the state after it is the state before it plus what it wrote.
        const std::vector<float>& f = c.mlpOutputs[std::size_t(l)];
        const std::vector<float>& out = c.residual[std::size_t(l)];
        for (int i = 0; i < T; ++i) {
            const float* y = out.data() + std::size_t(i) * W;
            const double pr = proximity(mid.data() + std::size_t(i) * W, y, W);
            const double pf = proximity(f.data() + std::size_t(i) * W, y, W);
            const double norm = pr + pf > 0 ? 1.0 / (pr + pf) : 0.0;
            g.edges.push_back({FlowEdge::MlpResidual, l, {l, i, FlowNode::Mid}, {l + 1, i, FlowNode::Pre}, pr * norm, {}});
            g.edges.push_back({FlowEdge::Mlp, l, {l, i, FlowNode::Mid}, {l + 1, i, FlowNode::Pre}, pf * norm, {}});
        }
        g.attnOut.push_back(attn);
        g.mlpOut.push_back(f);
        g.values.push_back(v);
        g.probs.push_back(std::move(probs));
    }
    return g;
}

std::vector<std::size_t> informationRoutes(const ContributionGraph& g, int position, double threshold) {
    if (position < 0) position = g.tokens - 1;
    if (position >= g.tokens)
        throw std::invalid_argument("position " + std::to_string(position) + " is past the prompt");
    std::vector<bool> reached((std::size_t(g.layers) * 2 + 1) * std::size_t(g.tokens), false);
    reached[nodeIndex(g, {g.layers, position, FlowNode::Pre})] = true;
    // Edges into a layer's final state come from its FFN, edges into its middle state from its
    // attention: walking the layers down, FFN edges first, reaches every source before its
    // own incoming edges are looked at.
    std::vector<std::vector<std::size_t>> byLayer(static_cast<std::size_t>(g.layers));
    for (std::size_t e = 0; e < g.edges.size(); ++e) byLayer[std::size_t(g.edges[e].layer)].push_back(e);
    std::vector<std::size_t> kept;
    for (int l = g.layers - 1; l >= 0; --l)
        for (bool ffn : {true, false})
            for (std::size_t e : byLayer[std::size_t(l)]) {
                const FlowEdge& edge = g.edges[e];
                const bool isFfn = edge.kind == FlowEdge::Mlp || edge.kind == FlowEdge::MlpResidual;
                if (isFfn != ffn || edge.importance < threshold || !reached[nodeIndex(g, edge.to)]) continue;
                reached[nodeIndex(g, edge.from)] = true;
                kept.push_back(e);
            }
    return kept;
}

VocabProjection projectEdge(const ModelFile& model, const ContributionGraph& g, const FlowEdge& edge,
                            int head, int k) {
    VocabProjection r;
    const int W = g.width, T = g.tokens, hd = g.headDim;
    std::vector<float> vec(static_cast<std::size_t>(W), 0.0f);
    if (edge.kind == FlowEdge::Mlp) {
        const float* f = g.mlpOut[std::size_t(edge.layer)].data() + std::size_t(edge.to.position) * W;
        std::copy(f, f + W, vec.begin());
    } else if (edge.kind == FlowEdge::Attention) {
        Shape shape;
        const std::vector<float> wo = model.outInFloats(blk(edge.layer, "attn_output.weight"), &shape);
        const int inWidth = int(shape.dim(1)), group = g.heads / g.kvHeads, vw = g.kvHeads * hd;
        const std::vector<float>& v = g.values[std::size_t(edge.layer)];
        const std::vector<float>& p = g.probs[std::size_t(edge.layer)];
        std::vector<float> w(static_cast<std::size_t>(W));
        for (int h = 0; h < g.heads; ++h) {
            if (head >= 0 && h != head) continue;
            const float a = p[(std::size_t(h) * T + edge.to.position) * T + edge.from.position];
            headWrite(wo, W, inWidth, h, hd,
                      v.data() + std::size_t(edge.from.position) * vw + std::size_t(h / group) * hd, w.data());
            for (int i = 0; i < W; ++i) vec[std::size_t(i)] += a * w[std::size_t(i)];
        }
    } else {
        return r;
    }
    // Through the final norm's scale (centred first for a LayerNorm) and the unembedding.
    const std::vector<float> scale = model.outInFloats("output_norm.weight");
    if (model.spec().norm == NormKind::LayerNorm) {
        const double mean = std::accumulate(vec.begin(), vec.end(), 0.0) / W;
        for (float& x : vec) x = float(x - mean);
    }
    for (int i = 0; i < W; ++i) vec[std::size_t(i)] *= scale[std::size_t(i)];
    const std::vector<float> wu =
        model.outInFloats(model.find("output.weight") ? "output.weight" : "token_embd.weight");
    const int V = int(wu.size() / std::size_t(W));
    std::vector<std::pair<std::int32_t, double>> logits(static_cast<std::size_t>(V));
    for (int t = 0; t < V; ++t) {
        const float* row = wu.data() + std::size_t(t) * W;
        double acc = 0;
        for (int i = 0; i < W; ++i) acc += double(row[i]) * vec[std::size_t(i)];
        logits[std::size_t(t)] = {t, acc};
    }
    const std::size_t n = std::min<std::size_t>(std::size_t(std::max(0, k)), logits.size());
    auto top = logits;
    std::partial_sort(top.begin(), top.begin() + std::ptrdiff_t(n), top.end(),
                      [](const auto& a, const auto& b) { return a.second > b.second; });
    r.promoted.assign(top.begin(), top.begin() + std::ptrdiff_t(n));
    std::partial_sort(logits.begin(), logits.begin() + std::ptrdiff_t(n), logits.end(),
                      [](const auto& a, const auto& b) { return a.second < b.second; });
    r.suppressed.assign(logits.begin(), logits.begin() + std::ptrdiff_t(n));
    return r;
}

} // namespace llmlab
