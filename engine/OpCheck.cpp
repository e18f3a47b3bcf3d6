#include "OpCheck.h"

#include "Half.h"
#include "formats/BlockQuant.h"
#include "quant/Quantize.h"

#include <cmath>
#include <cstring>
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

using FloatValues = std::vector<std::pair<NodeId, std::vector<float>>>;

/// A single-op graph with its inputs' values, and the nodes to compare (after the last run).
struct OpGraph {
    Graph graph;
    FloatValues floatInputs; ///< before the first run (inputs, parameters or states)
    std::vector<std::pair<NodeId, std::vector<std::int32_t>>> intInputs;
    /// Ops that keep state between runs (AdamW, GradEma) run again once per entry, after
    /// setting the values it lists.
    std::vector<FloatValues> laterRuns;
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

// The byte offsets of a block's f16 scale fields (and 4 for Q8_K's f32 scale), so random
// bytes can be made into blocks with sane scales for the types llmlab can't quantize.
std::vector<int> scaleFields(DType t) {
    switch (t) {
    case DType::Q4_1:
    case DType::Q5_1:
    case DType::Q4_K:
    case DType::Q5_K:
        return {0, 2};
    case DType::Q2_K:
        return {80, 82};
    case DType::Q3_K:
        return {108};
    case DType::Q6_K:
        return {208};
    default:
        return {0};
    }
}

// A weight matrix in a packed type: F16/BF16 converted, quantized from random values where
// llmlab has the quantizer, else random blocks with small scales.
Tensor randomPacked(std::mt19937_64& rng, DType type, const Shape& shape) {
    Tensor t = Tensor::zeros(type, shape);
    auto* bytes = static_cast<std::uint8_t*>(t.mutableData());
    const std::vector<float> v = randomValues(rng, shape.numel());
    if (type == DType::F16 || type == DType::BF16) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::uint16_t h = type == DType::F16 ? floatToHalf(v[i]) : floatToBf16(v[i]);
            std::memcpy(bytes + 2 * i, &h, 2);
        }
    } else if (!quantizeBlocks(type, v.data(), bytes, shape.numel())) {
        std::uniform_int_distribution<int> byte(0, 255);
        for (std::size_t i = 0; i < t.byteSize(); ++i) bytes[i] = std::uint8_t(byte(rng));
        const std::int64_t blockBytes = dtypeBlockBytes(type);
        for (std::int64_t b = 0; b < std::int64_t(t.byteSize()); b += blockBytes) {
            if (type == DType::Q8_K) {
                const float d = 0.01f;
                std::memcpy(bytes + b, &d, 4);
                continue;
            }
            for (int off : scaleFields(type)) {
                const std::uint16_t h = floatToHalf(0.01f + 0.001f * float(off));
                std::memcpy(bytes + b + off, &h, 2);
            }
        }
    }
    return t;
}

DType packedType(const OpCase& c) {
    for (DType t :
         {DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
          DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K})
        if (c.variant == dtypeName(t)) return t;
    throw std::invalid_argument("op case '" + c.label() + "' names no packed type");
}

// The packed weight of matmul_packed / embedding_packed; widened to F32 for the reference run,
// so the reference is plain float arithmetic on exactly the weights the test side unpacks.
NodeId addPackedWeight(OpGraph& g, std::mt19937_64& rng, const OpCase& c, const Shape& shape,
                       bool widen) {
    Tensor t = randomPacked(rng, packedType(c), shape);
    if (widen) {
        registerQuantFormats();
        const std::vector<float> f = t.toFloats();
        t = Tensor::fromFloats(shape, f);
    }
    return g.graph.constant("w", t);
}

NodeId addPositions(OpGraph& g, std::mt19937_64& rng, std::int64_t tokens) {
    NodeId id = g.graph.input("positions", Shape{tokens}, DType::I32);
    std::uniform_int_distribution<std::int32_t> dist(0, 4095);
    std::vector<std::int32_t> pos(static_cast<std::size_t>(tokens));
    for (auto& p : pos) p = dist(rng);
    g.intInputs.emplace_back(id, pos);
    return id;
}

/// The shape given by all of a case's dims (rank 1 to 4).
Shape shapeOf(const OpCase& c) {
    if (c.dims.empty() || c.dims.size() > 4)
        throw std::invalid_argument("op case '" + c.label() + "' needs 1 to 4 dimensions");
    return Shape::fromDims(c.dims);
}

NodeId addInts(OpGraph& g, std::mt19937_64& rng, const std::string& name, std::int64_t count,
               std::int32_t lo, std::int32_t hi) {
    NodeId id = g.graph.input(name, Shape{count}, DType::I32);
    std::uniform_int_distribution<std::int32_t> dist(lo, hi);
    std::vector<std::int32_t> v(static_cast<std::size_t>(count));
    for (auto& x : v) x = dist(rng);
    g.intInputs.emplace_back(id, v);
    return id;
}

/// The gradient ops, cross entropy and the optimiser steps; -1 when `c.op` is none of them.
NodeId buildTrainingOp(OpGraph& g, const OpCase& c, std::mt19937_64& rng) {
    Graph& G = g.graph;
    const std::string& op = c.op;
    const std::string& var = c.variant;
    if (op == "relu_grad" || op == "gelu_grad" || op == "silu_grad") {
        const std::int64_t n = dimAt(c, 0);
        NodeId dy = addInput(g, rng, "dy", Shape{n});
        NodeId x = G.input("x", Shape{n});
        g.floatInputs.emplace_back(x, randomValues(rng, n, -8, 8)); // the tails too
        const OpKind kind = op == "relu_grad"   ? OpKind::ReluGrad
                            : op == "gelu_grad" ? OpKind::GeluGrad
                                                : OpKind::SiluGrad;
        return G.gradOp(kind, {dy, x}, Shape{n});
    }
    if (op == "softmax_grad") {
        const Shape shape{dimAt(c, 0), dimAt(c, 1), dimAt(c, 2)};
        NodeId dy = addInput(g, rng, "dy", shape);
        NodeId y = G.input("y", shape);
        g.floatInputs.emplace_back(y, randomValues(rng, shape.numel(), 0, 1));
        OpParams p;
        p.scale = 3.0f;
        return G.gradOp(OpKind::SoftmaxGrad, {dy, y}, shape, p);
    }
    if (op == "rms_norm_grad" || op == "layer_norm_grad") {
        const Shape shape{dimAt(c, 0), dimAt(c, 1)};
        NodeId dy = addInput(g, rng, "dy", shape);
        NodeId x = addInput(g, rng, "x", shape);
        NodeId w = addWeight(g, rng, "w", Shape{shape.dim(1)}, false, 0.5f, 1.5f);
        OpParams p;
        p.eps = 1e-5f;
        return G.gradOp(op == "rms_norm_grad" ? OpKind::RmsNormGrad : OpKind::LayerNormGrad,
                        {dy, x, w}, shape, p);
    }
    if (op == "column_sum")
        return G.columnSum(addInput(g, rng, "x", Shape{dimAt(c, 0), dimAt(c, 1)}));
    if (op == "embedding_grad") {
        const std::int64_t vocab = dimAt(c, 0), dim = dimAt(c, 1), tokens = dimAt(c, 2);
        NodeId dy = addInput(g, rng, "dy", Shape{tokens, dim});
        // Repeated ids (several tokens add into one row) and a few out of range (dropped).
        NodeId ids = addInts(g, rng, "ids", tokens, -2, std::int32_t(vocab) + 1);
        OpParams p;
        p.rows = vocab;
        return G.gradOp(OpKind::EmbeddingGrad, {dy, ids}, Shape{vocab, dim}, p);
    }
    if (op.rfind("attn_scores_grad", 0) == 0 || op.rfind("attn_values_grad", 0) == 0) {
        const std::int64_t tq = dimAt(c, 0), tk = dimAt(c, 1);
        const int heads = int(dimAt(c, 2)), kvHeads = int(dimAt(c, 3)), hd = int(dimAt(c, 4));
        const std::int64_t b = c.dims.size() > 5 ? c.dims[5] : 1;
        const Shape scores{b * heads, tq, tk};
        const Shape qShape{b * tq, std::int64_t(heads) * hd};
        const Shape kShape{b * tk, std::int64_t(kvHeads) * hd};
        OpParams p;
        p.heads = heads;
        p.kvHeads = kvHeads;
        p.headDim = hd;
        p.batch = int(b);
        p.scale = 1.0f / std::sqrt(float(hd));
        if (op == "attn_scores_grad_q")
            return G.gradOp(OpKind::AttnScoresGradQ,
                            {addInput(g, rng, "dScores", scores), addInput(g, rng, "k", kShape)},
                            qShape, p);
        if (op == "attn_scores_grad_k")
            return G.gradOp(OpKind::AttnScoresGradK,
                            {addInput(g, rng, "dScores", scores), addInput(g, rng, "q", qShape)},
                            kShape, p);
        if (op == "attn_values_grad_p")
            return G.gradOp(OpKind::AttnValuesGradP,
                            {addInput(g, rng, "dOut", qShape), addInput(g, rng, "v", kShape)},
                            scores, p);
        return G.gradOp(OpKind::AttnValuesGradV,
                        {addInput(g, rng, "dOut", qShape), addInput(g, rng, "probs", scores)},
                        kShape, p);
    }
    if (op == "cross_entropy" || op == "cross_entropy_grad") {
        const std::int64_t rows = dimAt(c, 0), vocab = dimAt(c, 1);
        NodeId logits = G.input("logits", Shape{rows, vocab});
        g.floatInputs.emplace_back(logits, randomValues(rng, rows * vocab, -4, 4));
        // Labels -1 and V are outside [0, V): a zero loss and a zero gradient row.
        NodeId labels = addInts(g, rng, "labels", rows, -1, std::int32_t(vocab));
        return op == "cross_entropy" ? G.crossEntropy(logits, labels)
                                     : G.crossEntropyGrad(logits, labels, 1.0f / float(rows));
    }
    if (op == "sum_squares") return G.sumSquares(addInput(g, rng, "x", shapeOf(c)));
    if (op == "adamw") {
        // Two steps with different gradients and scalars: the second reads the moments the
        // first wrote, so param, m and v after it check that they persist between runs.
        const Shape shape = shapeOf(c);
        const bool clip = var.find("clip") != std::string::npos;
        NodeId param =
            G.parameter("param", Tensor::fromFloats(shape, randomValues(rng, shape.numel())));
        NodeId grad = addInput(g, rng, "grad", shape);
        NodeId m = G.state("m", shape);
        NodeId v = G.state("v", shape);
        NodeId scalars = G.input("scalars", Shape{kAdamWScalars});
        NodeId normSq = clip ? G.input("normSq", Shape{1}) : -1;
        OpParams p;
        p.eps = 1e-8f;
        p.weightDecay = var.find("decay") != std::string::npos ? 0.1f : 0.0f;
        p.clipNorm = clip ? 1.0f : 0.0f;
        const NodeId out = G.adamw(param, grad, m, v, scalars, normSq, p);
        // "skip": the second run is a micro-batch of gradient accumulation, which must leave
        // param, m and v as the first run wrote them.
        const float skipSecond = var.find("skip") != std::string::npos ? 1.0f : 0.0f;
        auto stepScalars = [&](float lr, int t, float skip = 0.0f) {
            return std::vector<float>{lr, float(1.0 / (1.0 - std::pow(double(p.beta1), t))),
                                      float(1.0 / (1.0 - std::pow(double(p.beta2), t))), skip};
        };
        g.floatInputs.emplace_back(scalars, stepScalars(1e-2f, 1));
        if (var.find("resume") != std::string::npos) { // as when loading a checkpoint
            g.floatInputs.emplace_back(param, randomValues(rng, shape.numel()));
            g.floatInputs.emplace_back(m, randomValues(rng, shape.numel(), -0.1f, 0.1f));
            g.floatInputs.emplace_back(v, randomValues(rng, shape.numel(), 0.0f, 0.01f));
        }
        FloatValues second = {{grad, randomValues(rng, shape.numel())},
                              {scalars, stepScalars(5e-3f, 2, skipSecond)}};
        if (clip) { // clipped by 1/3 in the first step, not in the second
            g.floatInputs.emplace_back(normSq, std::vector<float>{9.0f});
            second.emplace_back(normSq, std::vector<float>{0.25f});
        }
        g.laterRuns.push_back(std::move(second));
        g.outputs = {param, m, v}; // readable without capture, as parameters and states are
        return out;
    }
    if (op == "grad_ema") {
        const Shape shape = shapeOf(c);
        NodeId grad = addInput(g, rng, "grad", shape);
        NodeId ema = G.state("ema", shape);
        g.laterRuns.push_back({{grad, randomValues(rng, shape.numel())}});
        g.outputs = {ema};
        return G.gradEma(grad, ema, 0.9f, 2.0f);
    }
    return -1;
}

// `reference`: the graph for the reference backend (packed weights widened to F32).
OpGraph buildOpGraph(const OpCase& c, std::uint64_t seed, bool reference = false) {
    OpGraph g;
    std::mt19937_64 rng(seed);
    Graph& G = g.graph;
    const std::string& op = c.op;
    const std::string& var = c.variant;
    NodeId out = -1;
    if (op == "matmul") {
        const std::int64_t m = dimAt(c, 0), k = dimAt(c, 1), n = dimAt(c, 2);
        const bool transB = var.find("transB") != std::string::npos;
        const bool transA = var.find("transA") != std::string::npos;
        NodeId a = addInput(g, rng, "a", transA ? Shape{k, m} : Shape{m, k});
        NodeId b = addWeight(g, rng, "b", transB ? Shape{n, k} : Shape{k, n},
                             var.find("f16") != std::string::npos);
        out = G.matmul(a, b, transB, transA);
    } else if (op == "matmul_packed") { // x [M,K] times a packed weight w [N,K], transposed
        const std::int64_t m = dimAt(c, 0), k = dimAt(c, 1), n = dimAt(c, 2);
        NodeId a = addInput(g, rng, "a", Shape{m, k});
        out = G.matmul(a, addPackedWeight(g, rng, c, Shape{n, k}, reference), true);
    } else if (op == "embedding_packed") {
        const std::int64_t vocab = dimAt(c, 0), dim = dimAt(c, 1), tokens = dimAt(c, 2);
        NodeId table = addPackedWeight(g, rng, c, Shape{vocab, dim}, reference);
        out = G.embedding(table, addInts(g, rng, "ids", tokens, -2, std::int32_t(vocab) + 1));
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
        const RopeLayout layout = var.rfind("rotate_half", 0) == 0 ? RopeLayout::RotateHalf
                                                                   : RopeLayout::Interleaved;
        out = G.rope(x, pos, heads, headDim, 10000.0f, layout, ropeDims);
        // The backward pass: the inverse rotation.
        if (var.find("inverse") != std::string::npos) G.setRopeInverse(out, true);
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
        const int b = c.dims.size() > 5 ? int(c.dims[5]) : 1; // sequences in the batch
        const Shape qShape{b * tq, std::int64_t(heads) * hd};
        const Shape kShape{b * tk, std::int64_t(kvHeads) * hd};
        if (op == "attn_scores") {
            NodeId q = addInput(g, rng, "q", qShape);
            NodeId k = addInput(g, rng, "k", kShape);
            out = G.attnScores(q, k, heads, kvHeads, hd, 1.0f / std::sqrt(float(hd)), b);
        } else if (op == "attn_values") {
            NodeId p = addInput(g, rng, "probs", Shape{b * heads, tq, tk});
            NodeId v = addInput(g, rng, "v", kShape);
            out = G.attnValues(p, v, heads, kvHeads, hd, b);
        } else {
            NodeId q = addInput(g, rng, "q", qShape);
            NodeId k = addInput(g, rng, "k", kShape);
            NodeId v = addInput(g, rng, "v", kShape);
            NodeId mask = -1;
            if (var.find("mask") != std::string::npos) { // some keys -inf, the rest weighted
                std::vector<float> m = randomValues(rng, tq * tk);
                for (std::size_t i = 0; i < m.size(); i += 5) m[i] = -INFINITY;
                mask = G.constant("mask", Tensor::fromFloats(Shape{tq, tk}, m));
            }
            AttentionNodes a = G.attention(q, k, v, heads, kvHeads, hd,
                                           var.find("causal") != std::string::npos, mask, 0.0f, b);
            // "fused": only the output is read, so a backend may compute it in one pass
            // (Vulkan's flash attention); otherwise the probabilities are checked too.
            if (var.find("fused") == std::string::npos) {
                G.capture(a.probs);
                g.outputs.push_back(a.probs);
            }
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
    } else if ((out = buildTrainingOp(g, c, rng)) >= 0) {
        // a training op
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
    for (const FloatValues& values : g.laterRuns) {
        for (const auto& [id, v] : values) exe->setInput(id, std::span<const float>(v));
        exe->run();
    }
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
    std::vector<OpCase> cases = {
        {"matmul", {1, 1, 1}, ""},
        {"matmul", {7, 13, 5}, ""},
        {"matmul", {257, 129, 65}, ""},
        {"matmul", {64, 64, 64}, ""},
        {"matmul", {1, 256, 255}, "transB"},
        {"matmul", {5, 96, 37}, "transB"}, // a few rows: the matrix-vector shader
        {"matmul", {3, 172, 9}, "transB"},  // ... with a short last unit of 32
        {"matmul", {257, 129, 65}, "transB"},
        {"matmul", {33, 100, 17}, "transB f16"},
        {"matmul", {130, 67, 200}, "f16"},
        {"add", {1, 1}, ""},
        {"add", {7, 13}, "row"},
        {"add", {257, 129}, ""},
        {"mul", {7, 13}, ""},
        {"mul", {257, 129}, "row"},
        {"scale", {7, 13}, ""},
        {"scale", {257, 129}, ""},
        {"embedding", {37, 13, 11}, ""},
        {"embedding", {512, 64, 257}, ""},
        {"rms_norm", {1, 1}, ""},
        {"rms_norm", {7, 13}, ""},
        {"rms_norm", {3, 5000}, ""},
        {"layer_norm", {1, 1}, ""},
        {"layer_norm", {7, 13}, ""},
        {"layer_norm", {3, 5000}, ""},
        {"rope", {1, 1, 2}, ""},
        {"rope", {7, 3, 10}, ""},
        {"rope", {7, 3, 10}, "rotate_half"},
        {"rope", {65, 8, 64}, ""},
        {"rope", {65, 8, 64}, "rotate_half"},
        {"rope", {9, 2, 80, 32}, "rotate_half"}, // partial rotary dims, head dim 80
        {"rope", {65, 4, 16}, "inverse"},
        {"rope", {9, 2, 80, 32}, "rotate_half_inverse"},
        {"softmax", {1, 1, 1}, ""},
        {"softmax", {3, 7, 13}, "causal"},
        {"softmax", {2, 13, 13}, "masked"},
        {"softmax", {4, 65, 129}, "causal masked"},
        {"softmax", {1, 3, 3000}, ""},
        {"attn_scores", {1, 1, 1, 1, 1}, ""},
        {"attn_scores", {7, 13, 6, 2, 10}, ""},
        {"attn_scores", {65, 129, 8, 4, 48}, ""},
        {"attn_values", {1, 1, 1, 1, 1}, ""},
        {"attn_values", {7, 13, 6, 2, 10}, ""},
        {"attn_values", {65, 129, 8, 4, 48}, ""},
        {"attention", {7, 7, 4, 4, 12}, "causal"},
        {"attention", {5, 23, 14, 2, 80}, "causal"},
        {"attention", {33, 33, 3, 1, 20}, ""},
        {"attention", {7, 7, 4, 4, 12}, "causal fused"},
        {"attention", {70, 70, 6, 2, 64}, "causal fused"},      // several row blocks and key tiles
        {"attention", {5, 23, 14, 2, 80}, "causal fused"},       // Tq < Tk: a cache before the prompt
        {"attention", {33, 40, 3, 1, 20}, "mask fused"},
        {"attention", {17, 17, 4, 2, 128, 2}, "causal fused"},   // two sequences, the widest heads
        {"silu", {1}, ""},
        {"silu", {7919}, ""},
        {"gelu", {1}, ""},
        {"gelu", {7919}, ""},
        {"relu", {1}, ""},
        {"relu", {7919}, ""},
        {"swiglu", {1}, ""},
        {"swiglu", {7919}, ""},

        // Training: transposed-a matmul (weight gradients), batched attention, gradient ops,
        // loss and optimiser. Attention dims: Tq, Tk, heads, KV heads, head dim[, batch].
        {"matmul", {1, 1, 1}, "transA"},
        {"matmul", {7, 13, 5}, "transA"},
        {"matmul", {257, 129, 65}, "transA"},
        {"matmul", {64, 300, 64}, "transA"},
        {"attn_scores", {7, 13, 6, 2, 10, 3}, "batch"},
        {"attn_values", {7, 13, 6, 2, 10, 3}, "batch"},
        {"attention", {9, 9, 4, 2, 12, 3}, "causal"},
        {"relu_grad", {1}, ""},
        {"relu_grad", {7919}, ""},
        {"gelu_grad", {1}, ""},
        {"gelu_grad", {7919}, ""},
        {"silu_grad", {1}, ""},
        {"silu_grad", {7919}, ""},
        {"softmax_grad", {1, 1, 1}, ""},
        {"softmax_grad", {3, 7, 13}, ""},
        {"softmax_grad", {4, 65, 129}, ""},
        {"softmax_grad", {1, 3, 3000}, ""},
        // Not 1x1 for rms_norm_grad: with one column dx = dy w eps / (x^2 + eps) comes from
        // cancelling two terms equal to ~1e-4 relative, which F32 cannot resolve (the CPU
        // reference works in double); a row of two already is well conditioned.
        {"rms_norm_grad", {1, 2}, ""},
        {"rms_norm_grad", {7, 13}, ""},
        {"rms_norm_grad", {257, 129}, ""},
        {"rms_norm_grad", {3, 5000}, ""},
        {"layer_norm_grad", {1, 1}, ""},
        {"layer_norm_grad", {7, 13}, ""},
        {"layer_norm_grad", {257, 129}, ""},
        {"layer_norm_grad", {3, 5000}, ""},
        {"column_sum", {1, 1}, ""},
        {"column_sum", {7, 13}, ""},
        {"column_sum", {257, 129}, ""},
        {"column_sum", {3000, 5}, ""},
        {"embedding_grad", {1, 1, 1}, ""},
        {"embedding_grad", {37, 13, 11}, ""},
        {"embedding_grad", {512, 64, 257}, ""},
        {"embedding_grad", {5, 7, 300}, ""},
        {"attn_scores_grad_q", {1, 1, 1, 1, 1}, ""},
        {"attn_scores_grad_q", {7, 13, 6, 2, 10}, ""},
        {"attn_scores_grad_q", {65, 129, 8, 4, 48}, ""},
        {"attn_scores_grad_q", {7, 13, 6, 2, 10, 3}, "batch"},
        {"attn_scores_grad_k", {1, 1, 1, 1, 1}, ""},
        {"attn_scores_grad_k", {7, 13, 6, 2, 10}, ""},
        {"attn_scores_grad_k", {65, 129, 8, 4, 48}, ""},
        {"attn_scores_grad_k", {7, 13, 6, 2, 10, 3}, "batch"},
        {"attn_values_grad_p", {1, 1, 1, 1, 1}, ""},
        {"attn_values_grad_p", {7, 13, 6, 2, 10}, ""},
        {"attn_values_grad_p", {65, 129, 8, 4, 48}, ""},
        {"attn_values_grad_p", {7, 13, 6, 2, 10, 3}, "batch"},
        {"attn_values_grad_v", {1, 1, 1, 1, 1}, ""},
        {"attn_values_grad_v", {7, 13, 6, 2, 10}, ""},
        {"attn_values_grad_v", {65, 129, 8, 4, 48}, ""},
        {"attn_values_grad_v", {7, 13, 6, 2, 10, 3}, "batch"},
        {"cross_entropy", {1, 1}, ""},
        {"cross_entropy", {7, 13}, ""},
        {"cross_entropy", {257, 129}, ""},
        {"cross_entropy", {3, 5000}, ""},
        {"cross_entropy_grad", {1, 1}, ""},
        {"cross_entropy_grad", {7, 13}, ""},
        {"cross_entropy_grad", {257, 129}, ""},
        {"cross_entropy_grad", {3, 5000}, ""},
        {"sum_squares", {1}, ""},
        {"sum_squares", {7, 13}, ""},
        {"sum_squares", {257, 129}, ""},
        {"sum_squares", {1000003}, ""},
        {"adamw", {1}, ""},
        {"adamw", {7, 13}, "clip"},
        {"adamw", {257, 129}, "decay resume"},
        {"adamw", {33, 5}, "clip decay resume"},
        {"adamw", {65, 3}, "decay skip"},
        {"grad_ema", {1}, ""},
        {"grad_ema", {7, 13}, ""},
        {"grad_ema", {257, 129}, ""},
    };
    // Weights kept packed on the device (F16, BF16, every GGUF block type): the
    // matrix-vector kernel (M <= 8) and the tiled one, and the embedding gather.
    for (const char* type : {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K",
                             "Q4_K", "Q5_K", "Q6_K", "Q8_K"}) {
        cases.push_back({"matmul_packed", {1, 512, 67}, type});
        cases.push_back({"matmul_packed", {5, 768, 33}, type});
        cases.push_back({"matmul_packed", {37, 256, 70}, type});
        cases.push_back({"embedding_packed", {19, 512, 9}, type});
    }
    return cases;
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
    const bool packed = c.op.find("_packed") != std::string::npos;
    const auto ref = runOn(reference, packed ? buildOpGraph(c, seed, true) : g);
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
