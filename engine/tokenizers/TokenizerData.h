// The tables behind a Tokenizer, filled by the loaders and frozen by finalize(). Internal.
#pragma once

#include "tokenizers/PreTokenizer.h"
#include "tokenizers/Tokenizer.h"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmlab::tok {

/// Byte-level BPE merges keyed by the ids of the two parts.
struct BpeMerges {
    struct Merge {
        std::int32_t rank;
        std::int32_t id; ///< the merged token
    };
    std::unordered_map<std::uint64_t, Merge> byPair;
    std::array<std::int32_t, 256> byteIds{}; ///< id of each byte's GPT-2 character, -1 if none

    static std::uint64_t key(std::int32_t a, std::int32_t b) {
        return (std::uint64_t(std::uint32_t(a)) << 32) | std::uint32_t(b);
    }
    const Merge* find(std::int32_t a, std::int32_t b) const {
        const auto it = byPair.find(key(a, b));
        return it == byPair.end() ? nullptr : &it->second;
    }
};

struct TokenizerData {
    std::string source; ///< file path, for messages
    TokenizerKind kind = TokenizerKind::ByteLevelBpe;

    std::vector<std::string> pieces; ///< vocab entries as stored
    std::vector<TokenType> types;
    std::vector<float> scores; ///< SentencePiece merge scores (higher merges first)
    std::unordered_map<std::string, std::int32_t> pieceToId;

    std::int32_t bos = -1, eos = -1, eot = -1, unk = -1;
    bool addBos = false, addEos = false;

    // Byte-level BPE
    PreTokenizer pre;
    BpeMerges merges;
    bool ignoreMerges = false;
    bool nfc = false;
    bool addPrefixSpace = false; ///< HF ByteLevel add_prefix_space

    // SentencePiece BPE
    bool addSpacePrefix = true;                   ///< the dummy '▁' in front of the text
    std::array<std::int32_t, 256> byteFallback{}; ///< id of `<0xXX>`, -1 if none

    ChatTemplateKind chat = ChatTemplateKind::None;

    // Derived by finalize()
    std::vector<std::string> bytes; ///< what each id decodes to
    /// Tokens matched in raw text before the model runs, longest first, per first byte.
    std::array<std::vector<std::int32_t>, 256> splitTokens;

    /// Checks ids, fills pieceToId, bytes, byteIds/byteFallback, splitTokens, chat kind.
    /// Throws TokenizerError naming `source`.
    void finalize();

    /// Throws TokenizerError("<source>: <what>").
    [[noreturn]] void fail(const std::string& what) const;

    // Pre-token -> ids cache (byte-level BPE): repeated words skip the merge loop.
    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache;
};

/// Byte-level BPE of one pre-token (raw bytes), appended to `out`.
void bpeEncodeWord(const TokenizerData& d, std::string_view word, std::vector<std::int32_t>& out);
/// SentencePiece BPE of one text fragment (spaces already '▁'), appended to `out`.
void spmEncodeFragment(const TokenizerData& d, std::string_view text,
                       std::vector<std::int32_t>& out);

} // namespace llmlab::tok
