#include "VulkanOps.h"

#include "PushConstants.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace llmlab::vk {

namespace {

template <typename Push> std::vector<std::uint8_t> bytesOf(const Push& p) {
    std::vector<std::uint8_t> bytes(sizeof(Push));
    std::memcpy(bytes.data(), &p, sizeof(Push));
    return bytes;
}

std::uint32_t u32(std::int64_t v, const Node& n) {
    if (v < 0 || v > std::int64_t(std::numeric_limits<std::uint32_t>::max()))
        throw std::runtime_error("Vulkan: node '" + n.name + "' " + n.shape.toString() +
                                 " is too large for 32-bit indexing in the shaders");
    return std::uint32_t(v);
}

std::uint32_t ceilDiv(std::uint64_t a, std::uint64_t b) {
    return std::uint32_t((a + b - 1) / b);
}

} // namespace

std::string packedWeightSuffix(DType type) {
    if (type == DType::F32 || type == DType::I32) return {};
    std::string s(dtypeName(type));
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool keepsPacked(const Graph& graph, NodeId id) {
    const Node& c = graph.node(id);
    if (c.op != OpKind::Constant || packedWeightSuffix(c.constant.dtype()).empty() ||
        c.shape.rank() != 2 || dtypeStorageBytes(c.constant.dtype(), c.shape.dim(1)) <= 0)
        return false;
    return graph.readOnlyAsWeight(id);
}

KernelConfig KernelConfig::forDevice(const VkPhysicalDeviceLimits& limits) {
    KernelConfig c;
    std::uint32_t wg =
        std::min({256u, limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize[0]});
    while (wg & (wg - 1)) wg &= wg - 1; // largest power of two <= wg (reductions need one)
    c.workgroup = wg;
    c.maxGroupsX = std::min(limits.maxComputeWorkGroupCount[0], 65535u);
    c.maxGroupsY = std::min(limits.maxComputeWorkGroupCount[1], 65535u);
    // 64x64 tiles with 4x4 micro-tiles take 256 threads; 8x4 micro-tiles halve that for devices
    // limited to 128 invocations (the Vulkan minimum).
    if (std::min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize[0]) < 256)
        c.microM = 8;
    return c;
}

DispatchPlan planDispatch(const Graph& graph, NodeId id, const KernelConfig& cfg) {
    const Node& n = graph.node(id);
    const OpParams& p = n.params;
    auto in = [&](int k) -> const Node& { return graph.node(n.inputs[std::size_t(k)]); };
    const std::uint32_t count = u32(n.shape.numel(), n);
    const std::uint32_t wg = cfg.workgroup;

    DispatchPlan plan;
    plan.key.shader = opName(n.op);
    plan.key.specialization = {wg};
    plan.bindings.assign(n.inputs.begin(), n.inputs.end());
    // Element-wise ops loop with a grid stride, so any size fits in maxGroupsX groups.
    auto elementwise = [&](std::uint32_t elements) {
        plan.groups = {std::clamp<std::uint32_t>(ceilDiv(elements, wg), 1, cfg.maxGroupsX), 1, 1};
        plan.empty = elements == 0;
    };
    // Row ops: one workgroup per row, looping when there are more rows than groups.
    auto perRow = [&](std::uint32_t rows) {
        plan.groups = {std::clamp<std::uint32_t>(rows, 1, cfg.maxGroupsX), 1, 1};
        plan.empty = count == 0;
    };
    // Softmax and norms: subgroup reductions where the device has them, and a workgroup sized
    // to the row (about 4 values a thread, 32 threads at least): a 128-key attention row no
    // longer waits on 256 threads' barriers.
    auto reductionRows = [&](std::uint32_t rows, std::uint32_t length) {
        if (cfg.subgroupArithmetic) plan.key.shader += "_sg";
        std::uint32_t threads = 32;
        while (threads < wg && threads * 4 < length) threads *= 2;
        plan.key.specialization = {std::min(threads, wg)};
        perRow(rows);
    };

    switch (n.op) {
    case OpKind::MatMul: {
        const std::int64_t k = p.transA ? in(0).shape.dim(0) : in(0).shape.dim(1);
        const MatmulPush push{u32(n.shape.dim(0), n), u32(n.shape.dim(1), n), u32(k, n), 0};
        plan.key.shader = p.transB ? "matmul_transb" : p.transA ? "matmul_transa" : "matmul";
        const bool packed = keepsPacked(graph, n.inputs[1]);
        const std::string type = packed ? packedWeightSuffix(in(1).constant.dtype()) : "f32";
        // Matrix-vector products: a 2-D grid of workgroups when there are more than maxGroupsX.
        auto matvecGroups = [&](std::uint32_t groups) {
            const std::uint32_t x = std::clamp<std::uint32_t>(groups, 1, cfg.maxGroupsX);
            plan.groups = {x, ceilDiv(groups, x), 1};
            if (plan.groups[1] > cfg.maxGroupsY)
                throw std::runtime_error("Vulkan: matmul '" + n.name + "' " + n.shape.toString() +
                                         " needs more workgroups than the device allows");
            plan.push = bytesOf(push);
            plan.empty = count == 0;
        };
        const bool blocks = packed ? type == "q4_0" || type == "q8_0" || type == "q4_k" || type == "q6_k"
                                   : p.transB && !p.transA;
        if (push.m <= kMatvecMaxRows && cfg.subgroupArithmetic && blocks) {
            // Two weight rows a workgroup; enough threads for one 32-value unit each (a power
            // of two, at least a subgroup, at most 128).
            std::uint32_t threads = std::max(1u, cfg.subgroupSize);
            while (threads < 128 && threads < ceilDiv(push.k, 32)) threads *= 2;
            plan.key.shader = "matvec_blocks_" + type;
            plan.key.specialization = {std::min(threads, cfg.workgroup)};
            matvecGroups(ceilDiv(push.n, 2));
            break;
        }
        if (packed) {
            if (push.m <= kMatvecMaxRows) { // one workgroup per output column
                plan.key.shader = "matvec_" + type;
                plan.key.specialization = {std::min(wg, 256u)};
                matvecGroups(push.n);
                break;
            }
            plan.key.shader = "matmul_transb_" + type;
        }
        plan.key.specialization = {(cfg.tileM / cfg.microM) * (cfg.tileN / cfg.microN),
                                   cfg.tileM,
                                   cfg.tileN,
                                   cfg.tileK,
                                   cfg.microM,
                                   cfg.microN};
        plan.push = bytesOf(push);
        plan.groups = {ceilDiv(push.n, cfg.tileN), ceilDiv(push.m, cfg.tileM), 1};
        if (plan.groups[0] > cfg.maxGroupsX || plan.groups[1] > cfg.maxGroupsY)
            throw std::runtime_error("Vulkan: matmul '" + n.name + "' " + n.shape.toString() +
                                     " needs more workgroups than the device allows");
        plan.empty = count == 0;
        break;
    }
    case OpKind::Add:
    case OpKind::Mul:
        plan.push = bytesOf(BinaryPush{count, u32(in(1).shape.numel(), n)});
        elementwise(count);
        break;
    case OpKind::Scale:
        plan.push = bytesOf(ScalePush{count, p.scale});
        elementwise(count);
        break;
    case OpKind::Silu:
    case OpKind::Gelu:
    case OpKind::Relu:
    case OpKind::SwiGlu:
        plan.push = bytesOf(UnaryPush{count});
        elementwise(count);
        break;
    case OpKind::Embedding:
        if (keepsPacked(graph, n.inputs[0]))
            plan.key.shader = "embedding_" + packedWeightSuffix(in(0).constant.dtype());
        plan.push = bytesOf(EmbeddingPush{u32(in(0).shape.dim(0), n), u32(in(0).shape.dim(1), n),
                                          u32(n.shape.dim(0), n)});
        elementwise(count);
        break;
    case OpKind::RmsNorm:
    case OpKind::LayerNorm:
        plan.push = bytesOf(NormPush{u32(n.shape.rows(), n), u32(n.shape.back(), n), p.eps});
        reductionRows(u32(n.shape.rows(), n), u32(n.shape.back(), n));
        break;
    case OpKind::Rope:
        plan.push =
            bytesOf(RopePush{u32(n.shape.dim(0), n), u32(p.heads, n), u32(p.headDim, n),
                             u32(p.ropeDims, n), p.ropeLayout == RopeLayout::RotateHalf ? 1u : 0u});
        plan.bindings = {n.inputs[0], n.inputs[1], kRopeTableBinding};
        elementwise(count);
        break;
    case OpKind::Softmax: {
        const std::int64_t tk = n.shape.back();
        const std::int64_t tq = n.shape.rank() >= 2 ? n.shape.back(1) : 1;
        const bool hasMask = n.inputs.size() > 1;
        plan.push = bytesOf(SoftmaxPush{u32(n.shape.rows(), n), u32(tq, n), u32(tk, n), p.scale,
                                        p.causal ? 1u : 0u, hasMask ? 1u : 0u});
        // Without a mask, x is bound in the mask slot too (never read there).
        plan.bindings = {n.inputs[0], hasMask ? n.inputs[1] : n.inputs[0]};
        reductionRows(u32(n.shape.rows(), n), u32(tk, n));
        break;
    }
    case OpKind::AttnScores:
    case OpKind::AttnValues:
    case OpKind::AttnScoresGradQ:
    case OpKind::AttnScoresGradK:
    case OpKind::AttnValuesGradP:
    case OpKind::AttnValuesGradV: {
        // Tq and Tk come from whichever operand is [B*H, Tq, Tk] (scores, probs or their grads).
        const Shape& s = n.op == OpKind::AttnScores || n.op == OpKind::AttnValuesGradP
                             ? n.shape
                             : in(n.op == OpKind::AttnValuesGradV ? 1 : 0).shape;
        plan.push =
            bytesOf(AttnPush{u32(s.dim(1), n), u32(s.dim(2), n), u32(p.heads, n), u32(p.kvHeads, n),
                             u32(p.headDim, n), p.scale, u32(p.batch, n)});
        elementwise(count);
        break;
    }
    case OpKind::ReluGrad:
    case OpKind::GeluGrad:
    case OpKind::SiluGrad:
        plan.push = bytesOf(UnaryPush{count});
        elementwise(count);
        break;
    case OpKind::SoftmaxGrad:
    case OpKind::CrossEntropyGrad:
        plan.push = bytesOf(RowScalePush{u32(n.shape.rows(), n), u32(n.shape.back(), n), p.scale});
        perRow(u32(n.shape.rows(), n));
        break;
    case OpKind::CrossEntropy: // loss [N] of logits [N, V]
        plan.push = bytesOf(RowScalePush{count, u32(in(0).shape.back(), n), 1.0f});
        perRow(count);
        break;
    case OpKind::RmsNormGrad:
    case OpKind::LayerNormGrad:
        plan.push = bytesOf(NormPush{u32(n.shape.rows(), n), u32(n.shape.back(), n), p.eps});
        perRow(u32(n.shape.rows(), n));
        break;
    case OpKind::ColumnSum:
        plan.push = bytesOf(ColumnSumPush{u32(in(0).shape.rows(), n), count});
        elementwise(count);
        break;
    case OpKind::EmbeddingGrad: // dTable [V, D] from dy [T, D]
        plan.push = bytesOf(
            EmbeddingPush{u32(p.rows, n), u32(n.shape.back(), n), u32(in(0).shape.dim(0), n)});
        elementwise(count);
        break;
    case OpKind::SumSquares:
        // One workgroup reduces everything (the output is one value, zero for an empty x).
        plan.push = bytesOf(UnaryPush{u32(in(0).shape.numel(), n)});
        plan.groups = {1, 1, 1};
        break;
    case OpKind::AdamW: {
        const bool hasNorm = p.clipNorm > 0 && n.inputs.size() > 5;
        plan.push = bytesOf(AdamWPush{count, p.beta1, p.beta2, p.eps, p.weightDecay, p.clipNorm,
                                      hasNorm ? 1u : 0u});
        // Without a norm input, the scalars are bound in its slot too (never read there).
        plan.bindings = {n.inputs[0], n.inputs[1], n.inputs[2],
                         n.inputs[3], n.inputs[4], hasNorm ? n.inputs[5] : n.inputs[4]};
        elementwise(count);
        break;
    }
    case OpKind::GradEma:
        plan.push = bytesOf(GradEmaPush{count, p.alpha, p.lambda});
        elementwise(count);
        break;
    case OpKind::WriteRows: { // (dst, src, rows): one thread per source element
        const std::uint32_t elements = u32(in(1).shape.numel(), n);
        plan.push = bytesOf(EmbeddingPush{u32(n.shape.dim(0), n), u32(n.shape.dim(1), n),
                                          u32(in(1).shape.dim(0), n)});
        elementwise(elements);
        break;
    }
    case OpKind::Input:
    case OpKind::Constant:
    case OpKind::Parameter:
    case OpKind::State:
        throw std::logic_error("planDispatch: inputs, constants, parameters and states are not "
                               "dispatched");
    }
    plan.node = id;
    // In-place ops write input 0's buffer (bound already); the others get their own, last.
    if (n.outputAliasesInput0) {
        plan.writes.push_back(n.inputs[0]);
    } else {
        plan.bindings.push_back(id);
        plan.writes.push_back(id);
    }
    for (int k : n.alsoWrites) plan.writes.push_back(n.inputs[std::size_t(k)]);
    plan.key.bindings = std::uint32_t(plan.bindings.size());
    plan.key.pushBytes = std::uint32_t(plan.push.size());
    return plan;
}

std::vector<NodeId> fusableAttention(const Graph& graph) {
    const auto& nodes = graph.nodes();
    std::vector<int> readers(nodes.size(), 0);
    for (const Node& n : nodes)
        for (NodeId in : n.inputs) ++readers[std::size_t(in)];
    std::vector<NodeId> fused;
    for (std::size_t i = 2; i < nodes.size(); ++i) {
        const Node& values = nodes[i];
        if (values.op != OpKind::AttnValues || values.inputs[0] != NodeId(i - 1)) continue;
        const Node& probs = nodes[i - 1];
        if (probs.op != OpKind::Softmax || probs.inputs[0] != NodeId(i - 2) || probs.captured ||
            readers[i - 1] != 1)
            continue;
        const Node& scores = nodes[i - 2];
        if (scores.op != OpKind::AttnScores || scores.captured || readers[i - 2] != 1 ||
            values.params.headDim > 128 || values.params.headDim != scores.params.headDim ||
            values.params.heads != scores.params.heads ||
            values.params.kvHeads != scores.params.kvHeads ||
            values.params.batch != scores.params.batch)
            continue;
        fused.push_back(NodeId(i));
    }
    return fused;
}

DispatchPlan planFlashAttention(const Graph& graph, NodeId id, const KernelConfig& cfg) {
    const Node& values = graph.node(id);
    const Node& probs = graph.node(values.inputs[0]);
    const Node& scores = graph.node(probs.inputs[0]);
    const OpParams& p = scores.params;
    const std::uint32_t tq = u32(probs.shape.dim(1), values), tk = u32(probs.shape.dim(2), values);
    const bool hasMask = probs.inputs.size() > 1;
    DispatchPlan plan;
    plan.node = id;
    plan.key.shader = "flash_attention";
    // A thread per query row: 64 rows a workgroup (fewer for short prompts).
    std::uint32_t rows = 32;
    while (rows < 64 && rows < tq) rows *= 2;
    plan.key.specialization = {std::min(rows, cfg.workgroup)};
    plan.push = bytesOf(FlashAttentionPush{
        AttnPush{tq, tk, u32(p.heads, values), u32(p.kvHeads, values), u32(p.headDim, values),
                 p.scale, u32(p.batch, values)},
        probs.params.causal ? 1u : 0u, hasMask ? 1u : 0u, probs.params.scale});
    const NodeId q = scores.inputs[0], k = scores.inputs[1], v = values.inputs[1];
    plan.bindings = {q, k, v, hasMask ? probs.inputs[1] : q, id};
    plan.writes = {id};
    plan.groups = {ceilDiv(tq, std::min(rows, cfg.workgroup)), u32(std::int64_t(p.batch) * p.heads, values), 1};
    if (plan.groups[0] > cfg.maxGroupsX || plan.groups[1] > cfg.maxGroupsY)
        throw std::runtime_error("Vulkan: attention '" + values.name + "' " +
                                 values.shape.toString() +
                                 " needs more workgroups than the device allows");
    plan.empty = values.shape.numel() == 0;
    plan.key.bindings = std::uint32_t(plan.bindings.size());
    plan.key.pushBytes = std::uint32_t(plan.push.size());
    return plan;
}

std::vector<float> ropeTurnTable(const OpParams& p) {
    const int half = p.ropeDims / 2;
    std::vector<float> table(std::size_t(std::max(half, 1)) * 4, 0.0f);
    for (int i = 0; i < half; ++i) {
        // The same frequency as the CPU reference, in turns (1 turn = 2pi radians).
        double turns =
            std::pow(double(p.theta), -2.0 * i / double(p.ropeDims)) / (2.0 * std::numbers::pi);
        for (int c = 0; c < 3; ++c) { // peel off 8 significant bits at a time (exact in double)
            int e = 0;
            const double m = std::frexp(turns, &e);
            const double chunk = std::ldexp(std::floor(std::ldexp(m, 8)), e - 8);
            table[std::size_t(i) * 4 + std::size_t(c)] = float(chunk);
            turns -= chunk;
        }
        table[std::size_t(i) * 4 + 3] = float(turns); // the tiny rest, not needed exactly
    }
    if (p.ropeInverse) // the backward pass turns the other way (negation is exact)
        for (float& t : table) t = -t;
    return table;
}

} // namespace llmlab::vk
