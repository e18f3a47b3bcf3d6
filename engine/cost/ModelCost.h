// What a model costs before it runs: weights at each storage type, the KV cache, the memory of
// a training step under full fine-tuning, LoRA and QLoRA, and FLOPs per token — from the
// model's real tensors (every matrix with its own shape and stored type), or from the real
// shapes of typical sizes (7B ... 8x22B) to reproduce the course's VRAM table.
#pragma once

#include "DType.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

struct ModelSpec;
struct TensorInfo;

/// The facts the arithmetic needs.
struct CostShape {
    std::string name;
    int layers = 0, width = 0, heads = 0, kvHeads = 0, headDim = 0, ffnWidth = 0, vocab = 0;
    int experts = 1, expertsPerToken = 1; ///< mixture of experts: FFNs per layer, used per token
    bool tiedEmbeddings = false;
    /// Every weight: canonical name, rows x row length (a vector is one row), stored type.
    /// An expert tensor counts all its experts (rows = experts x rows of one).
    struct Tensor {
        std::string name;
        std::int64_t rows = 0, cols = 0;
        DType stored = DType::F32;
        bool expert = false; ///< one of the experts' FFN matrices (a token uses some)
        std::int64_t elements() const { return rows * cols; }
        bool matrix() const { return rows > 1 && cols > 1; }
    };
    std::vector<Tensor> tensors;

    std::int64_t params() const;
    /// Token embedding and, when untied, the output matrix.
    std::int64_t embeddingParams() const;
    /// Parameters a token's forward pass multiplies: all but the embedding, and of the experts'
    /// only expertsPerToken / experts (N in 2N FLOPs a token; the output matrix included).
    std::int64_t activeMatmulParams() const;
};

/// From an opened model's tensor table and spec.
CostShape costShapeOf(const ModelSpec& spec, const std::vector<TensorInfo>& tensors,
                      const std::string& name);
/// The real shapes of typical sizes: "7B" (Llama 2 7B), "13B" (Llama 2 13B), "30B" (LLaMA
/// 33B), "70B" (Llama 2 70B), "110B" (Qwen1.5-110B), "8x7B" (Mixtral 8x7B), "8x22B" (Mixtral
/// 8x22B), stored in BF16. False for another name.
bool typicalShape(const std::string& name, CostShape* shape);
std::vector<std::string> typicalShapeNames();

struct CostOptions {
    int context = 4096; ///< tokens in the KV cache, and the context of the FLOPs count
    int batch = 1;
    DType kvType = DType::F16;
    int trainSeq = 512; ///< sequence length and batch of one training step
    int trainBatch = 1;
    bool checkpointing = true; ///< gradient checkpointing: only each block's input is kept
    int loraRank = 16;
    /// Canonical-name pattern (ECMAScript regex, searched) of the matrices LoRA adapts.
    std::string loraTargets = "attn_(q|k|v|output)|ffn_(gate|up|down)";
};

/// One way to train, in bytes.
struct TrainingMemory {
    std::string method; ///< "Full AMP", "Full 16", "LoRA 16", "QLoRA 8", ...
    int bits = 16;      ///< of the frozen or trained weights
    double weights = 0, gradients = 0, optimizer = 0, master = 0, adapters = 0, activations = 0;
    double total() const { return weights + gradients + optimizer + master + adapters + activations; }
};

struct WeightsAt {
    DType type = DType::F32;
    double bytes = 0;
    int keptTensors = 0; ///< tensors left in F32 (vectors) or F16 (rows not whole blocks)
};

struct CostReport {
    std::int64_t params = 0, embeddingParams = 0, activeMatmulParams = 0, loraParams = 0;
    int loraMatrices = 0;
    double storedBytes = 0;         ///< as the tensors are stored now
    std::vector<WeightsAt> weights; ///< F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q4_K, Q4_0, Q3_K, Q2_K
    double kvCacheBytes = 0;        ///< at options.context and options.batch
    std::vector<std::pair<int, double>> kvByContext; ///< 512, 1024, ... up to the context
    double inferenceBytes = 0;      ///< stored weights + KV cache + one token's activations
    double activationBytes = 0;     ///< one training step (16-bit)
    std::vector<TrainingMemory> training;
    double flopsPerToken = 0;          ///< forward, at options.context: 2N + 2 L ctx d_attn
    double attentionFlopsPerToken = 0; ///< the context term alone
    double trainingFlopsPerToken = 0;  ///< 6N (dense; the active parameters of an MoE)
};

/// Throws std::invalid_argument for a shape with no layers or an invalid LoRA pattern.
CostReport computeCost(const CostShape& shape, const CostOptions& options);

/// Bits a weight takes in `type`, block scales included (Q4_K: 4.5).
double bitsPerWeight(DType type);

/// Human text (`llmlab-cli cost`), and JSON.
std::string costReportText(const CostShape& shape, const CostOptions& options,
                           const CostReport& report);
std::string costReportJson(const CostShape& shape, const CostOptions& options,
                           const CostReport& report);

/// The course's VRAM table (methods x typical sizes, GB), computed; `json` for JSON.
std::string vramTable(const CostOptions& options, bool json = false);

} // namespace llmlab
