// The contribution graph of information flow routes (Ferrando & Voita 2024, "Information Flow
// Routes: Automatically Interpreting Language Models at Scale"): every residual-stream state
// (layer, position) is a sum of parts — the state before the block, what each earlier token
// brought through the heads, what the FFN wrote — and each part's importance is its proximity
// to the sum, max(0, |y|₁ - |y - part|₁), normalised over the parts. The routes to a chosen
// prediction are the edges above a threshold reachable backward from it; every block can be
// read through the unembedding: the tokens it promotes and suppresses.
#pragma once

#include "Backend.h"
#include "formats/ModelFile.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmlab {

/// One state of the residual stream: before block `layer` (Pre; layer == layers is the final
/// state the unembedding reads) or between its attention and its FFN (Mid).
struct FlowNode {
    enum Stage : std::uint8_t { Pre, Mid };
    int layer = 0;
    int position = 0;
    Stage stage = Pre;
    bool operator==(const FlowNode&) const = default;
};

struct FlowEdge {
    enum Kind : std::uint8_t {
        Attention,    ///< token `from.position` into `to.position` through the heads of `layer`
        AttnResidual, ///< the state before the attention block carried past it
        Mlp,          ///< the FFN's output at the position
        MlpResidual,  ///< the state before the FFN carried past it
    };
    Kind kind = Attention;
    int layer = 0;
    FlowNode from, to;
    double importance = 0; ///< share of the sum at `to`, in [0, 1]
    /// Attention edges: each head's share of the importance (they sum to it).
    std::vector<double> heads;
};

struct ContributionGraph {
    int layers = 0, heads = 0, tokens = 0, width = 0, headDim = 0, kvHeads = 0;
    std::vector<std::int32_t> ids;
    std::vector<FlowEdge> edges; ///< every edge, by layer
    // What the blocks wrote, per layer, for reading them through the unembedding.
    std::vector<std::vector<float>> attnOut, mlpOut; ///< [T, width]
    std::vector<std::vector<float>> values;          ///< [T, kvHeads * headDim]
    std::vector<std::vector<float>> probs;           ///< [heads, T, T]
    std::vector<float> logits;                       ///< the model's own [T, vocab]
};

/// Runs `tokens` once and measures every edge. Throws std::invalid_argument for no tokens.
ContributionGraph contributionGraph(std::shared_ptr<const ModelFile> model, Backend& backend,
                                    const std::vector<std::int32_t>& tokens);

/// The edges (indices into g.edges) on routes to the final state at `position` (-1: the last):
/// from that node backward, every edge of importance >= threshold into a node already reached.
std::vector<std::size_t> informationRoutes(const ContributionGraph& g, int position, double threshold);

/// A block's output read through the final norm's scale and the unembedding: the tokens it
/// raises and lowers most.
struct VocabProjection {
    std::vector<std::pair<std::int32_t, double>> promoted, suppressed; ///< best first
};

/// What `edge` brought (an Attention edge with `head` >= 0: that head only), or, for an Mlp
/// edge, the FFN's output; residual edges carry no block and give an empty projection.
VocabProjection projectEdge(const ModelFile& model, const ContributionGraph& g,
                            const FlowEdge& edge, int head = -1, int k = 10);

/// max(0, |y|₁ - |y - x|₁): how much of y the part x accounts for (Ferrando & Voita's proximity).
double proximity(const float* x, const float* y, int n);

} // namespace llmlab
