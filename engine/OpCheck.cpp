#include "OpCheck.h"

#include "Half.h"

#include <cmath>
#include <random>
#include <stdexcept>

namespace llmlab {

namespace {

std::vector<float> randomValues(std::mt19937_64& rng, std::int64_t n, float lo = -1, float hi = 1) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(std::size_t(std::max<std::int64_t>(n, 0)));
    for (float& x : v) x = dist(rng);
    return v;
}

/// A single-op graph with its inputs' values, and the nodes to compare.
struct OpGraph {
    Graph graph;
    std::vector<std::pair<NodeId, std::vector<float>>> floatInputs;
    std::vector<std::pair<NodeId, std::vector<std::int32_t>>> intInputs;
    std::vector<NodeId> outputs;
};

std::int64_t dimAt(const OpCase& c, std::size_t i) {
    if (i >= c.dims.size())
        throw std::invalid_argument("op case '" + c.label() + "' needs more dimensions");
    return c.dims[i];
}

NodeId addInput(OpGraph& g, std::mt19937_64& rng, const std::string& name, const Shape& shape) {
    NodeId id = g.graph.input(name, shape);
    g.floatInputs.emplace_back(id, randomValues(rng, shape.numel()));
    return id;
}

NodeId addWeight(OpGraph& g, std::mt19937_64& rng, const std::string& name, const Shape& shape,
                 bool asF16 = false, float lo = -1, float hi = 1) {
    std::vector<float> v = randomValues(rng, shape.numel(), lo, hi);
    if (!asF16) return g.graph.constant(name, Tensor::fromFloats(shape, v));
    Tensor t = Tensor::zeros(DType::F16, shape);
    auto* bits = static_cast<std::uint16_t*>(t.mutableData());
    for (std::size_t i = 0; i < v.size(); ++i) bits[i] = floatToHalf(v[i]);
    return g.graph.constant(name, t);
}

NodeId addPositions(OpGraph& g, std::mt19937_64& rng, std::int64_t tokens) {
    NodeId id = g.graph.input("positions", Shape{tokens}, DType::I32);
    std::uniform_int_distribution<std::int32_t> dist(0, 4095);
    std::vector<std::int32_t> pos(static_cast<std::size_t>(tokens));
    for (auto& p : pos) p = dist(rng);
    g.intInputs.emplace_back(id, pos);
    return id;
}

OpGraph buildOpGraph(const OpCase& c, std::uint64_t seed) {
    OpGraph g;
    std::mt19937_64 rng(seed);
    Graph& G = g.graph;
    const std::string& op = c.op;
    const std::string& var = c.variant;
    NodeId out = -1;
    if (op == "matmul") {
        const std::int64_t m = dimAt(c, 0), k = dimAt(c, 1), n = dimAt(c, 2);
        const bool transB = var.find("transB") != std::string::npos;
        NodeId a = addInput(g, rng, "a", Shape{m, k});
        NodeId b = addWeight(g, rng, "b", transB ? Shape{n, k} : Shape{k, n},
                             var.find("f16") != std::string::npos);
        out = G.matmul(a, b, transB);
    } else if (op == "add" || op == "mul") {
        const std::int64_t rows = dimAt(c, 0), cols = dimAt(c, 1);
        NodeId a = addInput(g, rng, "a", Shape{rows, cols});
        NodeId b = var == "row" ? addWeight(g, rng, "b", Shape{cols})
                                : addInput(g, rng, "b", Shape{rows, cols});
        out = op == "add" ? G.add(a, b) : G.mul(a, b);
    } else if (op == "scale") {
        out = G.scale(addInput(g, rng, "a", Shape{dimAt(c, 0), dimAt(c, 1)}), -1.75f);
    } else if (op == "embedding") {
        const std::int64_t vocab = dimAt(c, 0), dim = dimAt(c, 1), tokens = dimAt(c, 2);
        NodeId table = addWeight(g, rng, "table", Shape{vocab, dim});
        NodeId ids = G.input("ids", Shape{tokens}, DType::I32);
        std::uniform_int_distribution<std::int32_t> dist(-2, std::int32_t(vocab) + 1);
        std::vector<std::int32_t> v(static_cast<std::size_t>(tokens));
        for (auto& x : v) x = dist(rng); // a few out of range on purpose: they give zero rows
        g.intInputs.emplace_back(ids, v);
        out = G.embedding(table, ids);
    } else if (op == "rms_norm" || op == "layer_norm") {
        const std::int64_t rows = dimAt(c, 0), d = dimAt(c, 1);
        NodeId x = addInput(g, rng, "x", Shape{rows, d});
        NodeId w = addWeight(g, rng, "w", Shape{d}, false, 0.5f, 1.5f);
        out = op == "rms_norm" ? G.rmsNorm(x, w, 1e-5f)
                               : G.layerNorm(x, w, addWeight(g, rng, "b", Shape{d}), 1e-5f);
    } else if (op == "rope") {
        const std::int64_t tokens = dimAt(c, 0);
        const int heads = int(dimAt(c, 1)), headDim = int(dimAt(c, 2));
        const int ropeDims = c.dims.size() > 3 ? int(c.dims[3]) : 0;
        NodeId x = addInput(g, rng, "x", Shape{tokens, std::int64_t(heads) * headDim});
        NodeId pos = addPositions(g, rng, tokens);
        const RopeLayout layout =
            var == "rotate_half" ? RopeLayout::RotateHalf : RopeLayout::Interleaved;
        out = G.rope(x, pos, heads, headDim, 10000.0f, layout, ropeDims);
    } else if (op == "softmax") {
        const std::int64_t h = dimAt(c, 0), tq = dimAt(c, 1), tk = dimAt(c, 2);
        NodeId x = addInput(g, rng, "x", Shape{h, tq, tk});
        NodeId mask = -1;
        if (var.find("masked") != std::string::npos) {
            // An additive mask with some -inf entries, as padding masks have.
            std::vector<float> m = randomValues(rng, tq * tk, -2, 2);
            for (std::size_t i = 0; i < m.size(); i += 3) m[i] = -INFINITY;
            mask = G.constant("mask", Tensor::fromFloats(Shape{tq, tk}, m));
        }
        out = G.softmax(x, mask, var.find("causal") != std::string::npos, 3.0f);
    } else if (op == "attn_scores" || op == "attn_values" || op == "attention") {
        const std::int64_t tq = dimAt(c, 0), tk = dimAt(c, 1);
        const int heads = int(dimAt(c, 2)), kvHeads = int(dimAt(c, 3)), hd = int(dimAt(c, 4));
        if (op == "attn_scores") {
            NodeId q = addInput(g, rng, "q", Shape{tq, std::int64_t(heads) * hd});
            NodeId k = addInput(g, rng, "k", Shape{tk, std::int64_t(kvHeads) * hd});
            out = G.attnScores(q, k, heads, kvHeads, hd, 1.0f / std::sqrt(float(hd)));
        } else if (op == "attn_values") {
            NodeId p = addInput(g, rng, "probs", Shape{heads, tq, tk});
            NodeId v = addInput(g, rng, "v", Shape{tk, std::int64_t(kvHeads) * hd});
            out = G.attnValues(p, v, heads, kvHeads, hd);
        } else {
            NodeId q = addInput(g, rng, "q", Shape{tq, std::int64_t(heads) * hd});
            NodeId k = addInput(g, rng, "k", Shape{tk, std::int64_t(kvHeads) * hd});
            NodeId v = addInput(g, rng, "v", Shape{tk, std::int64_t(kvHeads) * hd});
            AttentionNodes a = G.attention(q, k, v, heads, kvHeads, hd, var == "causal");
            G.capture(a.probs);
            g.outputs.push_back(a.probs);
            out = a.output;
        }
    } else if (op == "silu" || op == "gelu" || op == "relu") {
        // Wider than [-1, 1] so the tails of the activations are exercised too.
        NodeId x = G.input("x", Shape{dimAt(c, 0)});
        g.floatInputs.emplace_back(x, randomValues(rng, dimAt(c, 0), -8, 8));
        out = op == "silu" ? G.silu(x) : op == "gelu" ? G.gelu(x) : G.relu(x);
    } else if (op == "swiglu") {
        const std::int64_t n = dimAt(c, 0);
        NodeId gate = G.input("gate", Shape{n});
        g.floatInputs.emplace_back(gate, randomValues(rng, n, -8, 8));
        out = G.swiglu(gate, addInput(g, rng, "up", Shape{n}));
    } else {
        throw std::invalid_argument("op check: unknown op '" + op + "'");
    }
    G.capture(out);
    g.outputs.push_back(out);
    return g;
}

std::vector<std::vector<float>> runOn(Backend& backend, const OpGraph& g) {
    auto exe = backend.compile(g.graph);
    for (const auto& [id, v] : g.floatInputs) exe->setInput(id, std::span<const float>(v));
    for (const auto& [id, v] : g.intInputs) exe->setInput(id, std::span<const std::int32_t>(v));
    exe->run();
    std::vector<std::vector<float>> outs;
    for (NodeId id : g.outputs) outs.push_back(exe->read(id));
    return outs;
}

} // namespace

std::string OpCase::label() const {
    std::string s = op + " ";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
    if (!variant.empty()) s += " " + variant;
    return s;
}

std::vector<OpCase> standardOpCases() {
    return {
        {"matmul", {1, 1, 1}, ""},          {"matmul", {7, 13, 5}, ""},
        {"matmul", {257, 129, 65}, ""},     {"matmul", {64, 64, 64}, ""},
        {"matmul", {1, 256, 255}, "transB"}, {"matmul", {257, 129, 65}, "transB"},
        {"matmul", {33, 100, 17}, "transB f16"}, {"matmul", {130, 67, 200}, "f16"},
        {"add", {1, 1}, ""},                {"add", {7, 13}, "row"},
        {"add", {257, 129}, ""},            {"mul", {7, 13}, ""},
        {"mul", {257, 129}, "row"},         {"scale", {7, 13}, ""},
        {"scale", {257, 129}, ""},          {"embedding", {37, 13, 11}, ""},
        {"embedding", {512, 64, 257}, ""},  {"rms_norm", {1, 1}, ""},
        {"rms_norm", {7, 13}, ""},          {"rms_norm", {3, 5000}, ""},
        {"layer_norm", {1, 1}, ""},         {"layer_norm", {7, 13}, ""},
        {"layer_norm", {3, 5000}, ""},      {"rope", {1, 1, 2}, ""},
        {"rope", {7, 3, 10}, ""},           {"rope", {7, 3, 10}, "rotate_half"},
        {"rope", {65, 8, 64}, ""},          {"rope", {65, 8, 64}, "rotate_half"},
        {"rope", {9, 2, 80, 32}, "rotate_half"}, // partial rotary dims, head dim 80
        {"softmax", {1, 1, 1}, ""},         {"softmax", {3, 7, 13}, "causal"},
        {"softmax", {2, 13, 13}, "masked"}, {"softmax", {4, 65, 129}, "causal masked"},
        {"softmax", {1, 3, 3000}, ""},      {"attn_scores", {1, 1, 1, 1, 1}, ""},
        {"attn_scores", {7, 13, 6, 2, 10}, ""}, {"attn_scores", {65, 129, 8, 4, 48}, ""},
        {"attn_values", {1, 1, 1, 1, 1}, ""}, {"attn_values", {7, 13, 6, 2, 10}, ""},
        {"attn_values", {65, 129, 8, 4, 48}, ""}, {"attention", {7, 7, 4, 4, 12}, "causal"},
        {"attention", {5, 23, 14, 2, 80}, "causal"}, {"attention", {33, 33, 3, 1, 20}, ""},
        {"silu", {1}, ""},                  {"silu", {7919}, ""},
        {"gelu", {1}, ""},                  {"gelu", {7919}, ""},
        {"relu", {1}, ""},                  {"relu", {7919}, ""},
        {"swiglu", {1}, ""},                {"swiglu", {7919}, ""},
    };
}

double opCheckBound(const std::string& op) {
    (void)op;
    // Every op is computed in F32 on both sides; what differs is summation order and the
    // device's exp/tanh/sin/cos, a few ulp each. 1e-7 is about 20 ulp of RMS error.
    return 1e-7;
}

double nmse(const std::vector<float>& ref, const std::vector<float>& test) {
    if (ref.size() != test.size()) return INFINITY;
    double num = 0, den = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double d = double(test[i]) - double(ref[i]);
        if (std::isnan(test[i]) != std::isnan(ref[i])) return INFINITY;
        if (std::isnan(d)) continue; // both NaN
        num += d * d;
        den += double(ref[i]) * ref[i];
    }
    if (den == 0) return num == 0 ? 0 : INFINITY;
    return num / den;
}

OpCheckResult checkOp(const OpCase& c, Backend& reference, Backend& test, std::uint64_t seed) {
    const OpGraph g = buildOpGraph(c, seed);
    const auto ref = runOn(reference, g);
    const auto got = runOn(test, g);
    OpCheckResult r;
    r.opCase = c;
    r.bound = opCheckBound(c.op);
    for (std::size_t i = 0; i < ref.size(); ++i) r.nmse = std::max(r.nmse, nmse(ref[i], got[i]));
    return r;
}

std::vector<OpCheckResult> checkOps(const std::vector<OpCase>& cases, Backend& reference,
                                    Backend& test, const ProgressFn& progress,
                                    const CancelToken* cancel) {
    std::vector<OpCheckResult> results;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        if (cancel && cancel->cancelled()) throw Cancelled();
        if (progress) progress(double(i) / double(cases.size()), cases[i].label());
        results.push_back(checkOp(cases[i], reference, test, 1000 + i));
    }
    if (progress) progress(1.0, "done");
    return results;
}

} // namespace llmlab
