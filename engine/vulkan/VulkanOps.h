// How each graph op becomes one compute dispatch: shader variant, bindings, push constants and
// workgroup counts. Pure bookkeeping (no Vulkan calls), so it reads like a table of the ops.
#pragma once

#include "Graph.h"
#include "VulkanPipeline.h"

#include <array>
#include <string>
#include <cstdint>
#include <vector>

namespace llmlab::vk {

/// Workgroup and tile sizes chosen for a device from its limits.
struct KernelConfig {
    std::uint32_t workgroup = 256; ///< element-wise and row ops; a power of two
    std::uint32_t maxGroupsX = 65535;
    std::uint32_t maxGroupsY = 65535;
    std::uint32_t tileM = 64, tileN = 64, tileK = 16; ///< matmul output tile and K slice
    std::uint32_t microM = 4, microN = 4;             ///< matmul per-thread micro-tile
    /// Subgroup arithmetic in compute shaders (subgroupAdd): Q4_0/Q8_0/Q4_K/Q6_K matrix-vector
    /// products then read whole blocks (matvec_blocks.comp), else one value at a time.
    bool subgroupArithmetic = false;
    std::uint32_t subgroupSize = 1;

    static KernelConfig forDevice(const VkPhysicalDeviceLimits& limits);
};

/// A binding that is not a graph node: the RoPE frequency table the executable makes.
constexpr NodeId kRopeTableBinding = -2;

struct DispatchPlan {
    PipelineKey key;
    NodeId node = -1; ///< the op node this dispatch computes
    /// Buffers at bindings 0..n-1. The node's own output is last, except for in-place ops
    /// (outputAliasesInput0), whose output is input 0's buffer and is not bound twice.
    std::vector<NodeId> bindings;
    /// Nodes whose buffers the dispatch writes: its output (input 0 for in-place ops) and the
    /// inputs named by Node::alsoWrites. Every other binding is only read.
    std::vector<NodeId> writes;
    std::vector<std::uint8_t> push;
    std::array<std::uint32_t, 3> groups{1, 1, 1};
    bool empty = false; ///< nothing to compute (a zero-sized output)
};

/// The dispatch for op node `id` (not Input, Constant, Parameter or State). Throws for an
/// unsupported op or size.
DispatchPlan planDispatch(const Graph& graph, NodeId id, const KernelConfig& config);

/// Attention whose scores and probabilities nobody reads (not captured, one reader each, the
/// three nodes made one after another as Graph::attention makes them, head_dim <= 128): the
/// AttnValues node of each, computed by one flash-attention dispatch (planFlashAttention) that
/// reads q, k, v and the mask itself; its AttnScores and Softmax nodes are then skipped.
std::vector<NodeId> fusableAttention(const Graph& graph);
DispatchPlan planFlashAttention(const Graph& graph, NodeId values, const KernelConfig& config);

/// The shader-name suffix for weights kept in `type` ("f16", "q4_k", ...), or "" when the
/// shaders read that type only widened to F32 (F32 itself, I32).
std::string packedWeightSuffix(DType type);

/// True when constant `id` stays in its packed type on the device: its type has shaders, it
/// is a matrix of whole blocks, and every reader takes it packed (the w of a matmul x·wᵀ, or
/// an embedding table). Otherwise it is widened to F32 when uploaded.
bool keepsPacked(const Graph& graph, NodeId id);

/// Rows of x up to which a matmul against packed weights uses the matrix-vector shader.
constexpr std::int64_t kMatvecMaxRows = 8;

/// Per rotated pair i: the frequency theta^(-2i/ropeDims) / 2pi in turns per position,
/// computed in double and split into four floats (three of at most 8 significant bits), as
/// rope.comp expects.
std::vector<float> ropeTurnTable(const OpParams& params);

} // namespace llmlab::vk
