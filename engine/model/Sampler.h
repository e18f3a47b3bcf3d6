// Picking the next token from logits: greedy, temperature, top-k, top-p, min-p, repetition
// penalty, all from one seed so a run can be repeated exactly.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace llmlab {

struct SamplingParams {
    float temperature = 0.0f;       ///< 0: greedy (argmax)
    int topK = 0;                   ///< keep the k most likely (0: all)
    float topP = 1.0f;              ///< keep the smallest set with this much probability
    float minP = 0.0f;              ///< drop tokens below minP * p(most likely)
    float repetitionPenalty = 1.0f; ///< > 1 discourages tokens seen in the last repeatWindow
    int repeatWindow = 64;
    std::uint64_t seed = 0;
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);

    /// The next token. `history` is the tokens so far (for the repetition penalty).
    std::int32_t sample(std::span<const float> logits, std::span<const std::int32_t> history);

    /// log p(token) under the model's own distribution (softmax of the raw logits).
    static double logProb(std::span<const float> logits, std::int32_t token);

    /// The probabilities the sampler draws from for these logits (after penalty, temperature,
    /// top-k/p, min-p; all zeros but the argmax when greedy): for the next-token chart.
    std::vector<float> distribution(std::span<const float> logits,
                                    std::span<const std::int32_t> history) const;

private:
    SamplingParams m_params;
    std::mt19937_64 m_rng;
};

} // namespace llmlab
