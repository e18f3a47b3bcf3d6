#include "Graph.h"

#include <cmath>
#include <stdexcept>

namespace llmlab {

namespace {
[[noreturn]] void fail(const std::string& what) {
    throw std::invalid_argument("graph: " + what);
}
} // namespace

const char* opName(OpKind op) {
    switch (op) {
    case OpKind::Input:
        return "input";
    case OpKind::Constant:
        return "constant";
    case OpKind::MatMul:
        return "matmul";
    case OpKind::Add:
        return "add";
    case OpKind::Mul:
        return "mul";
    case OpKind::Scale:
        return "scale";
    case OpKind::Embedding:
        return "embedding";
    case OpKind::RmsNorm:
        return "rms_norm";
    case OpKind::LayerNorm:
        return "layer_norm";
    case OpKind::Rope:
        return "rope";
    case OpKind::Softmax:
        return "softmax";
    case OpKind::AttnScores:
        return "attn_scores";
    case OpKind::AttnValues:
        return "attn_values";
    case OpKind::Silu:
        return "silu";
    case OpKind::Gelu:
        return "gelu";
    case OpKind::Relu:
        return "relu";
    case OpKind::SwiGlu:
        return "swiglu";
    case OpKind::Parameter:
        return "parameter";
    case OpKind::State:
        return "state";
    case OpKind::ReluGrad:
        return "relu_grad";
    case OpKind::GeluGrad:
        return "gelu_grad";
    case OpKind::SiluGrad:
        return "silu_grad";
    case OpKind::SoftmaxGrad:
        return "softmax_grad";
    case OpKind::RmsNormGrad:
        return "rms_norm_grad";
    case OpKind::LayerNormGrad:
        return "layer_norm_grad";
    case OpKind::ColumnSum:
        return "column_sum";
    case OpKind::EmbeddingGrad:
        return "embedding_grad";
    case OpKind::AttnScoresGradQ:
        return "attn_scores_grad_q";
    case OpKind::AttnScoresGradK:
        return "attn_scores_grad_k";
    case OpKind::AttnValuesGradP:
        return "attn_values_grad_p";
    case OpKind::AttnValuesGradV:
        return "attn_values_grad_v";
    case OpKind::CrossEntropy:
        return "cross_entropy";
    case OpKind::CrossEntropyGrad:
        return "cross_entropy_grad";
    case OpKind::SumSquares:
        return "sum_squares";
    case OpKind::AdamW:
        return "adamw";
    case OpKind::GradEma:
        return "grad_ema";
    case OpKind::WriteRows:
        return "write_rows";
    }
    return "?";
}

NodeId Graph::push(Node n) {
    if (n.name.empty()) n.name = std::string(opName(n.op)) + "_" + std::to_string(m_nodes.size());
    m_nodes.push_back(std::move(n));
    return NodeId(m_nodes.size() - 1);
}

const Node& Graph::checked(NodeId id, const char* what) const {
    if (id < 0 || std::size_t(id) >= m_nodes.size())
        fail(std::string(what) + ": unknown node " + std::to_string(id));
    return m_nodes[std::size_t(id)];
}

NodeId Graph::input(const std::string& name, const Shape& shape, DType dtype) {
    if (dtype != DType::F32 && dtype != DType::I32) fail("inputs are F32 or I32");
    Node n;
    n.op = OpKind::Input;
    n.shape = shape;
    n.dtype = dtype;
    n.name = name;
    return push(std::move(n));
}

bool Graph::readOnlyAsWeight(NodeId id) const {
    bool read = false;
    for (const Node& n : m_nodes) {
        for (std::size_t k = 0; k < n.inputs.size(); ++k) {
            if (n.inputs[k] != id) continue;
            const bool weight = n.op == OpKind::MatMul && k == 1 && n.params.transB &&
                                !n.params.transA && n.inputs[0] != id;
            const bool table = n.op == OpKind::Embedding && k == 0;
            if (!weight && !table) return false;
            read = true;
        }
    }
    return read;
}

NodeId Graph::constant(const std::string& name, Tensor value) {
    if (value.empty()) fail("constant '" + name + "' is empty");
    Node n;
    n.op = OpKind::Constant;
    n.shape = value.shape();
    n.dtype = value.dtype();
    n.constant = std::move(value);
    n.name = name;
    return push(std::move(n));
}

NodeId Graph::matmul(NodeId a, NodeId b, bool transB, bool transA) {
    const Node& A = checked(a, "matmul");
    const Node& B = checked(b, "matmul");
    if (A.shape.rank() != 2 || B.shape.rank() != 2) fail("matmul takes 2-D operands");
    if (transA && transB) fail("matmul: transA and transB together are not supported");
    const std::int64_t m = transA ? A.shape.dim(1) : A.shape.dim(0);
    const std::int64_t k = transA ? A.shape.dim(0) : A.shape.dim(1);
    const std::int64_t kb = transB ? B.shape.dim(1) : B.shape.dim(0);
    if (k != kb)
        fail("matmul inner dimensions differ: " + A.shape.toString() + " x " + B.shape.toString() +
             (transB ? "^T" : ""));
    Node n;
    n.op = OpKind::MatMul;
    n.inputs = {a, b};
    n.shape = Shape{m, transB ? B.shape.dim(0) : B.shape.dim(1)};
    n.params.transB = transB;
    n.params.transA = transA;
    return push(std::move(n));
}

NodeId Graph::binary(OpKind op, NodeId a, NodeId b) {
    const Node& A = checked(a, opName(op));
    const Node& B = checked(b, opName(op));
    const bool same = A.shape == B.shape;
    const bool row = B.shape.numel() == A.shape.back() && A.shape.rank() >= 1;
    if (!same && !row)
        fail(std::string(opName(op)) + ": cannot broadcast " + B.shape.toString() + " over " +
             A.shape.toString());
    Node n;
    n.op = op;
    n.inputs = {a, b};
    n.shape = A.shape;
    return push(std::move(n));
}

NodeId Graph::add(NodeId a, NodeId b) {
    return binary(OpKind::Add, a, b);
}
NodeId Graph::mul(NodeId a, NodeId b) {
    return binary(OpKind::Mul, a, b);
}

NodeId Graph::unary(OpKind op, NodeId x) {
    Node n;
    n.op = op;
    n.inputs = {x};
    n.shape = checked(x, opName(op)).shape;
    return push(std::move(n));
}

NodeId Graph::scale(NodeId a, float s) {
    NodeId id = unary(OpKind::Scale, a);
    m_nodes[std::size_t(id)].params.scale = s;
    return id;
}

NodeId Graph::silu(NodeId x) {
    return unary(OpKind::Silu, x);
}
NodeId Graph::gelu(NodeId x) {
    return unary(OpKind::Gelu, x);
}
NodeId Graph::relu(NodeId x) {
    return unary(OpKind::Relu, x);
}

NodeId Graph::swiglu(NodeId gate, NodeId up) {
    const Node& G = checked(gate, "swiglu");
    if (G.shape != checked(up, "swiglu").shape) fail("swiglu: gate and up shapes differ");
    Node n;
    n.op = OpKind::SwiGlu;
    n.inputs = {gate, up};
    n.shape = G.shape;
    return push(std::move(n));
}

NodeId Graph::embedding(NodeId table, NodeId ids) {
    const Node& T = checked(table, "embedding");
    const Node& I = checked(ids, "embedding");
    if (T.shape.rank() != 2) fail("embedding table must be 2-D");
    if (I.dtype != DType::I32 || I.shape.rank() != 1) fail("embedding ids must be I32 [T]");
    Node n;
    n.op = OpKind::Embedding;
    n.inputs = {table, ids};
    n.shape = Shape{I.shape.dim(0), T.shape.dim(1)};
    return push(std::move(n));
}

NodeId Graph::rmsNorm(NodeId x, NodeId weight, float eps) {
    const Node& X = checked(x, "rms_norm");
    if (checked(weight, "rms_norm").shape.numel() != X.shape.back())
        fail("rms_norm weight must have one value per column");
    Node n;
    n.op = OpKind::RmsNorm;
    n.inputs = {x, weight};
    n.shape = X.shape;
    n.params.eps = eps;
    return push(std::move(n));
}

NodeId Graph::layerNorm(NodeId x, NodeId weight, NodeId bias, float eps) {
    const Node& X = checked(x, "layer_norm");
    if (checked(weight, "layer_norm").shape.numel() != X.shape.back() ||
        checked(bias, "layer_norm").shape.numel() != X.shape.back())
        fail("layer_norm weight and bias must have one value per column");
    Node n;
    n.op = OpKind::LayerNorm;
    n.inputs = {x, weight, bias};
    n.shape = X.shape;
    n.params.eps = eps;
    return push(std::move(n));
}

NodeId Graph::rope(NodeId x, NodeId positions, int heads, int headDim, float theta,
                   RopeLayout layout, int ropeDims) {
    const Node& X = checked(x, "rope");
    const Node& P = checked(positions, "rope");
    if (X.shape.rank() != 2 || X.shape.dim(1) != std::int64_t(heads) * headDim)
        fail("rope input must be [T, heads*headDim], got " + X.shape.toString());
    if (P.dtype != DType::I32 || P.shape.numel() != X.shape.dim(0))
        fail("rope positions must be I32 with one per row");
    if (ropeDims == 0) ropeDims = headDim;
    if (ropeDims % 2 != 0 || ropeDims > headDim)
        fail("rope: rotated dims must be even, <= head dim");
    Node n;
    n.op = OpKind::Rope;
    n.inputs = {x, positions};
    n.shape = X.shape;
    n.params.heads = heads;
    n.params.headDim = headDim;
    n.params.ropeDims = ropeDims;
    n.params.theta = theta;
    n.params.ropeLayout = layout;
    return push(std::move(n));
}

NodeId Graph::softmax(NodeId x, NodeId mask, bool causal, float scale) {
    const Node& X = checked(x, "softmax");
    if (X.shape.rank() < 1) fail("softmax needs rank >= 1");
    Node n;
    n.op = OpKind::Softmax;
    n.inputs = {x};
    if (mask >= 0) {
        const Node& M = checked(mask, "softmax");
        const std::int64_t tk = X.shape.back();
        const std::int64_t tq = X.shape.rank() >= 2 ? X.shape.back(1) : 1;
        if (M.shape.numel() != tq * tk) fail("softmax mask must be [Tq, Tk]");
        n.inputs.push_back(mask);
    }
    n.shape = X.shape;
    n.params.causal = causal;
    n.params.scale = scale;
    return push(std::move(n));
}

NodeId Graph::attnScores(NodeId q, NodeId k, int heads, int kvHeads, int headDim, float scale,
                         int batch) {
    const Node& Q = checked(q, "attn_scores");
    const Node& K = checked(k, "attn_scores");
    if (batch < 1 || Q.shape.rank() != 2 || K.shape.rank() != 2 || Q.shape.dim(0) % batch != 0 ||
        K.shape.dim(0) % batch != 0)
        fail("attention: q and k rows must split into the batch's sequences");
    if (kvHeads <= 0 || heads % kvHeads != 0)
        fail("attention: heads must be a multiple of KV heads");
    if (Q.shape.rank() != 2 || Q.shape.dim(1) != std::int64_t(heads) * headDim)
        fail("attention: q must be [Tq, heads*headDim], got " + Q.shape.toString());
    if (K.shape.rank() != 2 || K.shape.dim(1) != std::int64_t(kvHeads) * headDim)
        fail("attention: k must be [Tk, kvHeads*headDim], got " + K.shape.toString());
    Node n;
    n.op = OpKind::AttnScores;
    n.inputs = {q, k};
    n.shape = Shape{std::int64_t(batch) * heads, Q.shape.dim(0) / batch, K.shape.dim(0) / batch};
    n.params.heads = heads;
    n.params.kvHeads = kvHeads;
    n.params.headDim = headDim;
    n.params.scale = scale;
    n.params.batch = batch;
    return push(std::move(n));
}

NodeId Graph::attnValues(NodeId probs, NodeId v, int heads, int kvHeads, int headDim, int batch) {
    const Node& P = checked(probs, "attn_values");
    const Node& V = checked(v, "attn_values");
    if (kvHeads <= 0 || heads % kvHeads != 0)
        fail("attention: heads must be a multiple of KV heads");
    if (batch < 1 || P.shape.rank() != 3 || P.shape.dim(0) != std::int64_t(batch) * heads)
        fail("attention: probs must be [batch*H, Tq, Tk]");
    if (V.shape.rank() != 2 || V.shape.dim(0) != P.shape.dim(2) * batch ||
        V.shape.dim(1) != std::int64_t(kvHeads) * headDim)
        fail("attention: v must be [Tk, kvHeads*headDim], got " + V.shape.toString());
    Node n;
    n.op = OpKind::AttnValues;
    n.inputs = {probs, v};
    n.shape = Shape{P.shape.dim(1) * batch, std::int64_t(heads) * headDim};
    n.params.heads = heads;
    n.params.kvHeads = kvHeads;
    n.params.headDim = headDim;
    n.params.batch = batch;
    return push(std::move(n));
}

AttentionNodes Graph::attention(NodeId q, NodeId k, NodeId v, int heads, int kvHeads, int headDim,
                                bool causal, NodeId mask, float scale, int batch) {
    if (scale == 0.0f) scale = 1.0f / std::sqrt(float(headDim));
    AttentionNodes a{};
    a.scores = attnScores(q, k, heads, kvHeads, headDim, scale, batch);
    a.probs = softmax(a.scores, mask, causal);
    a.output = attnValues(a.probs, v, heads, kvHeads, headDim, batch);
    return a;
}

NodeId Graph::parameter(const std::string& name, Tensor initial) {
    if (initial.empty() || initial.dtype() != DType::F32)
        fail("parameter '" + name + "' needs an F32 initial value");
    Node n;
    n.op = OpKind::Parameter;
    n.shape = initial.shape();
    n.constant = std::move(initial);
    n.name = name;
    return push(std::move(n));
}

NodeId Graph::state(const std::string& name, const Shape& shape) {
    Node n;
    n.op = OpKind::State;
    n.shape = shape;
    n.name = name;
    return push(std::move(n));
}

NodeId Graph::gradOp(OpKind op, std::vector<NodeId> inputs, const Shape& shape,
                     const OpParams& params) {
    for (NodeId id : inputs) checked(id, opName(op));
    Node n;
    n.op = op;
    n.inputs = std::move(inputs);
    n.shape = shape;
    n.params = params;
    return push(std::move(n));
}

NodeId Graph::columnSum(NodeId x) {
    const Node& X = checked(x, "column_sum");
    return gradOp(OpKind::ColumnSum, {x}, Shape{X.shape.back()});
}

const Shape& Graph::checkedLogits(NodeId logits, NodeId labels) const {
    const Node& L = checked(logits, "cross_entropy");
    const Node& Y = checked(labels, "cross_entropy");
    if (L.shape.rank() != 2 || Y.dtype != DType::I32 || Y.shape.numel() != L.shape.dim(0))
        fail("cross_entropy needs logits [N, V] and I32 labels [N]");
    return L.shape;
}

NodeId Graph::crossEntropy(NodeId logits, NodeId labels) {
    const Shape shape = checkedLogits(logits, labels);
    return gradOp(OpKind::CrossEntropy, {logits, labels}, Shape{shape.dim(0)});
}

NodeId Graph::crossEntropyGrad(NodeId logits, NodeId labels, float scale) {
    const Shape shape = checkedLogits(logits, labels);
    OpParams p;
    p.scale = scale;
    return gradOp(OpKind::CrossEntropyGrad, {logits, labels}, shape, p);
}

NodeId Graph::sumSquares(NodeId x) {
    checked(x, "sum_squares");
    return gradOp(OpKind::SumSquares, {x}, Shape{1});
}

NodeId Graph::adamw(NodeId param, NodeId grad, NodeId m, NodeId v, NodeId scalars, NodeId normSq,
                    const OpParams& params) {
    const Node& P = checked(param, "adamw");
    if (P.op != OpKind::Parameter) fail("adamw updates a parameter node");
    for (NodeId id : {grad, m, v})
        if (checked(id, "adamw").shape.numel() != P.shape.numel())
            fail("adamw: gradient and moments must match parameter '" + P.name + "'");
    if (checked(m, "adamw").op != OpKind::State || checked(v, "adamw").op != OpKind::State)
        fail("adamw: the moments must be state nodes");
    if (checked(scalars, "adamw").shape.numel() != kAdamWScalars)
        fail("adamw: scalars must hold " + std::to_string(kAdamWScalars) + " values");
    std::vector<NodeId> inputs = {param, grad, m, v, scalars};
    if (normSq >= 0) {
        if (checked(normSq, "adamw").shape.numel() != 1) fail("adamw: normSq must be [1]");
        inputs.push_back(normSq);
    }
    const NodeId id = gradOp(OpKind::AdamW, std::move(inputs), P.shape, params);
    m_nodes.back().outputAliasesInput0 = true;
    m_nodes.back().alsoWrites = {2, 3};
    m_nodes.back().name = "adamw_" + P.name;
    return id;
}

NodeId Graph::gradEma(NodeId grad, NodeId ema, float alpha, float lambda) {
    const Node& G = checked(grad, "grad_ema");
    const Node& E = checked(ema, "grad_ema");
    if (E.op != OpKind::State || E.shape.numel() != G.shape.numel())
        fail("grad_ema: the average must be a state node shaped like the gradient");
    OpParams p;
    p.alpha = alpha;
    p.lambda = lambda;
    const NodeId id = gradOp(OpKind::GradEma, {grad, ema}, G.shape, p);
    m_nodes.back().alsoWrites = {1};
    return id;
}

NodeId Graph::recompute(NodeId id, std::vector<NodeId> inputs) {
    Node n = checked(id, "recompute"); // a copy: push may move the vector
    if (n.op == OpKind::Input || n.op == OpKind::Constant || n.op == OpKind::Parameter ||
        n.op == OpKind::State || n.outputAliasesInput0 || !n.alsoWrites.empty())
        fail("recompute: " + std::string(opName(n.op)) + " '" + n.name + "' cannot be computed twice");
    if (inputs.size() != n.inputs.size()) fail("recompute: '" + n.name + "' takes " + std::to_string(n.inputs.size()) + " inputs");
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (checked(inputs[i], "recompute").shape != m_nodes[std::size_t(n.inputs[i])].shape)
            fail("recompute: input " + std::to_string(i) + " of '" + n.name + "' has another shape");
    n.inputs = std::move(inputs);
    n.captured = false;
    n.name += ".recomputed";
    return push(std::move(n));
}

NodeId Graph::writeRows(NodeId dst, NodeId src, NodeId rows) {
    const Node& D = checked(dst, "write_rows");
    const Node& S = checked(src, "write_rows");
    const Node& R = checked(rows, "write_rows");
    if (D.op != OpKind::State || D.shape.rank() != 2)
        fail("write_rows writes into a 2-D state node");
    if (S.shape.rank() != 2 || S.shape.dim(1) != D.shape.dim(1))
        fail("write_rows: rows of " + S.shape.toString() + " do not fit " + D.shape.toString());
    if (R.dtype != DType::I32 || R.shape.numel() != S.shape.dim(0))
        fail("write_rows needs one I32 row index per source row");
    const NodeId id = gradOp(OpKind::WriteRows, {dst, src, rows}, D.shape);
    m_nodes.back().outputAliasesInput0 = true;
    return id;
}

void Graph::setRopeInverse(NodeId rope, bool inverse) {
    checked(rope, "setRopeInverse");
    Node& n = m_nodes[std::size_t(rope)];
    if (n.op != OpKind::Rope) fail("setRopeInverse: node " + std::to_string(rope) + " is not rope");
    n.params.ropeInverse = inverse;
}

void Graph::capture(NodeId id) {
    m_nodes.at(std::size_t(id)).captured = true;
}
void Graph::setName(NodeId id, const std::string& name) {
    m_nodes.at(std::size_t(id)).name = name;
}

std::vector<NodeId> Graph::lastUses() const {
    std::vector<NodeId> last(m_nodes.size());
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        last[i] = NodeId(i);
        for (NodeId in : m_nodes[i].inputs) last[std::size_t(in)] = NodeId(i);
    }
    return last;
}

} // namespace llmlab
