#include "model/ForwardGraph.h"

#include "train/Autodiff.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <stdexcept>

namespace llmlab {

namespace {

std::string blk(int layer, const std::string& rest) {
    return "blk." + std::to_string(layer) + "." + rest;
}

// A tensor the forward pass needs, in [out, in] layout; GPT-2's Conv1D matrices are stored
// [in, out] in Hugging Face files and are transposed here once (a copy).
Tensor loadWeight(const ModelFile& file, const std::string& name) {
    const TensorInfo* info = file.find(name);
    if (!info) throw std::runtime_error(file.path() + ": tensor '" + name + "' is missing");
    if (!info->transposed || info->shape.rank() != 2) return file.tensor(name);
    Shape shape;
    const std::vector<float> v = file.outInFloats(name, &shape);
    return Tensor::fromFloats(shape, v);
}

// Rows [first, first + count) of a 2-D (or 1-D) tensor, as a copy in F32.
Tensor sliceRows(const Tensor& t, std::int64_t first, std::int64_t count) {
    const std::vector<float> v = t.toFloats();
    const std::int64_t cols = t.shape().rank() == 2 ? t.shape().dim(1) : 1;
    std::vector<float> out(v.begin() + first * cols, v.begin() + (first + count) * cols);
    return t.shape().rank() == 2 ? Tensor::fromFloats(Shape{count, cols}, out)
                                 : Tensor::fromFloats(Shape{count}, out);
}


// The Hugging Face module name of a GGUF matrix name, for LoRA target patterns.
std::string hfModule(const std::string& weight) {
    static const std::pair<const char*, const char*> names[] = {
        {"attn_q.", "q_proj"},      {"attn_k.", "k_proj"},     {"attn_v.", "v_proj"},
        {"attn_output.", "o_proj"}, {"ffn_gate.", "gate_proj"}, {"ffn_up.", "up_proj"},
        {"ffn_down.", "down_proj"}, {"output.", "lm_head"},
    };
    for (const auto& [gguf, hf] : names)
        if (weight.find(gguf) != std::string::npos) return hf;
    return {};
}

} // namespace

bool loraTargets(const std::string& targets, const std::string& weight) {
    if (targets.empty() || weight.rfind("blk.", 0) != 0) return false;
    std::regex re;
    try {
        re = std::regex(targets);
    } catch (const std::regex_error&) {
        throw std::invalid_argument("'" + targets + "' is not a valid pattern of target modules");
    }
    return std::regex_search(weight, re) || std::regex_search(hfModule(weight), re);
}

std::map<std::string, Tensor> loadForwardWeights(const ModelFile& model) {
    const ModelSpec& s = model.spec();
    const std::string& path = model.path();
    std::map<std::string, Tensor> weights;
    for (const TensorInfo& t : model.tensors())
        weights[t.name] = loadWeight(model, t.name);
    // GPT-2 keeps q, k and v in one matrix: split it into three [width, width] blocks.
    if (s.family == ModelFamily::Gpt2) {
        for (int l = 0; l < s.layers; ++l) {
            for (const char* part : {"weight", "bias"}) {
                const std::string name = blk(l, std::string("attn_qkv.") + part);
                const auto it = weights.find(name);
                if (it == weights.end())
                    throw std::runtime_error(path + ": tensor '" + name + "' is missing");
                const char* names[] = {"attn_q.", "attn_k.", "attn_v."};
                for (int i = 0; i < 3; ++i)
                    weights[blk(l, std::string(names[i]) + part)] =
                        sliceRows(it->second, std::int64_t(i) * s.width, s.width);
                weights.erase(it); // read through its three parts only
            }
        }
    }
    return weights;
}

std::unique_ptr<Plan> buildPlan(const ModelSpec& s, const std::map<std::string, Tensor>& w,
                                const std::string& path, const ForwardOptions& o) {
    const std::set<std::string>& adjustable = o.trainable;
    const CaptureOptions& cap = o.capture;
    const int tokens = o.tokens, context = o.context, B = o.batch;
    const bool lastOnly = o.lastOnly && B == 0;
    if (B > 0 && (cap.logitLens || cap.matmulInputs || cap.hookGradients))
        throw std::invalid_argument("batched passes capture no logit lens, matmul inputs or hook gradients");
    auto plan = std::make_unique<Plan>();
    plan->batch = B;
    plan->tokens = tokens;
    plan->lastOnly = lastOnly;
    plan->context = context;
    Graph& g = plan->graph;
    std::map<std::string, NodeId> constants;
    auto W = [&](const std::string& name) {
        const auto found = constants.find(name);
        if (found != constants.end()) return found->second;
        const auto it = w.find(name);
        if (it == w.end()) throw std::runtime_error(path + ": tensor '" + name + "' is missing");
        if (adjustable.count(name)) {
            const Tensor& t = it->second;
            const NodeId id = g.parameter(
                name, t.dtype() == DType::F32 ? t : Tensor::fromFloats(t.shape(), t.toFloats()));
            plan->adjustable[name] = id;
            return constants[name] = id;
        }
        return constants[name] = g.constant(name, it->second);
    };
    auto has = [&](const std::string& name) { return w.count(name) > 0; };
    const bool gpt2 = s.family == ModelFamily::Gpt2;
    auto norm = [&](NodeId x, const std::string& prefix) {
        return s.norm == NormKind::LayerNorm
                   ? g.layerNorm(x, W(prefix + ".weight"), W(prefix + ".bias"), s.normEps)
                   : g.rmsNorm(x, W(prefix + ".weight"), s.normEps);
    };
    auto recordInput = [&](NodeId x, const std::string& weight) {
        if (!cap.matmulInputs) return;
        for (auto& [names, id] : plan->inputs)
            if (id == x) {
                names.push_back(weight);
                return;
            }
        g.capture(x);
        plan->inputs.push_back({{weight}, x});
    };
    // x W^T (+ b): weights are [out, in].
    std::uint64_t loraState = o.lora.seed * 0x9E3779B97F4A7C15ull + 1;
    auto uniform = [&loraState] { // splitmix64: the same adapter on every machine
        std::uint64_t z = (loraState += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return double((z ^ (z >> 31)) >> 11) / double(1ull << 53);
    };
    auto linear = [&](NodeId x, const std::string& prefix) {
        const std::string name = prefix + ".weight";
        recordInput(x, name);
        NodeId y = g.matmul(x, W(name), true);
        if (o.lora.rank > 0 && loraTargets(o.lora.targets, name)) {
            const Shape& ws = w.at(name).shape();
            const std::int64_t out = ws.dim(0), in = ws.dim(1), r = o.lora.rank;
            std::vector<float> a(static_cast<std::size_t>(r * in)), b(static_cast<std::size_t>(out * r), 0.0f);
            const double bound = 1.0 / std::sqrt(double(in));
            for (float& v : a) v = float((2.0 * uniform() - 1.0) * bound);
            if (const auto it = o.lora.initial.find(name); it != o.lora.initial.end()) {
                if (it->second.first.size() != a.size() || it->second.second.size() != b.size())
                    throw std::invalid_argument("the adapter of '" + name + "' does not fit rank " +
                                                std::to_string(r));
                a = it->second.first;
                b = it->second.second;
            }
            const NodeId A = g.parameter("lora_a." + name, Tensor::fromFloats(Shape{r, in}, a));
            const NodeId Bm = g.parameter("lora_b." + name, Tensor::fromFloats(Shape{out, r}, b));
            plan->lora[name] = {A, Bm};
            NodeId xa = x;
            if (o.lora.dropout) {
                const NodeId mask = g.input("lora_dropout." + name, g.node(x).shape);
                plan->loraDropout[name] = mask;
                xa = g.mul(x, mask);
            }
            y = g.add(y, g.scale(g.matmul(g.matmul(xa, A, true), Bm, true), o.lora.alpha / float(r)));
        }
        return has(prefix + ".bias") ? g.add(y, W(prefix + ".bias")) : y;
    };

    const int T = tokens;
    const int hd = s.headDim > 0 ? s.headDim : s.width / s.heads;
    const int kvHeads = s.kvHeads > 0 ? s.kvHeads : s.heads;
    const std::int64_t rows = std::int64_t(T) * std::max(1, B); // every sequence's tokens
    plan->ids = g.input("tokens", Shape{rows}, DType::I32);
    plan->positions = g.input("positions", Shape{rows}, DType::I32);
    // Additive mask [T, context]: 0 where key j <= the query's position, -inf elsewhere
    // (cache rows not written yet, and the future). Batched passes mask causally instead.
    if (B == 0) plan->mask = g.input("mask", Shape{T, context});
    // x * keep + add at a hook point, both inputs set by the session before each run.
    auto hook = [&](NodeId v, HookPoint point, int layer) {
        if (!cap.interventions) return v;
        const std::string tag = std::string(hookPointName(point)) + "." + std::to_string(layer);
        const Shape shape = g.node(v).shape;
        const NodeId keep = g.input("keep." + tag, shape);
        const NodeId add = g.input("add." + tag, shape);
        plan->hooks[{int(point), layer}] = {keep, add};
        return g.add(g.mul(v, keep), add);
    };
    NodeId x = g.embedding(W("token_embd.weight"), plan->ids);
    if (gpt2) x = g.add(x, g.embedding(W("position_embd.weight"), plan->positions));
    x = hook(x, HookPoint::Embedding, 0);
    if (cap.components) {
        g.capture(x);
        plan->embedding = x;
    }
    const NodeId unembed = o.features ? -1 : W(has("output.weight") ? "output.weight" : "token_embd.weight");
    auto finalLogits = [&](NodeId residual) {
        return g.matmul(norm(residual, "output_norm"), unembed, true);
    };

    for (int l = 0; l < s.layers; ++l) {
        const NodeId blockBegin = NodeId(g.size());
        const NodeId h = norm(x, blk(l, "attn_norm"));
        NodeId q = linear(h, blk(l, "attn_q"));
        NodeId k = linear(h, blk(l, "attn_k"));
        const NodeId v = linear(h, blk(l, "attn_v"));
        if (s.positions == PositionKind::Rope) {
            q = g.rope(q, plan->positions, s.heads, hd, s.ropeTheta, s.ropeLayout, s.ropeDims);
            k = g.rope(k, plan->positions, kvHeads, hd, s.ropeTheta, s.ropeLayout, s.ropeDims);
        }
        NodeId kAll = k, vAll = v;
        if (B == 0) {
            const NodeId kc = g.state(blk(l, "k_cache"), Shape{context, std::int64_t(kvHeads) * hd});
            const NodeId vc = g.state(blk(l, "v_cache"), Shape{context, std::int64_t(kvHeads) * hd});
            plan->kCache.push_back(kc);
            plan->vCache.push_back(vc);
            kAll = g.writeRows(kc, k, plan->positions);
            vAll = g.writeRows(vc, v, plan->positions);
        }
        // Graph::attention's three steps, with a hook between the softmax and the values.
        const NodeId scores = g.attnScores(q, kAll, s.heads, kvHeads, hd, 1.0f / std::sqrt(float(hd)),
                                           std::max(1, B));
        const NodeId probs = hook(B == 0 ? g.softmax(scores, plan->mask) : g.softmax(scores, -1, true),
                                  HookPoint::AttentionProbs, l);
        if (cap.attention) {
            g.capture(probs);
            plan->attention.push_back(probs);
        }
        const NodeId attended = g.attnValues(probs, vAll, s.heads, kvHeads, hd, std::max(1, B));
        const NodeId z = hook(attended, HookPoint::HeadOutput, l);
        const NodeId attnOut = linear(z, blk(l, "attn_output"));
        if (cap.components) {
            g.capture(z);
            g.capture(attnOut);
            g.capture(v);
            plan->values.push_back(v);
            plan->heads.push_back(z);
            plan->attnOut.push_back(attnOut);
        }
        x = g.add(x, attnOut);
        const NodeId h2 = norm(x, blk(l, "ffn_norm"));
        NodeId m;
        if (s.activation == Activation::SwiGlu)
            m = g.swiglu(linear(h2, blk(l, "ffn_gate")), linear(h2, blk(l, "ffn_up")));
        else if (s.activation == Activation::Relu)
            m = g.relu(linear(h2, blk(l, "ffn_up")));
        else
            m = g.gelu(linear(h2, blk(l, "ffn_up")));
        m = hook(m, HookPoint::MlpHidden, l);
        const NodeId mlpOut = linear(m, blk(l, "ffn_down"));
        if (cap.components) {
            g.capture(mlpOut);
            plan->mlpOut.push_back(mlpOut);
        }
        x = g.add(x, mlpOut);
        x = hook(x, HookPoint::Residual, l);
        if (cap.residual) {
            g.capture(x);
            plan->residual.push_back(x);
        }
        if (cap.logitLens) {
            const NodeId lens = l + 1 < s.layers ? finalLogits(x) : -1;
            if (lens >= 0) g.capture(lens);
            plan->lens.push_back(lens); // the last layer's lens is the model's own output
        }
        plan->blocks.emplace_back(blockBegin, NodeId(g.size()));
    }
    if (lastOnly) {
        // Only the next token's logits: gather the last row before the unembedding, which is
        // the largest matmul of a small model.
        plan->lastRow = g.input("last_row", Shape{1}, DType::I32);
        x = g.embedding(x, plan->lastRow);
    }
    if (o.features) {
        plan->logits = norm(x, "output_norm");
    } else if (cap.matmulInputs) {
        const NodeId h = norm(x, "output_norm");
        recordInput(h, has("output.weight") ? "output.weight" : "token_embd.weight");
        plan->logits = g.matmul(h, unembed, true);
    } else {
        plan->logits = finalLogits(x);
    }
    if (o.captureLogits) g.capture(plan->logits);
    if (cap.logitLens) plan->lens.back() = plan->logits;
    if (cap.hookGradients && !plan->hooks.empty()) {
        // d(sum(logits * weights))/d(add) at a hook is the gradient at the hook's value.
        plan->logitGradient = g.input("logit_gradient", g.node(plan->logits).shape);
        std::vector<NodeId> adds;
        for (const auto& [key, nodes] : plan->hooks) adds.push_back(nodes.second);
        const auto grads = appendBackward(g, plan->logits, plan->logitGradient, adds);
        for (const auto& [key, nodes] : plan->hooks) {
            const auto it = grads.find(nodes.second);
            if (it == grads.end()) continue; // a hook the logits do not depend on
            g.capture(it->second);
            plan->hookGrads[key] = it->second;
        }
    }
    return plan;
}


} // namespace llmlab
