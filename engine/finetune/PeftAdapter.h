// LoRA adapters in Hugging Face PEFT's layout: a folder with adapter_config.json and
// adapter_model.safetensors whose tensors are named as PEFT names them
// ("base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight"), so an adapter trained
// here loads in PEFT and one trained with PEFT loads here. The q and k rows of a GGUF llama file
// are in llama.cpp's interleaved RoPE order; an adapter's B rows are put in Hugging Face's order
// on the way out and back on the way in.
#pragma once

#include "formats/ModelFile.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace llmlab {

struct LoraAdapter {
    int rank = 0;
    float alpha = 0;
    /// By canonical weight name ("blk.3.attn_q.weight"): A [rank, in] and B [out, rank] in the
    /// opened model's own row order.
    std::map<std::string, std::pair<std::vector<float>, std::vector<float>>> tensors;
};

/// Writes `adapter`, trained on `base`, into `folder` (created). Throws std::runtime_error for
/// a folder that cannot be written and std::invalid_argument for an adapter PEFT has no name
/// for (GPT-2's fused q/k/v matrix).
void writePeftAdapter(const std::string& folder, const ModelFile& base, const LoraAdapter& adapter);

/// Reads a PEFT LoRA folder for `base`: every tensor mapped to a matrix of the model, shapes
/// checked. Throws std::runtime_error naming the file and the problem.
LoraAdapter readPeftAdapter(const std::string& folder, const ModelFile& base);

/// w [rows, in] += scale * B A, with A [rank, in] and B [rows, rank]: one adapter merged.
void addLoraUpdate(std::vector<float>& w, std::int64_t rows, std::int64_t in, const std::vector<float>& a,
                   const std::vector<float>& b, int rank, float scale);

/// W + (alpha / rank) B A for every adapted matrix of `base`, [out, in] as
/// InferenceSession::setWeight and QuantizeOptions::replacements take them.
std::map<std::string, std::vector<float>> mergeAdapter(const ModelFile& base, const LoraAdapter& adapter);

} // namespace llmlab
