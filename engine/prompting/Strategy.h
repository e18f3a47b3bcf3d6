// Prompting strategies and the prompts they make: zero-shot (instruction + input), few-shot
// (k demonstrations), chain-of-thought (a reasoning cue, worked demonstrations optional),
// self-consistency (n reasoning samples and a vote), and custom templates.
#pragma once

#include "TaskSet.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmlab {

enum class StrategyKind : std::uint8_t { ZeroShot, FewShot, ChainOfThought, SelfConsistency, Custom };

struct Strategy {
    StrategyKind kind = StrategyKind::ZeroShot;
    int shots = 0;   ///< demonstrations shown
    int samples = 1; ///< self-consistency: replies sampled and voted on
    /// Custom: the prompt, with {instruction}, {examples}, {input} (the query as the set
    /// formats it) and {question} (the bare question); the reply starts where it ends.
    std::string templateText;
    bool reasoning() const {
        return kind == StrategyKind::ChainOfThought || kind == StrategyKind::SelfConsistency;
    }
    /// "zero", "few:3", "cot", "cot:2", "sc:5", "sc:5:2", "custom", "custom:2".
    std::string label() const;
};

/// Parses a comma-separated list ("zero,few:3,cot,sc:5"); "custom" takes `customTemplate`.
/// Throws std::invalid_argument naming the part that is wrong.
std::vector<Strategy> parseStrategies(std::string_view spec, const std::string& customTemplate = {});

struct BuiltPrompt {
    std::string text;              ///< the prompt (before any chat template)
    std::vector<int> exampleItems; ///< items shown as demonstrations (-1-based: item's own)
    std::string stop;              ///< a reply ends where this appears ("\n" by default)
};

/// The prompt for `item` under `strategy`. Demonstrations are the item's own examples when it
/// has some, else other items of the set; which ones is fixed by `seed` and the strategy, the
/// same for every question (so the prompts share their prefix), an item never shown as its
/// own demonstration.
BuiltPrompt buildPrompt(const TaskSet& set, std::size_t item, const Strategy& strategy,
                        std::uint64_t seed);

} // namespace llmlab
