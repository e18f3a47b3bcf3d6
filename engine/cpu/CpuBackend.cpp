#include "CpuBackend.h"

#include "BufferPlan.h"

#include "CpuGradOps.h"
#include "CpuOps.h"
#include "DotKernels.h"
#include "PackedMatmul.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

namespace llmlab {

namespace {

std::string cpuModelName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) return line.substr(colon + 2);
        }
    }
    return "CPU";
}

class CpuExecutable : public Executable {
public:
    CpuExecutable(const Graph& graph, int threads, bool batchInvariant)
        : m_graph(graph), m_threads(threads), m_invariant(batchInvariant) {
        const auto& nodes = m_graph.nodes();
        m_values.resize(nodes.size());
        m_ints.resize(nodes.size());
        m_ptr.resize(nodes.size(), nullptr);
        m_packed.resize(nodes.size());
        // Intermediate values share one arena (BufferPlan: an offset no value alive at the same
        // time holds), so a pass holds what is alive at once: a training step with gradient
        // checkpointing, 175 MB instead of the 576 MB handing dead buffers on had pooled.
        const BufferPlan plan = planBuffers(m_graph, 64, 4, std::int64_t(1) << 62);
        m_arena.assign(plan.arenaBytes.empty() ? 0 : std::size_t(plan.arenaBytes[0] / 4), 0.0f);
        m_clearFirst.assign(nodes.size(), false);
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const Node& n = nodes[i];
            const auto count = std::size_t(n.shape.numel());
            if (n.op == OpKind::Constant) {
                if (n.constant.dtype() == DType::F32) {
                    m_ptr[i] = static_cast<const float*>(n.constant.data()); // no copy
                } else if (n.constant.dtype() == DType::I32) {
                    m_ints[i].assign(n.constant.ints().begin(), n.constant.ints().end());
                } else if (readsPackedOnly(NodeId(i))) {
                    // F16/BF16/quantized weights that only feed matmuls (as w^T) and row
                    // gathers stay packed: they are widened a block of rows at a time.
                    m_packed[i] = n.constant;
                } else {
                    m_values[i] = n.constant.toFloats(); // widened once
                    m_ptr[i] = m_values[i].data();
                }
            } else if (n.op == OpKind::Parameter) {
                m_values[i] = n.constant.toFloats(); // a copy: training changes it
                m_ptr[i] = m_values[i].data();
            } else if (n.outputAliasesInput0) {
                m_ptr[i] = m_ptr[std::size_t(n.inputs[0])];
            } else if (n.dtype == DType::I32) {
                m_ints[i].assign(count, 0);
            } else if (plan.arena[i] >= 0) {
                m_ptr[i] = m_arena.data() + plan.offset[i] / 4;
                m_clearFirst[i] = true;
            } else {
                m_values[i].assign(count, 0.0f);
                m_ptr[i] = m_values[i].data();
            }
        }
    }

    void setInput(NodeId id, std::span<const float> values) override {
        const Node& n = inputNode(id, DType::F32, values.size());
        (void)n;
        std::memcpy(m_values[std::size_t(id)].data(), values.data(), values.size_bytes());
    }

    void setInput(NodeId id, std::span<const std::int32_t> values) override {
        inputNode(id, DType::I32, values.size());
        std::memcpy(m_ints[std::size_t(id)].data(), values.data(), values.size_bytes());
    }

    void run() override {
        cpu::setThreadCount(m_threads);
        const auto& nodes = m_graph.nodes();
        if (!profiling()) {
            for (std::size_t i = 0; i < nodes.size(); ++i) execute(nodes[i], i);
            return;
        }
        // LLMLAB_PROFILE=1: time per op kind, printed to stderr after each run.
        std::map<std::string, double> seconds;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const auto start = std::chrono::steady_clock::now();
            execute(nodes[i], i);
            seconds[opName(nodes[i].op)] +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        }
        for (const auto& [op, s] : seconds)
            std::fprintf(stderr, "%-20s %9.3f ms\n", op.c_str(), s * 1e3);
    }

    std::uint64_t bufferBytes() const override {
        std::uint64_t bytes = 0;
        for (const auto& v : m_values) bytes += v.size() * sizeof(float);
        bytes += m_arena.size() * sizeof(float);
        for (const auto& v : m_ints) bytes += v.size() * sizeof(std::int32_t);
        return bytes;
    }

    std::vector<float> read(NodeId id) const override {
        const Node& n = m_graph.node(id);
        if (!n.captured && !isHostVisible(n.op))
            throw std::logic_error("node '" + n.name + "' was not marked for capture");
        if (!m_packed[std::size_t(id)].empty()) return m_packed[std::size_t(id)].toFloats();
        if (n.dtype == DType::I32) {
            const auto& v = m_ints[std::size_t(id)];
            return std::vector<float>(v.begin(), v.end());
        }
        const float* p = m_ptr[std::size_t(id)];
        return std::vector<float>(p, p + n.shape.numel());
    }

private:

    // True when constant `id` can stay packed: its rows can be widened one by one and every
    // reader takes it as a weight matrix.
    bool readsPackedOnly(NodeId id) const {
        if (!cpu::canReadPackedRows(m_graph.node(id).constant)) return false;
        // Besides what every backend reads packed (Graph::readOnlyAsWeight), this one also
        // multiplies packed weights untransposed: the backward pass of x·wᵀ.
        bool read = false;
        for (const Node& n : m_graph.nodes())
            for (std::size_t k = 0; k < n.inputs.size(); ++k) {
                if (n.inputs[k] != id) continue;
                const bool weight = n.op == OpKind::MatMul && k == 1 && !n.params.transA && n.inputs[0] != id;
                const bool table = n.op == OpKind::Embedding && k == 0;
                if (!weight && !table) return false;
                read = true;
            }
        return read;
    }

    static bool profiling() {
        static const bool on = std::getenv("LLMLAB_PROFILE") != nullptr;
        return on;
    }

    static bool isHostVisible(OpKind op) {
        return op == OpKind::Input || op == OpKind::Parameter || op == OpKind::State;
    }

    const Node& inputNode(NodeId id, DType dtype, std::size_t count) const {
        const Node& n = m_graph.node(id);
        if (!isHostVisible(n.op) || n.dtype != dtype)
            throw std::invalid_argument("node '" + n.name + "' is not an input of that type");
        if (std::int64_t(count) != n.shape.numel())
            throw std::invalid_argument("input '" + n.name + "' expects " +
                                        std::to_string(n.shape.numel()) + " values");
        return n;
    }

    const float* in(const Node& n, int k) const {
        return m_ptr[std::size_t(n.inputs[std::size_t(k)])];
    }
    const std::int32_t* ints(const Node& n, int k) const {
        return m_ints[std::size_t(n.inputs[std::size_t(k)])].data();
    }
    const Node& inNode(const Node& n, int k) const {
        return m_graph.node(n.inputs[std::size_t(k)]);
    }

    void execute(const Node& n, std::size_t i) {
        float* out = const_cast<float*>(m_ptr[i]); // its own buffer, or input 0's for in-place ops
        const std::int64_t count = n.shape.numel();
        // A shared buffer holds an earlier node's values: start from zeros, as an own buffer
        // of a first run does (ops that leave part of their output unwritten rely on it).
        if (m_clearFirst[i]) std::fill_n(out, count, 0.0f);
        const OpParams& p = n.params;
        switch (n.op) {
        case OpKind::Input:
        case OpKind::Constant:
        case OpKind::Parameter:
        case OpKind::State:
            return;
        case OpKind::MatMul: {
            const Tensor& packed = m_packed[std::size_t(n.inputs[1])];
            if (m_invariant && p.transB && !p.transA) {
                // Every row a dot with every weight row, whatever the batch size.
                const std::int64_t k = inNode(n, 0).shape.dim(1);
                if (!packed.empty() && cpu::hasDotKernel(packed.dtype())) {
                    cpu::dotKernelMatmul(in(n, 0), n.shape.dim(0), packed.dtype(), packed.data(),
                                         n.shape.dim(1), k, out);
                    return;
                }
                if (packed.empty()) {
                    cpu::dotKernelMatmul(in(n, 0), n.shape.dim(0), DType::F32, in(n, 1),
                                         n.shape.dim(1), k, out);
                    return;
                }
            }
            if (!packed.empty()) {
                if (p.transB)
                    cpu::packedMatmulTransB(in(n, 0), packed, out, n.shape.dim(0));
                else
                    cpu::packedMatmul(in(n, 0), packed, out, n.shape.dim(0));
                return;
            }
            const Shape& a = inNode(n, 0).shape;
            const std::int64_t k = p.transA ? a.dim(0) : a.dim(1);
            if (p.transB && !p.transA && n.shape.dim(0) <= cpu::kDotKernelMaxRows) {
                // Eigen's matrix-vector product runs on one thread; decoding wants both.
                cpu::dotKernelMatmul(in(n, 0), n.shape.dim(0), DType::F32, in(n, 1), n.shape.dim(1),
                                     k, out);
                return;
            }
            if (p.transB && !p.transA && inNode(n, 1).op == OpKind::Constant) {
                // Model weights: blocks of rows per thread (training's parameters stay on
                // Eigen's threaded GEMM, which suits their small, square shapes).
                cpu::blockedMatmulTransB(in(n, 0), n.shape.dim(0), DType::F32, in(n, 1),
                                         n.shape.dim(1), k, out);
                return;
            }
            cpu::matmul(in(n, 0), in(n, 1), out, n.shape.dim(0), k, n.shape.dim(1), p.transB,
                        p.transA);
            return;
        }
        case OpKind::Add:
            cpu::add(in(n, 0), in(n, 1), out, count, inNode(n, 1).shape.numel());
            return;
        case OpKind::Mul:
            cpu::mul(in(n, 0), in(n, 1), out, count, inNode(n, 1).shape.numel());
            return;
        case OpKind::Scale:
            cpu::scale(in(n, 0), p.scale, out, count);
            return;
        case OpKind::Embedding: {
            const Tensor& packed = m_packed[std::size_t(n.inputs[0])];
            if (!packed.empty()) {
                cpu::packedEmbedding(packed, ints(n, 1), n.shape.dim(0), out);
                return;
            }
            const Shape& t = inNode(n, 0).shape;
            cpu::embedding(in(n, 0), t.dim(0), t.dim(1), ints(n, 1), n.shape.dim(0), out);
            return;
        }
        case OpKind::RmsNorm:
            cpu::rmsNorm(in(n, 0), in(n, 1), out, n.shape.rows(), n.shape.back(), p.eps);
            return;
        case OpKind::LayerNorm:
            cpu::layerNorm(in(n, 0), in(n, 1), in(n, 2), out, n.shape.rows(), n.shape.back(),
                           p.eps);
            return;
        case OpKind::Rope:
            cpu::rope(in(n, 0), ints(n, 1), out, n.shape.dim(0), p.heads, p.headDim, p.ropeDims,
                      p.theta, p.ropeLayout, p.ropeInverse);
            return;
        case OpKind::Softmax: {
            const std::int64_t tk = n.shape.back();
            const std::int64_t tq = n.shape.rank() >= 2 ? n.shape.back(1) : 1;
            cpu::softmax(in(n, 0), n.inputs.size() > 1 ? in(n, 1) : nullptr, out, count, tq, tk,
                         p.causal, p.scale);
            return;
        }
        case OpKind::AttnScores:
        case OpKind::AttnValues:
        case OpKind::AttnScoresGradQ:
        case OpKind::AttnScoresGradK:
        case OpKind::AttnValuesGradP:
        case OpKind::AttnValuesGradV:
            executeAttention(n, out);
            return;
        case OpKind::Silu:
            cpu::silu(in(n, 0), out, count);
            return;
        case OpKind::Gelu:
            cpu::gelu(in(n, 0), out, count);
            return;
        case OpKind::Relu:
            cpu::relu(in(n, 0), out, count);
            return;
        case OpKind::SwiGlu:
            cpu::swiglu(in(n, 0), in(n, 1), out, count);
            return;
        default:
            executeTraining(n, out);
            return;
        }
    }

    // Attention ops and their gradients, one batch sequence at a time.
    void executeAttention(const Node& n, float* out) {
        const OpParams& p = n.params;
        // Scores/probs are [B*H, Tq, Tk]; find Tq and Tk from whichever operand holds them.
        const Shape& s = n.op == OpKind::AttnScores || n.op == OpKind::AttnValuesGradP
                             ? n.shape
                             : inNode(n, n.op == OpKind::AttnValuesGradV ? 1 : 0).shape;
        const std::int64_t tq = s.dim(1), tk = s.dim(2);
        const std::int64_t qw = std::int64_t(p.heads) * p.headDim;
        const std::int64_t kw = std::int64_t(p.kvHeads) * p.headDim;
        const std::int64_t sBlock = std::int64_t(p.heads) * tq * tk;
        const float* a = in(n, 0);
        const float* b = in(n, 1);
        for (std::int64_t bi = 0; bi < p.batch; ++bi) {
            switch (n.op) {
            case OpKind::AttnScores: // (q, k) -> scores
                if (m_invariant) {
                    cpu::attnScoresRowwise(a + bi * tq * qw, b + bi * tk * kw, out + bi * sBlock,
                                           tq, tk, p.heads, p.kvHeads, p.headDim, p.scale);
                    break;
                }
                cpu::attnScores(a + bi * tq * qw, b + bi * tk * kw, out + bi * sBlock, tq, tk,
                                p.heads, p.kvHeads, p.headDim, p.scale);
                break;
            case OpKind::AttnValues: // (probs, v) -> out
                if (m_invariant) {
                    cpu::attnValuesRowwise(a + bi * sBlock, b + bi * tk * kw, out + bi * tq * qw,
                                           tq, tk, p.heads, p.kvHeads, p.headDim);
                    break;
                }
                cpu::attnValues(a + bi * sBlock, b + bi * tk * kw, out + bi * tq * qw, tq, tk,
                                p.heads, p.kvHeads, p.headDim);
                break;
            case OpKind::AttnScoresGradQ: // (dScores, k) -> dq
                cpu::attnScoresGradQ(a + bi * sBlock, b + bi * tk * kw, out + bi * tq * qw, tq, tk,
                                     p.heads, p.kvHeads, p.headDim, p.scale);
                break;
            case OpKind::AttnScoresGradK: // (dScores, q) -> dk
                cpu::attnScoresGradK(a + bi * sBlock, b + bi * tq * qw, out + bi * tk * kw, tq, tk,
                                     p.heads, p.kvHeads, p.headDim, p.scale);
                break;
            case OpKind::AttnValuesGradP: // (dOut, v) -> dProbs
                cpu::attnValuesGradP(a + bi * tq * qw, b + bi * tk * kw, out + bi * sBlock, tq, tk,
                                     p.heads, p.kvHeads, p.headDim);
                break;
            case OpKind::AttnValuesGradV: // (dOut, probs) -> dv
                cpu::attnValuesGradV(a + bi * tq * qw, b + bi * sBlock, out + bi * tk * kw, tq, tk,
                                     p.heads, p.kvHeads, p.headDim);
                break;
            default:
                break;
            }
        }
    }

    void executeTraining(const Node& n, float* out) {
        const std::int64_t count = n.shape.numel();
        const OpParams& p = n.params;
        switch (n.op) {
        case OpKind::ReluGrad:
            cpu::reluGrad(in(n, 0), in(n, 1), out, count);
            return;
        case OpKind::GeluGrad:
            cpu::geluGrad(in(n, 0), in(n, 1), out, count);
            return;
        case OpKind::SiluGrad:
            cpu::siluGrad(in(n, 0), in(n, 1), out, count);
            return;
        case OpKind::SoftmaxGrad:
            cpu::softmaxGrad(in(n, 0), in(n, 1), out, n.shape.rows(), n.shape.back(), p.scale);
            return;
        case OpKind::RmsNormGrad:
            cpu::rmsNormGrad(in(n, 0), in(n, 1), in(n, 2), out, n.shape.rows(), n.shape.back(),
                             p.eps);
            return;
        case OpKind::LayerNormGrad:
            cpu::layerNormGrad(in(n, 0), in(n, 1), in(n, 2), out, n.shape.rows(), n.shape.back(),
                               p.eps);
            return;
        case OpKind::ColumnSum: {
            const Shape& x = inNode(n, 0).shape;
            cpu::columnSum(in(n, 0), out, x.rows(), x.back());
            return;
        }
        case OpKind::EmbeddingGrad:
            cpu::embeddingGrad(in(n, 0), ints(n, 1), out, inNode(n, 0).shape.dim(0), p.rows,
                               n.shape.back());
            return;
        case OpKind::CrossEntropy:
            cpu::crossEntropy(in(n, 0), ints(n, 1), out, n.shape.dim(0), inNode(n, 0).shape.back());
            return;
        case OpKind::CrossEntropyGrad:
            cpu::crossEntropyGrad(in(n, 0), ints(n, 1), out, n.shape.dim(0), n.shape.back(),
                                  p.scale);
            return;
        case OpKind::SumSquares:
            out[0] = float(cpu::sumSquares(in(n, 0), inNode(n, 0).shape.numel()));
            return;
        case OpKind::AdamW: {
            const float* s = in(n, 4);
            if (s[3] != 0) return; // a micro-batch of gradient accumulation: no step yet
            cpu::AdamWParams a;
            a.lr = s[0];
            a.beta1 = p.beta1;
            a.beta2 = p.beta2;
            a.eps = p.eps;
            a.weightDecay = p.weightDecay;
            a.biasCorrection1 = s[1];
            a.biasCorrection2 = s[2];
            if (p.clipNorm > 0 && n.inputs.size() > 5) {
                const float norm = std::sqrt(in(n, 5)[0]);
                a.gradScale = norm > p.clipNorm ? p.clipNorm / norm : 1.0f;
            }
            cpu::adamw(out, in(n, 1), mutableIn(n, 2), mutableIn(n, 3), count, a);
            return;
        }
        case OpKind::GradEma:
            cpu::gradEma(in(n, 0), mutableIn(n, 1), out, count, p.alpha, p.lambda);
            return;
        case OpKind::WriteRows: {
            const Shape& src = inNode(n, 1).shape;
            const std::int64_t cols = src.dim(1);
            const std::int32_t* rows = ints(n, 2);
            for (std::int64_t t = 0; t < src.dim(0); ++t) {
                if (rows[t] < 0 || rows[t] >= n.shape.dim(0)) continue;
                std::copy(in(n, 1) + t * cols, in(n, 1) + (t + 1) * cols, out + rows[t] * cols);
            }
            return;
        }
        default:
            break;
        }
        throw std::logic_error(std::string("cpu backend: unknown op ") + opName(n.op));
    }

    float* mutableIn(const Node& n, int k) { return const_cast<float*>(in(n, k)); }

    Graph m_graph; // a copy: constants are shared tensors, so this copies no weights
    int m_threads;
    bool m_invariant = false; // batch-invariant kernels (CpuBackend::setBatchInvariant)
    std::vector<std::vector<float>> m_values;
    std::vector<float> m_arena;             // intermediate values, at planned offsets
    std::vector<bool> m_clearFirst;         // a pooled node's buffer is zeroed before it runs
    std::vector<std::vector<std::int32_t>> m_ints;
    std::vector<const float*> m_ptr;
    std::vector<Tensor> m_packed; ///< constants kept packed (F16, BF16, quantized), else empty
};

} // namespace

CpuBackend::CpuBackend(int threads)
    : m_threads(threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()))) {}

std::string CpuBackend::deviceName() const {
    return cpuModelName() + " (" + std::to_string(m_threads) + " threads)";
}

std::unique_ptr<Executable> CpuBackend::compile(const Graph& graph) {
    return std::make_unique<CpuExecutable>(graph, m_threads, m_batchInvariant);
}

} // namespace llmlab
