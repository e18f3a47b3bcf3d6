// Where a compiled graph keeps its intermediate values: a few arenas, each value at an offset
// no other value alive at the same time holds. Shared by the CPU and Vulkan executables.
#pragma once

#include "Graph.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace llmlab {

struct BufferPlan {
    /// Per node: its arena and byte offset there, or arena -1 for a node that keeps a buffer
    /// of its own (inputs, constants, parameters, states, captured values, non-F32 values,
    /// anything an in-place op writes) or reads another node's (in-place ops).
    std::vector<int> arena;
    std::vector<std::int64_t> offset;
    std::vector<std::int64_t> arenaBytes; ///< each arena's size
    std::int64_t peakBytes = 0;           ///< the most bytes alive at once
    std::size_t values = 0;               ///< values placed in arenas
};

/// A value lives from the node that makes it to the last node that reads it (through in-place
/// ops on it too). Values are placed largest first at the lowest offset free for their whole
/// life (greedy by size, as offline memory planners do), each rounded up to `align` bytes and
/// at least `minBytes`; an arena holds at most `maxArenaBytes` (a device's storage buffer
/// range), a value larger keeps its own buffer. `LLMLAB_NO_BUFFER_REUSE=1` places nothing.
/// `extraReads`: (reader, value) pairs a backend reads beyond the nodes' inputs (a fused
/// dispatch at `reader` reading `value`), which must stay alive until then.
BufferPlan planBuffers(const Graph& graph, std::int64_t align, std::int64_t minBytes, std::int64_t maxArenaBytes,
                       const std::vector<std::pair<NodeId, NodeId>>& extraReads = {});

/// True for a node that keeps a buffer of its own (see BufferPlan::arena).
std::vector<bool> ownBuffers(const Graph& graph);

} // namespace llmlab
