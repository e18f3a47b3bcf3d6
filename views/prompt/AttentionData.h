// The attention of one prompt run, as plain data: every head's causal T x T map, the head
// summary statistics and block-averaged grids for drawing. No widgets, so tests check it alone.
#pragma once

#include <cstddef>
#include <vector>

namespace llmlab {
struct ForwardCaptures;
}

namespace llmlab::views {

/// How one head attends, summarised so BOS-heavy and previous-token heads stand out.
struct HeadStats {
    int layer = 0;
    int head = 0;
    double entropy = 0;  ///< mean over query rows of -sum p log p (nats)
    double bos = 0;      ///< mean attention to key 0 (rows 1..T-1; row 0 has nothing else)
    double previous = 0; ///< mean of p[i, i-1] over i = 1..T-1
};

/// A grid of block averages: cell (r, c) averages a block of `blockRows` x `blockColumns`
/// entries of the source map (the last block may be smaller). Row-major, row 0 = query 0.
struct PooledGrid {
    int rows = 0;
    int columns = 0;
    int blockRows = 1;
    int blockColumns = 1;
    std::vector<float> values;
    float at(int r, int c) const {
        return values[std::size_t(r) * std::size_t(columns) + std::size_t(c)];
    }
};

class AttentionData {
public:
    AttentionData() = default;
    /// Copies the first `tokens` key columns of every captured map (attention per layer:
    /// [heads, tokens, context]) and computes the head statistics once.
    static AttentionData fromCaptures(const ForwardCaptures& captures, int heads);
    /// From maps already cut to [heads, T, T] per layer (tests, synthetic data).
    AttentionData(int heads, int tokens, std::vector<std::vector<float>> maps);

    int layers() const { return int(m_maps.size()); }
    int heads() const { return m_heads; }
    int tokens() const { return m_tokens; }
    bool empty() const { return m_maps.empty() || m_tokens == 0; }

    /// p[query, key] of one head.
    float at(int layer, int head, int query, int key) const {
        return m_maps[std::size_t(layer)][offset(head, query) + std::size_t(key)];
    }
    /// Sum of a query row over the first T keys (1 for a softmax row).
    double rowSum(int layer, int head, int query) const;

    /// One entry per (layer, head), layer-major.
    const std::vector<HeadStats>& headStats() const { return m_stats; }
    const HeadStats& stats(int layer, int head) const {
        return m_stats[std::size_t(layer) * std::size_t(m_heads) + std::size_t(head)];
    }

    /// The head's map averaged over square blocks so that neither side exceeds `maxSide`
    /// (the same map when T <= maxSide).
    PooledGrid pooled(int layer, int head, int maxSide) const;

private:
    std::size_t offset(int head, int query) const {
        return (std::size_t(head) * std::size_t(m_tokens) + std::size_t(query)) *
               std::size_t(m_tokens);
    }
    void computeStats();

    int m_heads = 0;
    int m_tokens = 0;
    std::vector<std::vector<float>> m_maps; ///< per layer [heads, T, T]
    std::vector<HeadStats> m_stats;
};

} // namespace llmlab::views
