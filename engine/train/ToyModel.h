// The toy transformer of grokking experiments: token and learned position embeddings, attention
// and MLP blocks (optional LayerNorm), an unembedding, built as graphs for training and for
// evaluation. Parameter names follow the canonical (GGUF-style) naming of the model browser.
#pragma once

#include "Graph.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmlab {

enum class ToyActivation : std::uint8_t { Relu, Gelu };

struct ToyModelConfig {
    int layers = 1;
    int dModel = 128;
    int heads = 4;
    int dMlp = 512;
    ToyActivation activation = ToyActivation::Relu;
    bool layerNorm = false;
    bool tiedUnembed = false;
    int vocab = 114; ///< operands + the "=" token
    int seqLen = 3;  ///< [a, b, =]
};

/// Parameter values by canonical name ("token_embd.weight", "blk.0.attn_q.weight", ...),
/// row-major, with their shapes.
class Normal;

struct ToyParams {
    std::map<std::string, Shape> shapes;
    std::map<std::string, std::vector<float>> values;
    std::int64_t count() const;
    /// Adds a tensor of N(0, stddev²) draws from `normal`, or of `constant` when stddev is 0.
    void add(const std::string& name, const Shape& shape, Normal& normal, float stddev,
             float constant = 0.0f);
};

/// Initial values as in Nanda et al. 2023's setup: matrices N(0, 1/d_in), the unembedding
/// N(0, 1/vocab), biases 0, norm weights 1. Deterministic for a seed on every machine.
ToyParams initToyParams(const ToyModelConfig& config, std::uint64_t seed);

/// Throws std::invalid_argument with a readable sentence for an impossible configuration.
void validateToyConfig(const ToyModelConfig& config);

/// The forward graph over `batch` sequences of config.seqLen tokens. Only the last position
/// (the "=" token) is scored, so the last layer computes its queries, MLP and unembedding for
/// that row alone: a third of the work of a plain implementation at seqLen 3.
struct ToyForward {
    NodeId tokens = -1;     ///< I32 [batch * seqLen]
    NodeId positions = -1;  ///< I32 [batch * seqLen]: 0, 1, 2, 0, 1, 2, ...
    NodeId answerRows = -1; ///< I32 [batch]: seqLen-1, 2 seqLen-1, ... (see toyAnswerRows)
    NodeId logits = -1;     ///< [batch, vocab]: at the answer position
    std::map<std::string, NodeId> params; ///< name -> Parameter node
    /// Per layer: [batch * heads, T, T], and [batch * heads, 1, T] for the last layer.
    std::vector<NodeId> attentionProbs;
};

/// Adds the model's parameters (as Parameter nodes with `init` values) and forward pass to `g`.
ToyForward buildToyForward(Graph& g, const ToyModelConfig& config, const ToyParams& init,
                           int batch);

/// Position ids 0..seqLen-1 repeated `batch` times.
std::vector<std::int32_t> toyPositions(int batch, int seqLen);
/// The row of each sequence's last token: seqLen-1, 2 seqLen-1, ...
std::vector<std::int32_t> toyAnswerRows(int batch, int seqLen);

} // namespace llmlab
