#include "LmModel.h"

#include "train/Normal.h"

#include <cmath>
#include <stdexcept>

namespace llmlab {

namespace {
std::string blk(int layer, const char* rest) {
    return "blk." + std::to_string(layer) + "." + rest;
}
} // namespace

int LmConfig::ffnWidth() const {
    if (dFf > 0) return dFf;
    const int f = (8 * dModel + 2) / 3;
    return (f + 15) / 16 * 16;
}

std::int64_t LmConfig::parameterCount() const {
    const std::int64_t d = dModel, f = ffnWidth(), v = vocab;
    const std::int64_t block = 4 * d * d + 3 * d * f + 2 * d;
    return 2 * v * d + d + layers * block;
}

void validateLmConfig(const LmConfig& c) {
    if (c.layers < 1 || c.layers > 64)
        throw std::invalid_argument("a model needs 1 to 64 layers");
    if (c.dModel < 8 || c.dModel > 4096)
        throw std::invalid_argument("the model width must be 8 to 4096");
    if (c.heads < 1 || c.dModel % c.heads != 0 || (c.dModel / c.heads) % 2 != 0)
        throw std::invalid_argument("the width must split into heads of an even size (width " +
                                    std::to_string(c.dModel) + ", " + std::to_string(c.heads) +
                                    " heads)");
    if (c.vocab < 2) throw std::invalid_argument("the vocabulary is empty");
    if (c.context < 2 || c.context > 8192)
        throw std::invalid_argument("the context must be 2 to 8192 tokens");
}

ToyParams initLmParams(const LmConfig& c, std::uint64_t seed) {
    validateLmConfig(c);
    ToyParams p;
    Normal normal(seed);
    auto add = [&](const std::string& name, Shape shape, float stddev, float constant = 0.0f) {
        p.add(name, shape, normal, stddev, constant);
    };
    const std::int64_t d = c.dModel, f = c.ffnWidth();
    const float inD = 1.0f / std::sqrt(float(d)), inF = 1.0f / std::sqrt(float(f));
    const float residual = 1.0f / std::sqrt(2.0f * float(c.layers));
    add("token_embd.weight", Shape{c.vocab, d}, 1.0f);
    for (int l = 0; l < c.layers; ++l) {
        add(blk(l, "attn_norm.weight"), Shape{d}, 0, 1);
        add(blk(l, "attn_q.weight"), Shape{d, d}, inD);
        add(blk(l, "attn_k.weight"), Shape{d, d}, inD);
        add(blk(l, "attn_v.weight"), Shape{d, d}, inD);
        add(blk(l, "attn_output.weight"), Shape{d, d}, inD * residual);
        add(blk(l, "ffn_norm.weight"), Shape{d}, 0, 1);
        add(blk(l, "ffn_gate.weight"), Shape{f, d}, inD);
        add(blk(l, "ffn_up.weight"), Shape{f, d}, inD);
        add(blk(l, "ffn_down.weight"), Shape{d, f}, inF * residual);
    }
    add("output_norm.weight", Shape{d}, 0, 1);
    add("output.weight", Shape{c.vocab, d}, inD);
    return p;
}

LmForward buildLmForward(Graph& g, const LmConfig& c, const ToyParams& init, int batch,
                         int seqLen) {
    validateLmConfig(c);
    if (batch < 1 || seqLen < 1 || seqLen > c.context)
        throw std::invalid_argument("sequences of " + std::to_string(seqLen) +
                                    " tokens do not fit the model's context of " +
                                    std::to_string(c.context));
    LmForward f;
    auto P = [&](const std::string& name) {
        const auto it = f.params.find(name);
        if (it != f.params.end()) return it->second;
        const NodeId id =
            g.parameter(name, Tensor::fromFloats(init.shapes.at(name), init.values.at(name)));
        f.params[name] = id;
        return id;
    };
    const int n = batch * seqLen, hd = c.headDim();
    f.tokens = g.input("tokens", Shape{n}, DType::I32);
    f.positions = g.input("positions", Shape{n}, DType::I32);
    NodeId x = g.embedding(P("token_embd.weight"), f.tokens);
    for (int l = 0; l < c.layers; ++l) {
        const NodeId h = g.rmsNorm(x, P(blk(l, "attn_norm.weight")), c.normEps);
        NodeId q = g.matmul(h, P(blk(l, "attn_q.weight")), true);
        NodeId k = g.matmul(h, P(blk(l, "attn_k.weight")), true);
        const NodeId v = g.matmul(h, P(blk(l, "attn_v.weight")), true);
        q = g.rope(q, f.positions, c.heads, hd, c.ropeTheta, RopeLayout::Interleaved);
        k = g.rope(k, f.positions, c.heads, hd, c.ropeTheta, RopeLayout::Interleaved);
        const AttentionNodes a =
            g.attention(q, k, v, c.heads, c.heads, hd, true, -1, 0.0f, batch);
        x = g.add(x, g.matmul(a.output, P(blk(l, "attn_output.weight")), true));
        const NodeId h2 = g.rmsNorm(x, P(blk(l, "ffn_norm.weight")), c.normEps);
        const NodeId m = g.swiglu(g.matmul(h2, P(blk(l, "ffn_gate.weight")), true),
                                  g.matmul(h2, P(blk(l, "ffn_up.weight")), true));
        x = g.add(x, g.matmul(m, P(blk(l, "ffn_down.weight")), true));
    }
    f.logits = g.matmul(g.rmsNorm(x, P("output_norm.weight"), c.normEps), P("output.weight"), true);
    return f;
}

} // namespace llmlab
