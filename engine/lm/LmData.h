// What a tiny language model is trained on: the lab's character vocabulary, and token streams
// from synthetic episodes (in-context lookup, scratchpad addition) or from a text file.
#pragma once

#include "tokenizers/Tokenizer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmlab {

class MetaValue;

/// The tokenizer of the lab's own models: SentencePiece-style (GGUF "llama") over single
/// characters: <unk>, <s>, </s>, the newline byte and printable ASCII, space as '▁', no merges,
/// no space prefix, BOS added. Any text encodes (other characters become <unk>).
Tokenizer charTokenizer();
/// The `tokenizer.ggml.*` metadata that makes charTokenizer() when a GGUF file is read.
std::vector<std::pair<std::string, MetaValue>> charTokenizerMetadata();

/// The synthetic tasks, as text. Both the trainer and the prompting lab's built-in task sets
/// use these, so a prompt is exactly what the model saw in training.
namespace episodes {
/// "k=B\n": one pair of a lookup episode (lowercase input, uppercase output).
std::string lookupLine(char input, char output);
/// The scratchpad of a + b written digit by digit from the right, with carries, ending in
/// "so <sum>": "think 7+8=15 4+3+1=8 so 85".
std::string additionScratchpad(int a, int b);
/// The word that asks the model for a scratchpad.
inline constexpr const char* kThinkCue = "think";
} // namespace episodes

/// A source of training batches: `batch` sequences of `seqLen` tokens, and for each position
/// the next token as its label (-1 where nothing is to be learned). Deterministic in (seed,
/// step), so a resumed run sees the same batches.
class LmData {
public:
    virtual ~LmData() = default;
    virtual void fill(std::uint64_t step, int batch, int seqLen, std::vector<std::int32_t>& tokens,
                      std::vector<std::int32_t>& labels) const = 0;
    /// Held-out batch `index` (0, 1, ...) for validation: the same for every run of a seed, and
    /// never a training batch (fresh episodes; for a text, windows of its last tenth, which
    /// training never reads).
    virtual void fillValidation(std::uint64_t index, int batch, int seqLen,
                                std::vector<std::int32_t>& tokens,
                                std::vector<std::int32_t>& labels) const {
        // Training uses steps 1, 2, ...; these are far beyond any run.
        fill((std::uint64_t(1) << 62) + index, batch, seqLen, tokens, labels);
    }
};

/// "rule": episodes where every letter maps to one fresh random letter (shown pairs reveal it;
/// without them it is chance); "lookup": a fresh mapping of 3..6 letters, each its own letter,
/// pairs listed with repeats (a repeat is predictable in context only, through an induction
/// circuit, which a tiny model forms slowly); "add": two-digit sums,
/// seven in ten answered directly ("47+38=85"), the rest after a scratchpad ("47+38=think ... so 85");
/// "text": random windows of `textPath`. Throws std::invalid_argument for an unknown task and
/// std::runtime_error (naming the file) for an unreadable or too short text.
std::unique_ptr<LmData> makeLmData(const std::string& task, const std::string& textPath,
                                   const Tokenizer& tokenizer, std::uint64_t seed);

} // namespace llmlab
