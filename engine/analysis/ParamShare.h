// Where a model's parameters are: counts and bytes per component (embeddings, attention, MLP,
// norms, output head), per layer and in total — the data of the parameter-share chart.
#pragma once

#include "formats/ModelSpec.h"
#include "formats/TensorIndex.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmlab {

enum class Component : std::uint8_t { Embeddings, Attention, Mlp, Norms, OutputHead, Other };
inline constexpr std::size_t kComponentCount = 6;

/// "embeddings", "attention", "mlp", "norms", "output head", "other".
std::string_view componentName(Component c);

/// The component a canonical tensor name belongs to ("blk.3.attn_q.bias" -> Attention,
/// "blk.3.attn_norm.weight" -> Norms, "output.weight" -> OutputHead).
Component componentOfTensor(std::string_view canonicalName);

struct ShareCount {
    std::int64_t params = 0;
    std::int64_t bytes = 0; ///< as stored (quantized types count their packed size)
};

/// Counts of one group of tensors, by component.
struct ComponentCounts {
    std::array<ShareCount, kComponentCount> parts{};
    const ShareCount& operator[](Component c) const { return parts[std::size_t(c)]; }
    ShareCount& operator[](Component c) { return parts[std::size_t(c)]; }
    ShareCount total() const;
};

struct ParamShare {
    ComponentCounts totals;              ///< the whole model
    std::vector<ComponentCounts> layers; ///< blk.N.*, N = 0 .. spec.layers-1 (or highest N)
    ComponentCounts outsideLayers;       ///< embeddings, final norm, output head, other
    bool tiedEmbeddings = false;         ///< the output head reuses token_embd (counted 0)
};

/// Groups every tensor of the index by component and layer.
ParamShare computeParamShare(const std::vector<TensorInfo>& tensors, const ModelSpec& spec);

} // namespace llmlab
