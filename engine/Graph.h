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
    Input,       ///< host data set before each run (F32 or I32)
    Constant,    ///< a weight tensor, uploaded once
    MatMul,      ///< a [M,K] x b [K,N] -> [M,N]; transB: b is [N,K]
    Add,         ///< a + b, b the same shape as a or one row broadcast over a's rows
    Mul,         ///< a * b, same broadcasting as Add
    Scale,       ///< a * scalar
    Embedding,   ///< table [V,D], ids I32 [T] -> [T,D]
    RmsNorm,     ///< x / sqrt(mean(x^2) + eps) * w, over each row
    LayerNorm,   ///< (x - mean) / sqrt(var + eps) * w + b, over each row
    Rope,        ///< rotary position embedding of x [T, H*hd] at positions I32 [T]
    Softmax,     ///< row softmax of x [..., Tq, Tk] with additive mask and optional causal mask
    AttnScores,  ///< q [Tq, Hq*hd], k [Tk, Hkv*hd] -> scores [Hq, Tq, Tk] * scale (grouped heads)
    AttnValues,  ///< probs [Hq, Tq, Tk], v [Tk, Hkv*hd] -> [Tq, Hq*hd]
    Silu,        ///< x * sigmoid(x)
    Gelu,        ///< tanh approximation of GELU
    Relu,        ///< max(x, 0)
    SwiGlu,      ///< silu(gate) * up
};

/// The two RoPE layouts: pairs (2i, 2i+1) as in GGUF/llama2.c, or halves (i, i+hd/2) as in HF.
enum class RopeLayout : std::uint8_t { Interleaved, RotateHalf };

/// Op parameters; each op reads the fields its comment names.
struct OpParams {
    float eps = 0.0f;     ///< RmsNorm, LayerNorm
    float scale = 1.0f;   ///< Scale, AttnScores, Softmax (applied before the masks)
    float theta = 10000.0f; ///< Rope base
    bool transB = false;  ///< MatMul
    bool causal = false;  ///< Softmax: key j allowed for query i when j <= i + (Tk - Tq)
    RopeLayout ropeLayout = RopeLayout::Interleaved;
    std::int32_t heads = 0;    ///< Rope, AttnScores, AttnValues: query heads
    std::int32_t kvHeads = 0;  ///< AttnScores, AttnValues: key/value heads (divides heads)
    std::int32_t headDim = 0;  ///< Rope, AttnScores, AttnValues
    std::int32_t ropeDims = 0; ///< Rope: leading dims of each head rotated (0 = all)
};

struct Node {
    OpKind op = OpKind::Input;
    std::vector<NodeId> inputs; ///< earlier nodes; for Softmax the optional mask is inputs[1]
    Shape shape;
    DType dtype = DType::F32;   ///< F32 for activations; I32 inputs; weight dtype for constants
    OpParams params;
    Tensor constant;            ///< Constant only
    std::string name;
    bool captured = false;      ///< readable after a run
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

    NodeId matmul(NodeId a, NodeId b, bool transB = false);
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
    NodeId attnScores(NodeId q, NodeId k, int heads, int kvHeads, int headDim, float scale);
    NodeId attnValues(NodeId probs, NodeId v, int heads, int kvHeads, int headDim);
    /// scores -> (mask, causal) softmax -> weighted sum of values; scale 0 means 1/sqrt(headDim).
    AttentionNodes attention(NodeId q, NodeId k, NodeId v, int heads, int kvHeads, int headDim,
                             bool causal, NodeId mask = -1, float scale = 0.0f);
    NodeId silu(NodeId x);
    NodeId gelu(NodeId x);
    NodeId relu(NodeId x);
    NodeId swiglu(NodeId gate, NodeId up);

    /// Marks a node as readable after a run (outputs must be captured too).
    void capture(NodeId id);
    void setName(NodeId id, const std::string& name);

    const Node& node(NodeId id) const { return m_nodes.at(std::size_t(id)); }
    const std::vector<Node>& nodes() const { return m_nodes; }
    std::size_t size() const { return m_nodes.size(); }

    /// For each node, the index of the last node that reads it (itself when none does).
    std::vector<NodeId> lastUses() const;

private:
    NodeId push(Node n);
    const Node& checked(NodeId id, const char* what) const;
    NodeId unary(OpKind op, NodeId x);
    NodeId binary(OpKind op, NodeId a, NodeId b);

    std::vector<Node> m_nodes;
};

/// Name of an op ("matmul", "rms_norm", ...), matching its shader file.
const char* opName(OpKind op);

} // namespace llmlab
