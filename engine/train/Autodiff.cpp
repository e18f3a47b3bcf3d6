#include "Autodiff.h"

#include <stdexcept>
#include <vector>

namespace llmlab {

namespace {

class Backward {
public:
    Backward(Graph& g, const std::vector<NodeId>& wrt, NodeId output,
             const std::vector<std::pair<NodeId, NodeId>>& recompute)
        : m_g(g), m_ranges(recompute) {
        // A node needs a gradient when it depends on a parameter we differentiate for.
        m_needs.assign(g.size(), false);
        for (NodeId p : wrt) m_needs[std::size_t(p)] = true;
        for (std::size_t i = 0; i <= std::size_t(output); ++i)
            for (NodeId in : g.node(NodeId(i)).inputs)
                if (m_needs[std::size_t(in)]) m_needs[i] = true;
        m_grad.assign(g.size(), -1);
        m_copy.assign(g.size(), -1);
        for (std::size_t r = 0; r < m_ranges.size(); ++r)
            if (m_ranges[r].first < 0 || m_ranges[r].second > NodeId(g.size()) || m_ranges[r].first > m_ranges[r].second ||
                (r > 0 && m_ranges[r].first < m_ranges[r - 1].second))
                throw std::invalid_argument("autodiff: recompute ranges must be ordered, disjoint node ranges");
        m_nextRange = int(m_ranges.size()) - 1;
    }

    void run(NodeId output, NodeId outputGrad) {
        m_grad[std::size_t(output)] = outputGrad;
        for (NodeId i = output; i >= 0; --i) {
            const NodeId dy = m_grad[std::size_t(i)];
            if (dy < 0 || !m_needs[std::size_t(i)]) continue;
            const Node n = m_g.node(i); // a copy: appending nodes may move the vector
            if (n.op == OpKind::Parameter || n.op == OpKind::Input || n.op == OpKind::Constant)
                continue;
            recomputeRangeOf(i);
            propagate(n, i, dy);
        }
    }

    NodeId gradOf(NodeId id) const { return m_grad[std::size_t(id)]; }

private:
    bool needs(const Node& n, int k) const {
        return m_needs[std::size_t(n.inputs[std::size_t(k)])];
    }
    // Input k of n: the node a gradient goes to.
    NodeId in(const Node& n, int k) const { return n.inputs[std::size_t(k)]; }
    // Input k's value, as a formula reads it: its second computation where there is one.
    NodeId val(const Node& n, int k) const { return value(n.inputs[std::size_t(k)]); }
    NodeId value(NodeId id) const {
        return std::size_t(id) < m_copy.size() && m_copy[std::size_t(id)] >= 0 ? m_copy[std::size_t(id)] : id;
    }

    // Before the first backward op of a recompute range (met last to first), the range's ops
    // computed again from its inputs; leaves, and ops outside the range, are read as they are.
    void recomputeRangeOf(NodeId i) {
        while (m_nextRange >= 0 && m_ranges[std::size_t(m_nextRange)].first > i) --m_nextRange;
        if (m_nextRange < 0) return;
        const auto [first, end] = m_ranges[std::size_t(m_nextRange)];
        if (i >= end) return;
        --m_nextRange; // this range is done once
        for (NodeId j = first; j < end; ++j) {
            const Node& n = m_g.node(j);
            if (n.op == OpKind::Input || n.op == OpKind::Constant || n.op == OpKind::Parameter ||
                n.op == OpKind::State)
                continue;
            std::vector<NodeId> inputs;
            for (NodeId k : n.inputs) inputs.push_back(value(k));
            const NodeId copy = m_g.recompute(j, std::move(inputs));
            m_copy[std::size_t(j)] = copy;
        }
    }
    const Shape& shapeOf(NodeId id) const { return m_g.node(id).shape; }

    // Gradients of a node used several times add up.
    void accumulate(NodeId target, NodeId g) {
        NodeId& slot = m_grad[std::size_t(target)];
        slot = slot < 0 ? g : m_g.add(slot, g);
    }

    NodeId ones(std::int64_t n, float value) {
        return m_g.constant(
            "ones_" + std::to_string(n) + "_" + std::to_string(value),
            Tensor::fromFloats(Shape{n}, std::vector<float>(std::size_t(n), value)));
    }

    // Gradient of the second operand of a broadcasting Add/Mul: summed over rows when b was
    // one row broadcast over a.
    NodeId reduceLike(NodeId g, NodeId b) {
        return shapeOf(g) == shapeOf(b) ? g : m_g.columnSum(g);
    }

    // `self` is the node's id: Softmax's backward reads its own output.
    void propagate(const Node& n, NodeId self, NodeId dy) {
        const OpParams& p = n.params;
        switch (n.op) {
        case OpKind::MatMul: {
            const NodeId a = in(n, 0), b = in(n, 1);
            const NodeId av = val(n, 0), bv = val(n, 1);
            if (p.transA) { // y = a^T b, a [K, M]
                if (needs(n, 0)) accumulate(a, m_g.matmul(bv, dy, true));
                if (needs(n, 1)) accumulate(b, m_g.matmul(av, dy));
            } else if (p.transB) { // y = a b^T, b [N, K]
                if (needs(n, 0)) accumulate(a, m_g.matmul(dy, bv));
                if (needs(n, 1)) accumulate(b, m_g.matmul(dy, av, false, true));
            } else { // y = a b
                if (needs(n, 0)) accumulate(a, m_g.matmul(dy, bv, true));
                if (needs(n, 1)) accumulate(b, m_g.matmul(av, dy, false, true));
            }
            return;
        }
        case OpKind::Add:
            if (needs(n, 0)) accumulate(in(n, 0), dy);
            if (needs(n, 1)) accumulate(in(n, 1), reduceLike(dy, in(n, 1)));
            return;
        case OpKind::Mul:
            if (needs(n, 0)) accumulate(in(n, 0), m_g.mul(dy, val(n, 1)));
            if (needs(n, 1)) accumulate(in(n, 1), reduceLike(m_g.mul(dy, val(n, 0)), in(n, 1)));
            return;
        case OpKind::Scale:
            accumulate(in(n, 0), m_g.scale(dy, p.scale));
            return;
        case OpKind::Embedding: {
            OpParams q;
            q.rows = shapeOf(in(n, 0)).dim(0);
            accumulate(in(n, 0),
                       m_g.gradOp(OpKind::EmbeddingGrad, {dy, val(n, 1)}, shapeOf(in(n, 0)), q));
            return;
        }
        case OpKind::RmsNorm: {
            const NodeId x = in(n, 0), w = in(n, 1), xv = val(n, 0), wv = val(n, 1);
            if (needs(n, 0)) accumulate(x, m_g.gradOp(OpKind::RmsNormGrad, {dy, xv, wv}, n.shape, p));
            if (needs(n, 1)) {
                const NodeId xhat = m_g.rmsNorm(xv, ones(n.shape.back(), 1.0f), p.eps);
                accumulate(w, m_g.columnSum(m_g.mul(dy, xhat)));
            }
            return;
        }
        case OpKind::LayerNorm: {
            const NodeId x = in(n, 0), w = in(n, 1), b = in(n, 2), xv = val(n, 0), wv = val(n, 1);
            if (needs(n, 0))
                accumulate(x, m_g.gradOp(OpKind::LayerNormGrad, {dy, xv, wv}, n.shape, p));
            if (needs(n, 1)) {
                const std::int64_t d = n.shape.back();
                const NodeId xhat = m_g.layerNorm(xv, ones(d, 1.0f), ones(d, 0.0f), p.eps);
                accumulate(w, m_g.columnSum(m_g.mul(dy, xhat)));
            }
            if (needs(n, 2)) accumulate(b, m_g.columnSum(dy));
            return;
        }
        case OpKind::Softmax: {
            OpParams q;
            q.scale = p.scale;
            accumulate(in(n, 0), m_g.gradOp(OpKind::SoftmaxGrad, {dy, value(self)}, n.shape, q));
            return;
        }
        case OpKind::AttnScores:
            if (needs(n, 0))
                accumulate(in(n, 0), m_g.gradOp(OpKind::AttnScoresGradQ, {dy, val(n, 1)},
                                                shapeOf(in(n, 0)), p));
            if (needs(n, 1))
                accumulate(in(n, 1), m_g.gradOp(OpKind::AttnScoresGradK, {dy, val(n, 0)},
                                                shapeOf(in(n, 1)), p));
            return;
        case OpKind::AttnValues:
            if (needs(n, 0))
                accumulate(in(n, 0), m_g.gradOp(OpKind::AttnValuesGradP, {dy, val(n, 1)},
                                                shapeOf(in(n, 0)), p));
            if (needs(n, 1))
                accumulate(in(n, 1), m_g.gradOp(OpKind::AttnValuesGradV, {dy, val(n, 0)},
                                                shapeOf(in(n, 1)), p));
            return;
        case OpKind::Rope: { // a rotation: its transpose rotates back
            if (!needs(n, 0)) return;
            const NodeId back = m_g.rope(dy, val(n, 1), p.heads, p.headDim, p.theta, p.ropeLayout,
                                         p.ropeDims);
            m_g.setRopeInverse(back, !p.ropeInverse);
            accumulate(in(n, 0), back);
            return;
        }
        case OpKind::Relu:
            accumulate(in(n, 0), m_g.gradOp(OpKind::ReluGrad, {dy, val(n, 0)}, n.shape));
            return;
        case OpKind::Gelu:
            accumulate(in(n, 0), m_g.gradOp(OpKind::GeluGrad, {dy, val(n, 0)}, n.shape));
            return;
        case OpKind::Silu:
            accumulate(in(n, 0), m_g.gradOp(OpKind::SiluGrad, {dy, val(n, 0)}, n.shape));
            return;
        case OpKind::SwiGlu: { // y = silu(g) * u
            const NodeId g = in(n, 0), u = in(n, 1), gv = val(n, 0), uv = val(n, 1);
            if (needs(n, 0))
                accumulate(g, m_g.gradOp(OpKind::SiluGrad, {m_g.mul(dy, uv), gv}, n.shape));
            if (needs(n, 1)) accumulate(u, m_g.mul(dy, m_g.silu(gv)));
            return;
        }
        case OpKind::WriteRows: // dst[rows[t]] = src[t]: src's gradient is dy's rows gathered
            if (needs(n, 1)) accumulate(in(n, 1), m_g.embedding(dy, val(n, 2)));
            return;
        default:
            break;
        }
        throw std::invalid_argument(std::string("autodiff: no backward rule for ") + opName(n.op));
    }

    Graph& m_g;
    std::vector<bool> m_needs;
    std::vector<NodeId> m_grad;
    std::vector<std::pair<NodeId, NodeId>> m_ranges;
    std::vector<NodeId> m_copy; // a node's second computation, -1 where none
    int m_nextRange = -1;       // the last range not yet recomputed
};

} // namespace

std::unordered_map<NodeId, NodeId> appendBackward(Graph& graph, NodeId output, NodeId outputGrad,
                                                  const std::vector<NodeId>& wrt,
                                                  const std::vector<std::pair<NodeId, NodeId>>& recompute) {
    Backward b(graph, wrt, output, recompute);
    b.run(output, outputGrad);
    std::unordered_map<NodeId, NodeId> grads;
    for (NodeId p : wrt)
        if (b.gradOf(p) >= 0) grads[p] = b.gradOf(p);
    return grads;
}

} // namespace llmlab
