#include "ModelSpec.h"

#include "TensorIndex.h"
#include "TensorNames.h"

#include <algorithm>
#include <cstdio>

namespace llmlab {

std::string_view familyName(ModelFamily f) {
    switch (f) {
    case ModelFamily::Llama:
        return "llama";
    case ModelFamily::Qwen2:
        return "qwen2";
    case ModelFamily::Gpt2:
        return "gpt2";
    case ModelFamily::Toy:
        return "toy";
    default:
        return "unknown";
    }
}
std::string_view normKindName(NormKind n) {
    if (n == NormKind::None) return "none";
    return n == NormKind::RmsNorm ? "RMSNorm" : "LayerNorm";
}
std::string_view activationName(Activation a) {
    switch (a) {
    case Activation::SwiGlu:
        return "SwiGLU";
    case Activation::Gelu:
        return "GELU";
    case Activation::GeluTanh:
        return "GELU (tanh)";
    default:
        return "ReLU";
    }
}
std::string_view positionKindName(PositionKind p) {
    switch (p) {
    case PositionKind::Rope:
        return "RoPE";
    case PositionKind::Learned:
        return "learned";
    case PositionKind::Sinusoidal:
        return "sinusoidal";
    default:
        return "none";
    }
}

namespace {

ModelFamily familyFromName(const std::string& s) {
    if (s == "llama") return ModelFamily::Llama;
    if (s == "qwen2") return ModelFamily::Qwen2;
    if (s == "gpt2") return ModelFamily::Gpt2;
    if (s == "toy") return ModelFamily::Toy;
    return ModelFamily::Unknown;
}

// The grokking lab's toy transformer, as its exporter writes it (engine/train/ToyExport):
// learned positions, LayerNorm or none, ReLU or GELU, no RoPE. `get(key)` reads one value.
template <typename GetInt, typename GetString>
void toyFields(ModelSpec& s, GetInt getInt, GetString getString) {
    s.positions = PositionKind::Learned;
    s.norm = getInt("layer_norm") != 0 ? NormKind::LayerNorm : NormKind::None;
    s.activation = getString("activation") == "gelu" ? Activation::GeluTanh : Activation::Relu;
    s.ropeLayout = RopeLayout::Interleaved;
}

int toInt(std::int64_t v) {
    return v < 0 || v > INT32_MAX ? 0 : int(v);
}

void fromGguf(const Metadata& m, ModelSpec& s) {
    const std::string a = m.getString("general.architecture");
    const auto key = [&](const char* k) { return a + "." + k; };
    s.architecture = a;
    s.family = familyFromName(a);
    s.layers = toInt(m.getInt(key("block_count")));
    s.width = toInt(m.getInt(key("embedding_length")));
    s.heads = toInt(m.getInt(key("attention.head_count")));
    s.kvHeads = toInt(m.getInt(key("attention.head_count_kv"), s.heads));
    s.ffnWidth = toInt(m.getInt(key("feed_forward_length")));
    s.context = toInt(m.getInt(key("context_length")));
    s.headDim = toInt(m.getInt(key("attention.key_length"), s.heads ? s.width / s.heads : 0));
    s.vocab =
        toInt(m.getInt(key("vocab_size"), std::int64_t(m.arraySize("tokenizer.ggml.tokens"))));
    if (m.contains(key("attention.layer_norm_rms_epsilon"))) {
        s.norm = NormKind::RmsNorm;
        s.normEps = float(m.getFloat(key("attention.layer_norm_rms_epsilon")));
    } else if (m.contains(key("attention.layer_norm_epsilon"))) {
        s.norm = NormKind::LayerNorm;
        s.normEps = float(m.getFloat(key("attention.layer_norm_epsilon")));
    }
    s.ropeTheta = float(m.getFloat(key("rope.freq_base"), 10000.0));
    const int ropeDims = toInt(m.getInt(key("rope.dimension_count")));
    s.ropeDims = ropeDims < s.headDim ? ropeDims : 0;
    // llama.cpp permutes llama q/k rows to adjacent pairs when converting; qwen2 it leaves in
    // Hugging Face's rotate-half order and runs with its NEOX rope.
    s.ropeLayout =
        s.family == ModelFamily::Qwen2 ? RopeLayout::RotateHalf : RopeLayout::Interleaved;
    if (s.family == ModelFamily::Gpt2) {
        s.norm = NormKind::LayerNorm;
        s.activation = Activation::GeluTanh;
        s.positions = PositionKind::Learned;
    }
    if (s.family == ModelFamily::Toy)
        toyFields(
            s, [&](const char* k) { return m.getInt(key(k)); },
            [&](const char* k) { return m.getString(key(k)); });
}

void fromHfConfig(const Metadata& m, ModelSpec& s) {
    const std::string type = m.getString("config.model_type");
    const auto archs = m.getStringArray("config.architectures");
    s.architecture = archs.empty() ? type : archs.front();
    s.family = familyFromName(type);
    s.ropeLayout = RopeLayout::RotateHalf; // Hugging Face's q/k order
    if (s.family == ModelFamily::Gpt2) {
        s.width = toInt(m.getInt("config.n_embd"));
        s.layers = toInt(m.getInt("config.n_layer"));
        s.heads = s.kvHeads = toInt(m.getInt("config.n_head"));
        s.ffnWidth = toInt(m.getInt("config.n_inner", 4 * std::int64_t(s.width)));
        s.context = toInt(m.getInt("config.n_positions", m.getInt("config.n_ctx")));
        s.norm = NormKind::LayerNorm;
        s.normEps = float(m.getFloat("config.layer_norm_epsilon", 1e-5));
        const std::string act = m.getString("config.activation_function", "gelu_new");
        s.activation = act == "relu"   ? Activation::Relu
                       : act == "gelu" ? Activation::Gelu
                                       : Activation::GeluTanh;
        s.positions = PositionKind::Learned;
    } else if (s.family == ModelFamily::Toy) {
        s.width = toInt(m.getInt("config.hidden_size"));
        s.layers = toInt(m.getInt("config.num_hidden_layers"));
        s.heads = s.kvHeads = toInt(m.getInt("config.num_attention_heads"));
        s.ffnWidth = toInt(m.getInt("config.intermediate_size"));
        s.context = toInt(m.getInt("config.max_position_embeddings"));
        s.normEps = float(m.getFloat("config.layer_norm_eps", 1e-5));
        toyFields(
            s, [&](const char* k) { return m.getInt(std::string("config.") + k); },
            [&](const char* k) { return m.getString(std::string("config.") + k); });
    } else {
        s.width = toInt(m.getInt("config.hidden_size"));
        s.layers = toInt(m.getInt("config.num_hidden_layers"));
        s.heads = toInt(m.getInt("config.num_attention_heads"));
        s.kvHeads = toInt(m.getInt("config.num_key_value_heads", s.heads));
        s.ffnWidth = toInt(m.getInt("config.intermediate_size"));
        s.context = toInt(m.getInt("config.max_position_embeddings"));
        s.normEps = float(m.getFloat("config.rms_norm_eps", 1e-6));
        s.ropeTheta = float(m.getFloat("config.rope_theta", 10000.0));
        const std::string act = m.getString("config.hidden_act", "silu");
        s.activation = act == "silu"   ? Activation::SwiGlu
                       : act == "relu" ? Activation::Relu
                                       : Activation::GeluTanh;
    }
    s.headDim = toInt(m.getInt("config.head_dim", s.heads ? s.width / s.heads : 0));
    s.vocab = toInt(m.getInt("config.vocab_size"));
}

void fromLlama2c(const Metadata& m, ModelSpec& s) {
    s.architecture = "llama2.c";
    s.family = ModelFamily::Llama;
    s.width = toInt(m.getInt("llama2c.dim"));
    s.ffnWidth = toInt(m.getInt("llama2c.hidden_dim"));
    s.layers = toInt(m.getInt("llama2c.n_layers"));
    s.heads = toInt(m.getInt("llama2c.n_heads"));
    s.kvHeads = toInt(m.getInt("llama2c.n_kv_heads"));
    s.vocab = toInt(m.getInt("llama2c.vocab_size"));
    s.context = toInt(m.getInt("llama2c.seq_len"));
    s.headDim = s.heads ? s.width / s.heads : 0;
    s.normEps = 1e-5f; // run.c's constant
    s.ropeLayout = RopeLayout::Interleaved;
}

std::string human(std::int64_t n) {
    char buf[32];
    if (n >= 1'000'000'000)
        std::snprintf(buf, sizeof buf, "%.2fB", double(n) / 1e9);
    else if (n >= 1'000'000)
        std::snprintf(buf, sizeof buf, "%.1fM", double(n) / 1e6);
    else if (n >= 10'000)
        std::snprintf(buf, sizeof buf, "%.1fK", double(n) / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
    return buf;
}

} // namespace

ModelSpec buildModelSpec(RawModel& raw, const std::string& formatHint) {
    ModelSpec s;
    if (formatHint == "hf") {
        for (TensorInfo& t : raw.tensors) t.name = canonicalTensorName(t.sourceName, &t.transposed);
        fromHfConfig(raw.metadata, s);
        s.transposedLinear = std::any_of(raw.tensors.begin(), raw.tensors.end(),
                                         [](const TensorInfo& t) { return t.transposed; });
    } else if (formatHint == "llama2c") {
        fromLlama2c(raw.metadata, s);
    } else {
        fromGguf(raw.metadata, s);
    }

    bool hasOutput = false, hasQkvBias = false;
    // Sized by the layers tensors actually use, so a header claiming 2^31 layers allocates nothing.
    int usedLayers = 0;
    for (const TensorInfo& t : raw.tensors)
        usedLayers = std::max(usedLayers, std::min(layerOfTensor(t.name), s.layers - 1) + 1);
    s.paramsPerLayer.assign(std::size_t(usedLayers), 0);
    for (const TensorInfo& t : raw.tensors) {
        const std::int64_t n = t.shape.numel();
        s.totalParams += n;
        s.paramsPerDType[t.dtype] += n;
        s.bytesPerDType[t.dtype] += std::int64_t(t.bytes);
        const int layer = layerOfTensor(t.name);
        if (layer >= 0 && layer < usedLayers)
            s.paramsPerLayer[std::size_t(layer)] += n;
        else
            s.nonLayerParams += n;
        if (t.name == "output.weight") hasOutput = true;
        if (t.name == "blk.0.attn_q.bias" || t.name == "blk.0.attn_qkv.bias") hasQkvBias = true;
        if (t.name == "token_embd.weight" && t.shape.rank() == 2) {
            // Files that leave the vocabulary or width implicit still have the embedding.
            if (s.vocab == 0) s.vocab = toInt(t.shape.dim(0));
            if (s.width == 0) s.width = toInt(t.shape.dim(1));
        }
    }
    s.tiedEmbeddings = !raw.tensors.empty() && !hasOutput;
    s.qkvBias = hasQkvBias;
    return s;
}

std::string ModelSpec::summary() const {
    std::string o;
    auto line = [&](const std::string& k, const std::string& v) { o += k + ": " + v + "\n"; };
    line("family", std::string(familyName(family)) + " (" + architecture + ")");
    line("layers", std::to_string(layers));
    line("width", std::to_string(width));
    line("heads", std::to_string(heads) + " (KV " + std::to_string(kvHeads) + ", head dim " +
                      std::to_string(headDim) + ")");
    line("ffn width", std::to_string(ffnWidth));
    line("vocab", std::to_string(vocab));
    line("context", std::to_string(context));
    char eps[32];
    std::snprintf(eps, sizeof eps, "%g", double(normEps));
    line("norm", std::string(normKindName(norm)) + " eps " + eps);
    line("activation", std::string(activationName(activation)));
    std::string pos(positionKindName(positions));
    if (positions == PositionKind::Rope) {
        char theta[32];
        std::snprintf(theta, sizeof theta, "%g", double(ropeTheta));
        pos += std::string(" theta ") + theta +
               (ropeLayout == RopeLayout::Interleaved ? ", interleaved pairs" : ", rotate-half");
    }
    line("positions", pos);
    line("qkv bias", qkvBias ? "yes" : "no");
    line("tied embeddings", tiedEmbeddings ? "yes" : "no");
    line("parameters", human(totalParams) + " (" + std::to_string(totalParams) + ")");
    for (const auto& [dtype, bytes] : bytesPerDType)
        line(std::string("  ") + std::string(dtypeName(dtype)),
             human(paramsPerDType.at(dtype)) + " params, " + std::to_string(bytes) + " bytes");
    return o;
}

} // namespace llmlab
