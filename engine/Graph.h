// A graph of tensor ops, built once for a shape and executed many times by a Backend.
//
// Activations are F32. A node is an input (host data given before each run), a constant
// (a weight tensor, uploaded once), or an op over earlier nodes. Nodes are created in
// topological order, so the node list is also a valid execution order.
#pragma once

#include "Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

using NodeId = std::int32_t;

enum class OpKind : std::uint8_t {
    Input,      ///< host data set before each run (F32 or I32)
    Constant,   ///< a weight tensor, uploaded once
    MatMul,     ///< a [M,K] x b [K,N] -> [M,N]; transB: b is [N,K]
    Add,        ///< a + b, b the same shape as a or one row broadcast over a's rows
    Mul,        ///< a * b, same broadcasting as Add
    Scale,      ///< a * scalar
    Embedding,  ///< table [V,D], ids I32 [T] -> [T,D]
    RmsNorm,    ///< x / sqrt(mean(x^2) + eps) * w, over each row
    LayerNorm,  ///< (x - mean) / sqrt(var + eps) * w + b, over each row
    Rope,       ///< rotary position embedding of x [T, H*hd] at positions I32 [T]
    Softmax,    ///< row softmax of x [..., Tq, Tk] with additive mask and optional causal mask
    AttnScores, ///< q [Tq, Hq*hd], k [Tk, Hkv*hd] -> scores [Hq, Tq, Tk] * scale (grouped heads)
    AttnValues, ///< probs [Hq, Tq, Tk], v [Tk, Hkv*hd] -> [Tq, Hq*hd]
    Silu,       ///< x * sigmoid(x)
    Gelu,       ///< tanh approximation of GELU
    Relu,       ///< max(x, 0)
    SwiGlu,     ///< silu(gate) * up

    // Training. Gradients are ordinary ops built by engine/train/Autodiff; see CpuGradOps.h
    // for each one's formula.
    Parameter,        ///< a trainable F32 tensor kept between runs (initial value given)
    State,            ///< an F32 buffer kept between runs, zero at first (optimiser moments)
    ReluGrad,         ///< (dy, x) -> dx
    GeluGrad,         ///< (dy, x) -> dx
    SiluGrad,         ///< (dy, x) -> dx
    SoftmaxGrad,      ///< (dy, y) -> dx, y the softmax output; params.scale as in the forward op
    RmsNormGrad,      ///< (dy, x, w) -> dx
    LayerNormGrad,    ///< (dy, x, w) -> dx
    ColumnSum,        ///< x [R, C] -> [C]
    EmbeddingGrad,    ///< (dy [T, D], ids I32 [T]) -> [V, D], V = params.rows
    AttnScoresGradQ,  ///< (dScores, k) -> dq
    AttnScoresGradK,  ///< (dScores, q) -> dk
    AttnValuesGradP,  ///< (dOut, v) -> dProbs
    AttnValuesGradV,  ///< (dOut, probs) -> dv
    CrossEntropy,     ///< (logits [N, V], labels I32 [N]) -> loss [N]; a label outside [0, V): 0
    CrossEntropyGrad, ///< (logits, labels) -> params.scale * (softmax - onehot) [N, V]
    SumSquares,       ///< x -> [1] sum of squares
    AdamW,            ///< in place: (param, grad, m, v, scalars [4] [, normSq [1]]) -> param
    GradEma,          ///< (grad, ema) -> grad + lambda * ema', ema' = alpha ema + (1-alpha) grad
                      ///< written back into ema in place (Grokfast)

    // Inference with a KV cache.
    WriteRows, ///< in place: (dst State [R, C], src [T, C], rows I32 [T]) -> dst with
               ///< dst[rows[t]] = src[t]; a row outside [0, R) is skipped
};

/// The two RoPE layouts: pairs (2i, 2i+1) as in GGUF/llama2.c, or halves (i, i+hd/2) as in HF.
enum class RopeLayout : std::uint8_t { Interleaved, RotateHalf };

/// Op parameters; each op reads the fields its comment names.
struct OpParams {
    float eps = 0.0f;       ///< RmsNorm, LayerNorm, AdamW
    float scale = 1.0f;     ///< Scale, AttnScores, Softmax (applied before the masks)
    float theta = 10000.0f; ///< Rope base
    bool transB = false;    ///< MatMul
    bool causal = false;    ///< Softmax: key j allowed for query i when j <= i + (Tk - Tq)
    RopeLayout ropeLayout = RopeLayout::Interleaved;
    std::int32_t heads = 0;             ///< Rope, AttnScores, AttnValues: query heads
    std::int32_t kvHeads = 0;           ///< AttnScores, AttnValues: key/value heads (divides heads)
    std::int32_t headDim = 0;           ///< Rope, AttnScores, AttnValues
    std::int32_t ropeDims = 0;          ///< Rope: leading dims of each head rotated (0 = all)
    bool ropeInverse = false;           ///< Rope: rotate by -angle (the op's backward pass)
    bool transA = false;                ///< MatMul: a is [K, M] and a^T is used
    std::int32_t batch = 1;             ///< Attn*: independent sequences stacked along the rows
    std::int64_t rows = 0;              ///< EmbeddingGrad: vocabulary size V
    float beta1 = 0.9f, beta2 = 0.999f; ///< AdamW
    float weightDecay = 0.0f;           ///< AdamW (decoupled)
    float clipNorm = 0.0f; ///< AdamW: scale g by min(1, clipNorm / sqrt(normSq)); 0 = off
    float alpha = 0.98f, lambda = 2.0f; ///< GradEma
};

/// AdamW's per-run scalars, set by the host before each step (a graph is recorded once, so
/// values that change every step come from a small input): {lr, 1/(1-b1^t), 1/(1-b2^t), skip};
/// skip != 0 leaves param, m and v as they are (a micro-batch of gradient accumulation).
constexpr std::int64_t kAdamWScalars = 4;

struct Node {
    OpKind op = OpKind::Input;
    std::vector<NodeId> inputs; ///< earlier nodes; for Softmax the optional mask is inputs[1]
    Shape shape;
    DType dtype = DType::F32; ///< F32 for activations; I32 inputs; weight dtype for constants
    OpParams params;
    Tensor constant; ///< Constant and Parameter (the initial value)
    std::string name;
    bool captured = false; ///< readable after a run
    /// In-place ops: the output is input 0's buffer (AdamW: the parameter), and the inputs
    /// listed here are written too (AdamW: m and v; GradEma: ema). Empty for pure ops.
    bool outputAliasesInput0 = false;
    std::vector<int> alsoWrites;
};

/// Nodes made by Graph::attention, so callers can capture the probabilities.
struct AttentionNodes {
    NodeId scores;
    NodeId probs;  ///< [Hq, Tq, Tk]
    NodeId output; ///< [Tq, Hq*hd]
};

class Graph {
public:
    NodeId input(const std::string& name, const Shape& shape, DType dtype = DType::F32);
    NodeId constant(const std::string& name, Tensor value);

    NodeId matmul(NodeId a, NodeId b, bool transB = false, bool transA = false);
    NodeId add(NodeId a, NodeId b);
    NodeId mul(NodeId a, NodeId b);
    NodeId scale(NodeId a, float s);
    NodeId embedding(NodeId table, NodeId ids);
    NodeId rmsNorm(NodeId x, NodeId weight, float eps);
    NodeId layerNorm(NodeId x, NodeId weight, NodeId bias, float eps);
    NodeId rope(NodeId x, NodeId positions, int heads, int headDim, float theta, RopeLayout layout,
                int ropeDims = 0);
    /// mask: -1 for none, else an F32 node of shape [Tq, Tk] added to every head's scores.
    NodeId softmax(NodeId x, NodeId mask = -1, bool causal = false, float scale = 1.0f);
    /// batch > 1: q holds batch sequences of Tq rows each (k, v likewise of Tk rows), and the
    /// scores are [batch * heads, Tq, Tk].
    NodeId attnScores(NodeId q, NodeId k, int heads, int kvHeads, int headDim, float scale,
                      int batch = 1);
    NodeId attnValues(NodeId probs, NodeId v, int heads, int kvHeads, int headDim, int batch = 1);
    /// scores -> (mask, causal) softmax -> weighted sum of values; scale 0 means 1/sqrt(headDim).
    AttentionNodes attention(NodeId q, NodeId k, NodeId v, int heads, int kvHeads, int headDim,
                             bool causal, NodeId mask = -1, float scale = 0.0f, int batch = 1);
    NodeId silu(NodeId x);
    NodeId gelu(NodeId x);
    NodeId relu(NodeId x);
    NodeId swiglu(NodeId gate, NodeId up);

    // Training nodes (see OpKind for each one's meaning).
    NodeId parameter(const std::string& name, Tensor initial);
    NodeId state(const std::string& name, const Shape& shape);
    /// A gradient op (ReluGrad ... AttnValuesGradV) with its output shape; checked lightly, as
    /// Autodiff builds these from shapes it already checked.
    NodeId gradOp(OpKind op, std::vector<NodeId> inputs, const Shape& shape,
                  const OpParams& params = {});
    NodeId columnSum(NodeId x);
    NodeId crossEntropy(NodeId logits, NodeId labels);
    NodeId crossEntropyGrad(NodeId logits, NodeId labels, float scale);
    NodeId sumSquares(NodeId x);
    /// scalars: an F32 input of kAdamWScalars values; normSq: -1 or a [1] node (for clipping).
    NodeId adamw(NodeId param, NodeId grad, NodeId m, NodeId v, NodeId scalars, NodeId normSq,
                 const OpParams& params);
    NodeId gradEma(NodeId grad, NodeId ema, float alpha, float lambda);
    /// Writes src's rows into the state node `dst` at `rows` (a KV cache); later readers of the
    /// cache must take the returned node, which is `dst` after the write.
    NodeId writeRows(NodeId dst, NodeId src, NodeId rows);

    /// A second computation of op node `id` reading `inputs` (of the same shapes) instead of
    /// its own: gradient checkpointing recomputes a block's activations this way in the
    /// backward pass. Not for inputs, constants, parameters, states or in-place ops.
    NodeId recompute(NodeId id, std::vector<NodeId> inputs);

    /// Marks a node as readable after a run (outputs must be captured too).
    void capture(NodeId id);
    /// Makes a Rope node rotate by -angle (its backward pass).
    void setRopeInverse(NodeId rope, bool inverse);
    void setName(NodeId id, const std::string& name);

    const Node& node(NodeId id) const { return m_nodes.at(std::size_t(id)); }
    const std::vector<Node>& nodes() const { return m_nodes; }
    /// True when `id` has readers and every one reads it as a weight matrix: the w of a matmul
    /// x·wᵀ, or the table of an embedding. Such a constant can stay in its file's packed type
    /// on a backend that multiplies and gathers from packed rows.
    bool readOnlyAsWeight(NodeId id) const;
    std::size_t size() const { return m_nodes.size(); }

    /// For each node, the index of the last node that reads it (itself when none does).
    std::vector<NodeId> lastUses() const;

private:
    NodeId push(Node n);
    const Node& checked(NodeId id, const char* what) const;
    const Shape& checkedLogits(NodeId logits, NodeId labels) const;
    NodeId unary(OpKind op, NodeId x);
    NodeId binary(OpKind op, NodeId a, NodeId b);

    std::vector<Node> m_nodes;
};

/// Name of an op ("matmul", "rms_norm", ...), matching its shader file.
const char* opName(OpKind op);

} // namespace llmlab
