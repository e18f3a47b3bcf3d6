#include "TensorNames.h"

#include <cctype>
#include <string_view>

namespace llmlab {

namespace {

bool startsWith(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

// Splits "<prefix>N.<rest>" into N and rest; false when s does not have that form.
bool splitLayer(std::string_view s, std::string_view prefix, int* layer, std::string_view* rest) {
    if (!startsWith(s, prefix)) return false;
    s.remove_prefix(prefix.size());
    std::size_t i = 0;
    int n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i < 7)
        n = n * 10 + (s[i++] - '0');
    if (i == 0 || i >= s.size() || s[i] != '.') return false;
    *layer = n;
    *rest = s.substr(i + 1);
    return true;
}

struct Rename {
    std::string_view from, to;
    bool conv1d;
};

// Per-layer parts: llama / qwen2 (Linear, [out, in]) and GPT-2 (Conv1D, [in, out]).
constexpr Rename kLayerParts[] = {
    {"self_attn.q_proj.", "attn_q.", false},
    {"self_attn.k_proj.", "attn_k.", false},
    {"self_attn.v_proj.", "attn_v.", false},
    {"self_attn.o_proj.", "attn_output.", false},
    {"mlp.gate_proj.", "ffn_gate.", false},
    {"mlp.up_proj.", "ffn_up.", false},
    {"mlp.down_proj.", "ffn_down.", false},
    {"input_layernorm.", "attn_norm.", false},
    {"post_attention_layernorm.", "ffn_norm.", false},
    {"ln_1.", "attn_norm.", false},
    {"attn.c_attn.", "attn_qkv.", true},
    {"attn.c_proj.", "attn_output.", true},
    {"ln_2.", "ffn_norm.", false},
    {"mlp.c_fc.", "ffn_up.", true},
    {"mlp.c_proj.", "ffn_down.", true},
};

constexpr Rename kGlobal[] = {
    {"model.embed_tokens.", "token_embd.", false},
    {"model.norm.", "output_norm.", false},
    {"lm_head.", "output.", false},
    {"wte.", "token_embd.", false},
    {"wpe.", "position_embd.", false},
    {"ln_f.", "output_norm.", false},
};

} // namespace

std::string canonicalTensorName(const std::string& hfName, bool* transposed) {
    *transposed = false;
    std::string_view s = hfName;
    if (startsWith(s, "transformer.")) s.remove_prefix(12); // GPT-2 with its LM head wrapper
    int layer;
    std::string_view rest;
    if (splitLayer(s, "model.layers.", &layer, &rest) || splitLayer(s, "h.", &layer, &rest)) {
        for (const Rename& r : kLayerParts)
            if (startsWith(rest, r.from)) {
                const std::string_view leaf = rest.substr(r.from.size());
                *transposed = r.conv1d && leaf == "weight";
                return "blk." + std::to_string(layer) + "." + std::string(r.to) + std::string(leaf);
            }
        return hfName;
    }
    for (const Rename& r : kGlobal)
        if (startsWith(s, r.from)) return std::string(r.to) + std::string(s.substr(r.from.size()));
    return hfName;
}

int layerOfTensor(const std::string& name) {
    int layer;
    std::string_view rest;
    return splitLayer(name, "blk.", &layer, &rest) ? layer : -1;
}

} // namespace llmlab
