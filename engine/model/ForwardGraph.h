// The forward pass of the llama, qwen2 and gpt2 families as a graph, shared by inference
// (InferenceSession: one conversation through a KV cache) and fine-tuning (batches of
// sequences with causal attention, weights or LoRA adapters as parameters). Internal to the
// engine: callers use LanguageModel.h or finetune/FineTune.h.
#pragma once

#include "Backend.h"
#include "LanguageModel.h"
#include "formats/ModelFile.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace llmlab {

/// One compiled forward pass: T tokens of one conversation through the KV cache, or (batch > 0)
/// `batch` sequences of T tokens each with causal attention and no cache (training).
struct Plan {
    int tokens = 0;
    int batch = 0;
    int context = 0; // key positions the cache and the attention span
    Graph graph;
    bool lastOnly = false; // logits of the last token only
    NodeId ids = -1, positions = -1, mask = -1, logits = -1, lastRow = -1;
    std::vector<NodeId> kCache, vCache; // state nodes
    std::vector<NodeId> attention, residual, lens;
    std::vector<std::pair<std::vector<std::string>, NodeId>> inputs; // matmul inputs, by weight
    std::vector<NodeId> heads, attnOut, mlpOut, values; // components, per layer
    NodeId embedding = -1;
    // Hook inputs (keep, add) per point and layer.
    std::map<std::pair<int, int>, std::pair<NodeId, NodeId>> hooks;
    NodeId logitGradient = -1;                  // hookGradients: weights of the logits
    std::map<std::pair<int, int>, NodeId> hookGrads; // d/d(add) per hook
    std::map<std::string, NodeId> adjustable; // weights held as parameters
    /// LoRA adapters by weight name: (A [rank, in], B [out, rank]) parameters.
    std::map<std::string, std::pair<NodeId, NodeId>> lora;
    /// LoRA dropout: the mask input [rows, in] multiplying each adapter's input, by weight name.
    std::map<std::string, NodeId> loraDropout;
    /// Each block's nodes, [first, end): the ranges gradient checkpointing recomputes.
    std::vector<std::pair<NodeId, NodeId>> blocks;
    std::unique_ptr<Executable> exe;
};


/// LoRA (Hu et al. 2021) on the matrices whose names match: y = x Wᵀ + (alpha / rank) (x Aᵀ) Bᵀ,
/// A [rank, in] drawn uniform in ±1/sqrt(in) (PEFT's default), B [out, rank] zero, so an
/// adapter starts as the identity change. `initial` gives other starting values by weight name
/// (A then B), as a resumed run or a loaded adapter does.
struct LoraOptions {
    int rank = 0; ///< 0: none
    float alpha = 16.0f;
    std::string targets = "q_proj|v_proj"; ///< a regex over GGUF names or their HF module names
    std::uint64_t seed = 1;
    std::map<std::string, std::pair<std::vector<float>, std::vector<float>>> initial;
    /// Dropout on each adapter's input (PEFT's lora_dropout): > 0 gives every adapter a mask
    /// input (Plan::loraDropout) the trainer fills with kept / (1 - p) values each step.
    bool dropout = false;
};

/// True when LoRA with `targets` adapts `weight` ("blk.3.attn_q.weight"): the pattern is
/// searched in the GGUF name and in the Hugging Face module name ("q_proj", "c_attn", ...).
bool loraTargets(const std::string& targets, const std::string& weight);

struct ForwardOptions {
    int tokens = 0;
    int batch = 0;   ///< 0: inference through the cache of `context` keys
    int context = 0;
    bool lastOnly = false;
    CaptureOptions capture;
    std::set<std::string> trainable; ///< weights held as F32 parameters
    LoraOptions lora;
    /// Plan::logits is the final norm's output [rows, width] (the features a classification
    /// head reads), not multiplied by the unembedding.
    bool features = false;
    /// Plan::logits readable after a run; a training step reads only its loss, and the logits
    /// of a batch are its largest value (stories110M, 4 x 256 tokens: 131 MB).
    bool captureLogits = true;
};

std::unique_ptr<Plan> buildPlan(const ModelSpec& s, const std::map<std::string, Tensor>& w,
                                const std::string& path, const ForwardOptions& o);

/// Every tensor of the model in [out, in] layout under canonical names, GPT-2's fused q/k/v
/// split into attn_q/attn_k/attn_v. Throws std::runtime_error for a missing tensor.
std::map<std::string, Tensor> loadForwardWeights(const ModelFile& model);

} // namespace llmlab
