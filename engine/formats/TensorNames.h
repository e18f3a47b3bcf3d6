// Canonical (GGUF-style) tensor names for Hugging Face llama / qwen2 / gpt2 checkpoints.
#pragma once

#include <string>

namespace llmlab {

/// The canonical name of a Hugging Face tensor ("model.layers.3.self_attn.q_proj.weight" ->
/// "blk.3.attn_q.weight"); unknown names come back unchanged. `transposed` is set for GPT-2
/// Conv1D weights, which are stored [in, out].
std::string canonicalTensorName(const std::string& hfName, bool* transposed);

/// The layer of a canonical name ("blk.12.ffn_up.weight" -> 12), or -1 for non-layer tensors.
int layerOfTensor(const std::string& canonicalName);

} // namespace llmlab
