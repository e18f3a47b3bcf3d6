// A tiny llama-style language model for next-token training: RMSNorm, RoPE (interleaved pairs,
// as GGUF llama files hold it), SwiGLU, untied unembedding — the same graph the inference
// session runs, so a trained model saved as GGUF opens and runs like any downloaded one.
#pragma once

#include "Graph.h"
#include "train/ToyModel.h"

#include <cstdint>
#include <map>
#include <string>

namespace llmlab {

struct LmConfig {
    int layers = 2;
    int dModel = 64;
    int heads = 4;
    int dFf = 0;     ///< 0: about 8/3 dModel, rounded up to a multiple of 16
    int vocab = 0;   ///< set from the tokenizer
    int context = 0; ///< the longest sequence trained on (and the file's context length)
    float ropeTheta = 10000.0f;
    float normEps = 1e-5f;

    int ffnWidth() const;
    int headDim() const { return dModel / heads; }
    /// Parameters, embeddings and unembedding included.
    std::int64_t parameterCount() const;
};

/// Throws std::invalid_argument with a readable sentence for an impossible configuration.
void validateLmConfig(const LmConfig& config);

/// Initial values: matrices N(0, 1/d_in) (the output projections of each block scaled by
/// 1/sqrt(2 layers), as GPT-2 does), embeddings N(0, 1), norm weights 1. Deterministic for a
/// seed on every machine. Names and [out, in] shapes are those of GGUF llama files.
ToyParams initLmParams(const LmConfig& config, std::uint64_t seed);

/// The forward graph over `batch` sequences of `seqLen` tokens, causal attention within each.
struct LmForward {
    NodeId tokens = -1;    ///< I32 [batch * seqLen]
    NodeId positions = -1; ///< I32 [batch * seqLen]: 0..seqLen-1 per sequence
    NodeId logits = -1;    ///< [batch * seqLen, vocab]
    std::map<std::string, NodeId> params;
};

LmForward buildLmForward(Graph& g, const LmConfig& config, const ToyParams& init, int batch,
                         int seqLen);

} // namespace llmlab
