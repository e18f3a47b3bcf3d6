#include "Sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

namespace llmlab {

Sampler::Sampler(const SamplingParams& params) : m_params(params), m_rng(params.seed) {}

double Sampler::logProb(std::span<const float> logits, std::int32_t token) {
    if (logits.empty() || token < 0 || std::size_t(token) >= logits.size()) return -INFINITY;
    const float mx = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(double(l) - mx);
    return double(logits[std::size_t(token)]) - mx - std::log(sum);
}

std::vector<float> Sampler::distribution(std::span<const float> logits,
                                         std::span<const std::int32_t> history) const {
    const std::size_t n = logits.size();
    std::vector<float> l(logits.begin(), logits.end());
    if (m_params.repetitionPenalty != 1.0f && m_params.repeatWindow > 0) {
        // As CTRL (Keskar et al. 2019) defines it: positive logits divided, negative multiplied.
        const std::size_t from = history.size() > std::size_t(m_params.repeatWindow)
                                     ? history.size() - std::size_t(m_params.repeatWindow)
                                     : 0;
        std::unordered_set<std::int32_t> seen(history.begin() + std::ptrdiff_t(from),
                                              history.end());
        for (std::int32_t id : seen)
            if (id >= 0 && std::size_t(id) < n)
                l[std::size_t(id)] = l[std::size_t(id)] > 0
                                         ? l[std::size_t(id)] / m_params.repetitionPenalty
                                         : l[std::size_t(id)] * m_params.repetitionPenalty;
    }
    std::vector<float> p(n, 0.0f);
    if (n == 0) return p;
    if (m_params.temperature <= 0.0f) {
        p[std::size_t(std::max_element(l.begin(), l.end()) - l.begin())] = 1.0f;
        return p;
    }
    // Candidates by decreasing logit (ties: lower id first).
    std::vector<std::int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        return l[std::size_t(a)] > l[std::size_t(b)];
    });
    std::size_t keep = m_params.topK > 0 ? std::min(n, std::size_t(m_params.topK)) : n;
    const float mx = l[std::size_t(order[0])];
    std::vector<double> w(keep);
    double sum = 0;
    for (std::size_t i = 0; i < keep; ++i)
        sum += w[i] = std::exp(double(l[std::size_t(order[i])] - mx) / m_params.temperature);
    if (m_params.topP < 1.0f) {
        double acc = 0;
        for (std::size_t i = 0; i < keep; ++i) {
            acc += w[i] / sum;
            if (acc >= m_params.topP) {
                keep = i + 1;
                break;
            }
        }
    }
    if (m_params.minP > 0.0f)
        while (keep > 1 && w[keep - 1] < m_params.minP * w[0]) --keep;
    double total = 0;
    for (std::size_t i = 0; i < keep; ++i) total += w[i];
    for (std::size_t i = 0; i < keep; ++i) p[std::size_t(order[i])] = float(w[i] / total);
    return p;
}

std::int32_t Sampler::sample(std::span<const float> logits, std::span<const std::int32_t> history) {
    const std::vector<float> p = distribution(logits, history);
    if (p.empty()) return -1;
    // A uniform draw from the raw 64-bit output: the same on every standard library.
    const double u = double(m_rng() >> 11) * 0x1.0p-53;
    double acc = 0;
    std::int32_t last = -1;
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] <= 0) continue;
        acc += p[i];
        last = std::int32_t(i);
        if (u < acc) return last;
    }
    return last; // rounding left u above the total
}

} // namespace llmlab
