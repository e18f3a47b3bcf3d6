#include "BufferPlan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace llmlab {

namespace {

// The node whose buffer an in-place op writes (itself for any other op).
std::vector<std::size_t> roots(const Graph& graph) {
    const auto& nodes = graph.nodes();
    std::vector<std::size_t> root(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i)
        root[i] = nodes[i].outputAliasesInput0 ? root[std::size_t(nodes[i].inputs[0])] : i;
    return root;
}

} // namespace

std::vector<bool> ownBuffers(const Graph& graph) {
    const auto& nodes = graph.nodes();
    const std::vector<std::size_t> root = roots(graph);
    std::vector<bool> own(nodes.size(), false);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        if (n.op == OpKind::Input || n.op == OpKind::State || n.op == OpKind::Parameter ||
            n.op == OpKind::Constant || n.dtype != DType::F32 || n.captured)
            own[root[i]] = true;
        for (int k : n.alsoWrites) own[root[std::size_t(n.inputs[std::size_t(k)])]] = true;
    }
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (root[i] != i) own[i] = true; // reads its root's buffer
    return own;
}

BufferPlan planBuffers(const Graph& graph, std::int64_t align, std::int64_t minBytes, std::int64_t maxArenaBytes,
                       const std::vector<std::pair<NodeId, NodeId>>& extraReads) {
    const auto& nodes = graph.nodes();
    const std::size_t N = nodes.size();
    BufferPlan plan;
    plan.arena.assign(N, -1);
    plan.offset.assign(N, 0);
    if (std::getenv("LLMLAB_NO_BUFFER_REUSE")) return plan;
    const std::vector<std::size_t> root = roots(graph);
    const std::vector<bool> own = ownBuffers(graph);
    std::vector<std::size_t> lastUse(N, 0);
    for (std::size_t i = 0; i < N; ++i) {
        lastUse[root[i]] = std::max(lastUse[root[i]], i);
        for (NodeId in : nodes[i].inputs) {
            const std::size_t r = root[std::size_t(in)];
            lastUse[r] = std::max(lastUse[r], i);
        }
    }
    for (const auto& [reader, value] : extraReads) {
        const std::size_t r = root[std::size_t(value)];
        lastUse[r] = std::max(lastUse[r], std::size_t(reader));
    }
    std::vector<std::int64_t> size(N, 0);
    std::vector<std::size_t> values;
    for (std::size_t i = 0; i < N; ++i) {
        if (own[i]) continue;
        const std::int64_t bytes = std::max(minBytes, nodes[i].shape.numel() * 4);
        size[i] = (bytes + align - 1) / align * align;
        if (size[i] <= maxArenaBytes) values.push_back(i);
    }
    std::stable_sort(values.begin(), values.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
    std::vector<std::vector<std::size_t>> placed; // per arena
    std::vector<std::pair<std::int64_t, std::int64_t>> busy;
    for (std::size_t v : values) {
        for (std::size_t a = 0;; ++a) {
            if (a == placed.size()) {
                placed.emplace_back();
                plan.arenaBytes.push_back(0);
            }
            busy.clear();
            for (std::size_t u : placed[a]) // alive at the same time as v
                if (u <= lastUse[v] && v <= lastUse[u]) busy.push_back({plan.offset[u], plan.offset[u] + size[u]});
            std::sort(busy.begin(), busy.end());
            std::int64_t at = 0;
            for (const auto& [lo, hi] : busy) {
                if (lo - at >= size[v]) break;
                at = std::max(at, hi);
            }
            if (at + size[v] > maxArenaBytes) continue; // full: the next arena
            plan.arena[v] = int(a);
            plan.offset[v] = at;
            plan.arenaBytes[a] = std::max(plan.arenaBytes[a], at + size[v]);
            placed[a].push_back(v);
            break;
        }
    }
    plan.values = values.size();
    std::vector<std::int64_t> delta(N + 1, 0);
    for (std::size_t v : values) {
        delta[v] += size[v];
        delta[lastUse[v] + 1] -= size[v];
    }
    std::int64_t live = 0;
    for (std::size_t i = 0; i < N; ++i) plan.peakBytes = std::max(plan.peakBytes, live += delta[i]);
    if (std::getenv("LLMLAB_PROFILE")) {
        std::int64_t total = 0;
        for (std::int64_t b : plan.arenaBytes) total += b;
        std::fprintf(stderr, "buffers: %zu intermediates in %zu arena(s) of %.1f MB; at most %.1f MB alive at once\n",
                     plan.values, plan.arenaBytes.size(), double(total) / 1e6, double(plan.peakBytes) / 1e6);
    }
    return plan;
}

} // namespace llmlab
