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
    /// By canonical weight name ("blk.3.attn_q.weight"; GPT-2's q, k and v each under its own
    /// name, as the forward graph splits them): A [r, in] and B [out, r] in the opened model's
    /// own row order; r is `rank` unless the file said otherwise for that matrix.
    std::map<std::string, std::pair<std::vector<float>, std::vector<float>>> tensors;
    /// Per matrix, the update's scale where it is not alpha / rank (PEFT's rank_pattern and
    /// alpha_pattern, or GPT-2's fused c_attn read with its own rank).
    std::map<std::string, float> scales;
};

/// Writes `adapter`, trained on `base`, into `folder` (created). GPT-2 keeps q, k and v in one
/// Conv1D matrix (c_attn) and PEFT adapts it as one: the three adapters of a block go out as
/// one of rank 3r — A the three A's stacked, B block-diagonal, alpha 3·alpha so the scale stays
/// alpha / r — with PEFT's rank_pattern and alpha_pattern saying so, and fan_in_fan_out set.
/// Throws std::runtime_error for a folder that cannot be written and std::invalid_argument for
/// an adapter PEFT has no name for.
void writePeftAdapter(const std::string& folder, const ModelFile& base, const LoraAdapter& adapter);

/// Reads a PEFT LoRA folder for `base`: every tensor mapped to a matrix of the model, shapes
/// checked, rank_pattern and alpha_pattern applied. A GPT-2 c_attn adapter is split into q, k
/// and v: back into the three rank-r adapters it was written from when B is block-diagonal,
/// else each part takes all of A and its rows of B (the same update, at c_attn's rank).
/// Throws std::runtime_error naming the file and the problem.
LoraAdapter readPeftAdapter(const std::string& folder, const ModelFile& base);

/// w [rows, in] += scale * B A, with A [rank, in] and B [rows, rank]: one adapter merged.
void addLoraUpdate(std::vector<float>& w, std::int64_t rows, std::int64_t in, const std::vector<float>& a,
                   const std::vector<float>& b, int rank, float scale);

/// W + scale · B A for every adapted matrix of `base` (scale alpha / r unless adapter.scales
/// says), [out, in] under the forward graph's names, as InferenceSession::setWeight takes them.
std::map<std::string, std::vector<float>> mergeAdapter(const ModelFile& base, const LoraAdapter& adapter);

/// Weights under the forward graph's names (GPT-2's attn_q/k/v weights and biases) put under
/// the file's: GPT-2's three parts of a block fused into its attn_qkv, the parts not given
/// taken from `base` — what QuantizeOptions::replacements takes. Others pass as they are.
std::map<std::string, std::vector<float>> weightsForFile(const ModelFile& base,
                                                         std::map<std::string, std::vector<float>> weights);

/// Writes `base` (a Hugging Face folder) into `dir` as a Hugging Face folder with `weights`
/// (canonical names, [out, in], as weightsForFile gives them) in place of its own: one
/// model.safetensors under the source's tensor names (replaced tensors in F32, GPT-2's Conv1D
/// matrices back in [in, out]), the rest of the folder (config, tokenizer) copied. Throws
/// std::invalid_argument for a base that is not a Hugging Face folder and std::runtime_error
/// for a folder that cannot be written.
void writeMergedHfFolder(const ModelFile& base, const std::map<std::string, std::vector<float>>& weights,
                         const std::string& dir);

} // namespace llmlab
