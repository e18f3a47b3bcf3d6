#include "ParamShare.h"

#include "formats/TensorNames.h"

#include <algorithm>
#include <string>

namespace llmlab {

std::string_view componentName(Component c) {
    switch (c) {
    case Component::Embeddings:
        return "embeddings";
    case Component::Attention:
        return "attention";
    case Component::Mlp:
        return "mlp";
    case Component::Norms:
        return "norms";
    case Component::OutputHead:
        return "output head";
    case Component::Other:
        return "other";
    }
    return "other";
}

Component componentOfTensor(std::string_view name) {
    const bool isNorm = name.find("norm") != std::string_view::npos;
    if (name.starts_with("blk.")) {
        // "blk.N.<part>": the part after the layer number decides.
        const std::size_t dot = name.find('.', 4);
        const std::string_view part =
            dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
        // Norms first: attn_norm, ffn_norm and Qwen3's attn_q_norm start like their blocks.
        if (isNorm) return Component::Norms;
        if (part.starts_with("attn")) return Component::Attention;
        if (part.starts_with("ffn")) return Component::Mlp;
        return Component::Other;
    }
    if (name.starts_with("token_embd") || name.starts_with("position_embd") ||
        name.starts_with("token_types"))
        return Component::Embeddings;
    if (isNorm) return Component::Norms;
    if (name.starts_with("output.")) return Component::OutputHead;
    return Component::Other;
}

ShareCount ComponentCounts::total() const {
    ShareCount t;
    for (const ShareCount& p : parts) {
        t.params += p.params;
        t.bytes += p.bytes;
    }
    return t;
}

ParamShare computeParamShare(const std::vector<TensorInfo>& tensors, const ModelSpec& spec) {
    ParamShare share;
    share.tiedEmbeddings = spec.tiedEmbeddings;
    int layers = std::max(0, spec.layers);
    for (const TensorInfo& t : tensors) layers = std::max(layers, layerOfTensor(t.name) + 1);
    share.layers.resize(std::size_t(layers));
    for (const TensorInfo& t : tensors) {
        const Component c = componentOfTensor(t.name);
        const std::int64_t params = t.shape.numel();
        const auto bytes = std::int64_t(t.bytes);
        const int layer = layerOfTensor(t.name);
        ComponentCounts& group =
            layer >= 0 ? share.layers[std::size_t(layer)] : share.outsideLayers;
        group[c].params += params;
        group[c].bytes += bytes;
        share.totals[c].params += params;
        share.totals[c].bytes += bytes;
    }
    return share;
}

} // namespace llmlab
