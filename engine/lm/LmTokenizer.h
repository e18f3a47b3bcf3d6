// The tokenizers the lab's own language models train with: single characters (charTokenizer),
// or a byte-level BPE trained here on the training text, as GPT-2's was (its pre-tokenizer
// regex, its byte alphabet, merges by pair frequency), written as a Hugging Face
// tokenizer.json so the run folder and the exported GGUF carry it.
#pragma once

#include "tokenizers/Tokenizer.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmlab {

class MetaValue;

/// A trained byte-level BPE: `pieces[id]` in GPT-2's byte-level spelling (ids 0..255 are the
/// bytes 0..255, then one id per merge in rank order, then "<|endoftext|>"), and the merges in
/// rank order as pairs of pieces.
struct BpeVocabulary {
    std::vector<std::string> pieces;
    std::vector<std::pair<std::string, std::string>> merges;

    /// Hugging Face tokenizer.json text (model BPE, ByteLevel pre-tokenizer and decoder).
    std::string toTokenizerJson() const;
    Tokenizer toTokenizer(const std::string& source) const;
    /// `tokenizer.ggml.*` metadata (model "gpt2", pre "gpt-2") for a GGUF file.
    std::vector<std::pair<std::string, MetaValue>> ggufMetadata() const;
};

/// Trains on `text` until the vocabulary has `vocabSize` entries (257 at least: the 256 bytes
/// and the end-of-text token), or until no pair occurs twice. Each step merges the most
/// frequent adjacent pair inside GPT-2 pre-tokens (ties: the pair of lower ids), so the result
/// depends on the text alone. Throws std::invalid_argument for a size outside 257..65536.
BpeVocabulary trainByteLevelBpe(std::string_view text, int vocabSize);

/// The tokenizer a training config names: "char" (charTokenizer) or "bpe" (trained with
/// `bpeVocab` entries on the first nine tenths of `textPath`, the part training reads; kept for
/// the process so a sweep trains it once). `json`, when given, receives the tokenizer.json text
/// ("" for "char"). Throws std::invalid_argument for another name and std::runtime_error
/// naming an unreadable text.
Tokenizer lmTokenizer(const std::string& kind, int bpeVocab, const std::string& textPath,
                      std::string* json = nullptr);

/// The `tokenizer.ggml.*` metadata of that tokenizer, for exporting a trained model.
std::vector<std::pair<std::string, MetaValue>>
lmTokenizerMetadata(const std::string& kind, int bpeVocab, const std::string& textPath);

} // namespace llmlab
