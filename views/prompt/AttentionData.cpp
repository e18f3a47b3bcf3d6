#include "AttentionData.h"

#include "model/LanguageModel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace llmlab::views {

AttentionData AttentionData::fromCaptures(const ForwardCaptures& c, int heads) {
    const int T = c.tokens;
    if (T <= 0 || heads <= 0 || c.context < T)
        throw std::invalid_argument("the run captured no attention");
    std::vector<std::vector<float>> maps;
    maps.reserve(c.attention.size());
    for (const std::vector<float>& layer : c.attention) {
        // [heads, T, context] -> [heads, T, T]: keys >= T were never written in this run.
        std::vector<float> cut(std::size_t(heads) * std::size_t(T) * std::size_t(T));
        for (int h = 0; h < heads; ++h)
            for (int i = 0; i < T; ++i) {
                const float* src =
                    layer.data() +
                    (std::size_t(h) * std::size_t(T) + std::size_t(i)) * std::size_t(c.context);
                std::copy(src, src + T,
                          cut.data() +
                              (std::size_t(h) * std::size_t(T) + std::size_t(i)) * std::size_t(T));
            }
        maps.push_back(std::move(cut));
    }
    return AttentionData(heads, T, std::move(maps));
}

AttentionData::AttentionData(int heads, int tokens, std::vector<std::vector<float>> maps)
    : m_heads(heads), m_tokens(tokens), m_maps(std::move(maps)) {
    for (const auto& m : m_maps)
        if (m.size() != std::size_t(heads) * std::size_t(tokens) * std::size_t(tokens))
            throw std::invalid_argument("attention map of the wrong size");
    computeStats();
}

double AttentionData::rowSum(int layer, int head, int query) const {
    const float* row = m_maps[std::size_t(layer)].data() + offset(head, query);
    double sum = 0;
    for (int j = 0; j < m_tokens; ++j) sum += row[j];
    return sum;
}

void AttentionData::computeStats() {
    m_stats.clear();
    const int T = m_tokens;
    for (int l = 0; l < layers(); ++l)
        for (int h = 0; h < m_heads; ++h) {
            HeadStats s{l, h, 0, 0, 0};
            for (int i = 0; i < T; ++i) {
                const float* row = m_maps[std::size_t(l)].data() + offset(h, i);
                double e = 0;
                for (int j = 0; j <= i; ++j)
                    if (row[j] > 0) e -= double(row[j]) * std::log(double(row[j]));
                s.entropy += e;
                if (i > 0) {
                    s.bos += row[0];
                    s.previous += row[i - 1];
                }
            }
            s.entropy /= std::max(T, 1);
            // Row 0 can only look at itself, so it says nothing about either habit.
            s.bos /= std::max(T - 1, 1);
            s.previous /= std::max(T - 1, 1);
            m_stats.push_back(s);
        }
}

PooledGrid AttentionData::pooled(int layer, int head, int maxSide) const {
    PooledGrid g;
    const int T = m_tokens;
    const int block = std::max(1, (T + maxSide - 1) / std::max(maxSide, 1));
    g.blockRows = g.blockColumns = block;
    g.rows = g.columns = (T + block - 1) / block;
    g.values.assign(std::size_t(g.rows) * std::size_t(g.columns), 0.0f);
    const float* map = m_maps[std::size_t(layer)].data() + offset(head, 0);
    // One pass over the map: each entry adds to its block, then each block divides by its
    // own entry count (edge blocks are smaller).
    std::vector<double> sums(g.values.size(), 0.0);
    for (int i = 0; i < T; ++i) {
        const float* row = map + std::size_t(i) * std::size_t(T);
        double* out = sums.data() + std::size_t(i / block) * std::size_t(g.columns);
        for (int j = 0; j <= i; ++j) out[j / block] += row[j]; // keys > i are masked (zero)
    }
    for (int r = 0; r < g.rows; ++r)
        for (int c = 0; c < g.columns; ++c) {
            const int h = std::min(block, T - r * block);
            const int w = std::min(block, T - c * block);
            g.values[std::size_t(r) * std::size_t(g.columns) + std::size_t(c)] = float(
                sums[std::size_t(r) * std::size_t(g.columns) + std::size_t(c)] / double(h * w));
        }
    return g;
}

} // namespace llmlab::views
