#include "ToyModel.h"

#include "Normal.h"

#include <cmath>
#include <stdexcept>

namespace llmlab {

namespace {

std::string blk(int layer, const char* rest) {
    return "blk." + std::to_string(layer) + "." + rest;
}

} // namespace

std::int64_t ToyParams::count() const {
    std::int64_t n = 0;
    for (const auto& [name, shape] : shapes) n += shape.numel();
    return n;
}

void validateToyConfig(const ToyModelConfig& c) {
    auto fail = [](const std::string& s) { throw std::invalid_argument(s); };
    if (c.layers < 1 || c.layers > 16) fail("the toy model takes 1 to 16 layers");
    if (c.dModel < 4 || c.dModel > 2048) fail("d_model must be between 4 and 2048");
    if (c.heads < 1 || c.dModel % c.heads != 0)
        fail("d_model (" + std::to_string(c.dModel) + ") must be a multiple of the head count (" +
             std::to_string(c.heads) + ")");
    if (c.dMlp < 1 || c.dMlp > 16384) fail("d_mlp must be between 1 and 16384");
    if (c.vocab < 2 || c.seqLen < 1) fail("the task gives no tokens");
}

void ToyParams::add(const std::string& name, const Shape& shape, Normal& normal, float stddev,
                    float constant) {
    std::vector<float> v(std::size_t(shape.numel()));
    for (float& x : v) x = stddev > 0 ? normal() * stddev : constant;
    shapes[name] = shape;
    values[name] = std::move(v);
}

ToyParams initToyParams(const ToyModelConfig& c, std::uint64_t seed) {
    validateToyConfig(c);
    ToyParams p;
    Normal normal(seed);
    auto add = [&](const std::string& name, Shape shape, float stddev, float constant = 0.0f) {
        p.add(name, shape, normal, stddev, constant);
    };
    const float d = float(c.dModel);
    add("token_embd.weight", Shape{c.vocab, c.dModel}, 1.0f / std::sqrt(d));
    add("position_embd.weight", Shape{c.seqLen, c.dModel}, 1.0f / std::sqrt(d));
    for (int l = 0; l < c.layers; ++l) {
        if (c.layerNorm) {
            add(blk(l, "attn_norm.weight"), Shape{c.dModel}, 0, 1);
            add(blk(l, "attn_norm.bias"), Shape{c.dModel}, 0, 0);
            add(blk(l, "ffn_norm.weight"), Shape{c.dModel}, 0, 1);
            add(blk(l, "ffn_norm.bias"), Shape{c.dModel}, 0, 0);
        }
        // Linear weights are stored [out, in] as in GGUF, applied as x W^T.
        for (const char* w :
             {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight"})
            add(blk(l, w), Shape{c.dModel, c.dModel}, 1.0f / std::sqrt(d));
        add(blk(l, "ffn_up.weight"), Shape{c.dMlp, c.dModel}, 1.0f / std::sqrt(d));
        add(blk(l, "ffn_up.bias"), Shape{c.dMlp}, 0, 0);
        add(blk(l, "ffn_down.weight"), Shape{c.dModel, c.dMlp}, 1.0f / std::sqrt(d));
        add(blk(l, "ffn_down.bias"), Shape{c.dModel}, 0, 0);
    }
    if (c.layerNorm) {
        add("output_norm.weight", Shape{c.dModel}, 0, 1);
        add("output_norm.bias", Shape{c.dModel}, 0, 0);
    }
    if (!c.tiedUnembed)
        add("output.weight", Shape{c.vocab, c.dModel}, 1.0f / std::sqrt(float(c.vocab)));
    return p;
}

std::vector<std::int32_t> toyAnswerRows(int batch, int seqLen) {
    std::vector<std::int32_t> rows(static_cast<std::size_t>(batch));
    for (int b = 0; b < batch; ++b) rows[std::size_t(b)] = (b + 1) * seqLen - 1;
    return rows;
}

std::vector<std::int32_t> toyPositions(int batch, int seqLen) {
    std::vector<std::int32_t> pos(static_cast<std::size_t>(batch) * std::size_t(seqLen));
    for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = std::int32_t(i % std::size_t(seqLen));
    return pos;
}

ToyForward buildToyForward(Graph& g, const ToyModelConfig& c, const ToyParams& init, int batch) {
    validateToyConfig(c);
    ToyForward f;
    const std::int64_t rows = std::int64_t(batch) * c.seqLen;
    for (const auto& [name, shape] : init.shapes)
        f.params[name] = g.parameter(name, Tensor::fromFloats(shape, init.values.at(name)));
    auto P = [&](const std::string& name) { return f.params.at(name); };
    auto norm = [&](NodeId x, const std::string& prefix) {
        return c.layerNorm ? g.layerNorm(x, P(prefix + ".weight"), P(prefix + ".bias"), 1e-5f) : x;
    };

    f.tokens = g.input("tokens", Shape{rows}, DType::I32);
    f.positions = g.input("positions", Shape{rows}, DType::I32);
    f.answerRows = g.input("answer_rows", Shape{batch}, DType::I32);
    // x: the residual stream [B*T, d]
    NodeId x = g.add(g.embedding(P("token_embd.weight"), f.tokens),
                     g.embedding(P("position_embd.weight"), f.positions));
    const int headDim = c.dModel / c.heads;
    for (int l = 0; l < c.layers; ++l) {
        const bool last = l == c.layers - 1;
        const NodeId h = norm(x, blk(l, "attn_norm"));
        // Keys and values at every position; queries (and everything after attention) at the
        // answer position only in the last layer. The row gather is an embedding lookup, whose
        // backward (a scatter-add) autodiff already knows.
        const NodeId hq = last ? g.embedding(h, f.answerRows) : h;
        const NodeId q = g.matmul(hq, P(blk(l, "attn_q.weight")), true);
        const NodeId k = g.matmul(h, P(blk(l, "attn_k.weight")), true);
        const NodeId v = g.matmul(h, P(blk(l, "attn_v.weight")), true);
        const AttentionNodes a =
            g.attention(q, k, v, c.heads, c.heads, headDim, true, -1, 0.0f, batch);
        g.setName(a.probs, blk(l, "attn_probs"));
        f.attentionProbs.push_back(a.probs);
        if (last) x = g.embedding(x, f.answerRows);
        x = g.add(x, g.matmul(a.output, P(blk(l, "attn_output.weight")), true));
        const NodeId h2 = norm(x, blk(l, "ffn_norm"));
        NodeId up = g.add(g.matmul(h2, P(blk(l, "ffn_up.weight")), true), P(blk(l, "ffn_up.bias")));
        up = c.activation == ToyActivation::Relu ? g.relu(up) : g.gelu(up);
        x = g.add(
            x, g.add(g.matmul(up, P(blk(l, "ffn_down.weight")), true), P(blk(l, "ffn_down.bias"))));
    }
    x = norm(x, "output_norm");
    f.logits = g.matmul(x, P(c.tiedUnembed ? "token_embd.weight" : "output.weight"), true);
    g.setName(f.logits, "logits");
    return f;
}

} // namespace llmlab
