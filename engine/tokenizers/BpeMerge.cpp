// The two merge loops. Both keep the word as a linked list of symbols and a heap of candidate
// pairs, so a long pre-token costs O(n log n) rather than the O(n^2) of rescanning it.
#include "tokenizers/TokenizerData.h"
#include "tokenizers/Utf8.h"

#include <queue>

namespace llmlab::tok {

namespace {

struct Symbol {
    std::int32_t id;          // byte-level: current token id
    std::int32_t prev;        // index of the previous live symbol, -1 at the start
    std::int32_t next;        // index of the next live symbol, -1 at the end
    std::uint32_t begin, len; // SentencePiece: the symbol's bytes in the fragment
};

// Byte-level: lowest rank first, leftmost on ties (as Hugging Face's and llama.cpp's).
struct RankPair {
    std::int32_t rank, left, leftId, rightId;
    bool operator>(const RankPair& o) const {
        return rank != o.rank ? rank > o.rank : left > o.left;
    }
};

void linkSymbols(std::vector<Symbol>& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i].prev = std::int32_t(i) - 1;
        s[i].next = i + 1 < s.size() ? std::int32_t(i + 1) : -1;
    }
}

} // namespace

void bpeEncodeWord(const TokenizerData& d, std::string_view word, std::vector<std::int32_t>& out) {
    if (word.empty()) return;
    if (d.ignoreMerges) { // Llama 3: a pre-token that is itself in the vocab is kept whole
        const auto it = d.pieceToId.find(bytesToByteLevel(word));
        if (it != d.pieceToId.end()) {
            out.push_back(it->second);
            return;
        }
    }
    std::vector<Symbol> syms;
    syms.reserve(word.size());
    for (const char c : word) {
        const std::int32_t id = d.merges.byteIds[static_cast<std::uint8_t>(c)];
        if (id >= 0)
            syms.push_back({id, 0, 0, 0, 0}); // a byte without a token is dropped, as HF does
    }
    if (syms.empty()) return;
    linkSymbols(syms);

    std::priority_queue<RankPair, std::vector<RankPair>, std::greater<>> heap;
    const auto consider = [&](std::int32_t left) {
        if (left < 0 || syms[left].next < 0) return;
        const Symbol& a = syms[left];
        const Symbol& b = syms[a.next];
        if (const auto* m = d.merges.find(a.id, b.id)) heap.push({m->rank, left, a.id, b.id});
    };
    for (std::int32_t i = 0; i + 1 < std::int32_t(syms.size()); ++i) consider(i);

    while (!heap.empty()) {
        const RankPair p = heap.top();
        heap.pop();
        Symbol& a = syms[p.left];
        // Stale entries: the left symbol was merged away or changed, or its neighbour did.
        // Ids only grow into longer tokens, so matching ids mean the same pair is still there.
        if (a.id != p.leftId || a.next < 0 || syms[a.next].id != p.rightId) continue;
        if (a.prev >= 0 && syms[a.prev].next != p.left) continue; // removed symbol
        Symbol& b = syms[a.next];
        a.id = d.merges.find(p.leftId, p.rightId)->id;
        b.id = -1;
        a.next = b.next;
        if (b.next >= 0) syms[b.next].prev = p.left;
        consider(a.prev);
        consider(p.left);
    }
    for (std::int32_t i = 0; i >= 0; i = syms[i].next) out.push_back(syms[i].id);
}

namespace {

// SentencePiece: highest score first, leftmost on ties (llama.cpp's and llama2.c's order).
struct ScorePair {
    float score;
    std::int32_t left, right;
    std::uint32_t size; // bytes of the merged text: a mismatch later means the pair is stale
    bool operator<(const ScorePair& o) const {
        return score != o.score ? score < o.score : left > o.left;
    }
};

} // namespace

void spmEncodeFragment(const TokenizerData& d, std::string_view text,
                       std::vector<std::int32_t>& out) {
    std::vector<Symbol> syms;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = validSequenceLength(text, i);
        if (n == 0) n = 1; // a stray byte is its own symbol and goes to byte fallback
        syms.push_back({-1, 0, 0, std::uint32_t(i), std::uint32_t(n)});
        i += n;
    }
    if (syms.empty()) return;
    linkSymbols(syms);

    const auto lookup = [&](std::uint32_t begin, std::uint32_t len) -> std::int32_t {
        const auto it = d.pieceToId.find(std::string(text.substr(begin, len)));
        return it == d.pieceToId.end() ? -1 : it->second;
    };
    std::priority_queue<ScorePair> heap;
    const auto consider = [&](std::int32_t left) {
        if (left < 0 || syms[left].next < 0) return;
        const Symbol& a = syms[left];
        const std::int32_t right = a.next;
        const std::uint32_t size = a.len + syms[right].len;
        const std::int32_t id = lookup(a.begin, size);
        // Merges only form ordinary pieces: never control, byte or unused entries.
        if (id < 0 || d.types[id] != TokenType::Normal) return;
        heap.push({d.scores[id], left, right, size});
    };
    for (std::int32_t i = 0; i + 1 < std::int32_t(syms.size()); ++i) consider(i);

    while (!heap.empty()) {
        const ScorePair p = heap.top();
        heap.pop();
        Symbol& a = syms[p.left];
        if (a.len == 0 || a.next != p.right || a.len + syms[p.right].len != p.size) continue;
        Symbol& b = syms[p.right];
        a.len += b.len;
        b.len = 0;
        a.next = b.next;
        if (b.next >= 0) syms[b.next].prev = p.left;
        consider(a.prev);
        consider(p.left);
    }

    for (std::int32_t i = 0; i >= 0; i = syms[i].next) {
        const Symbol& s = syms[i];
        const std::int32_t id = lookup(s.begin, s.len);
        if (id >= 0 && d.types[id] != TokenType::Control && d.types[id] != TokenType::Unknown &&
            d.types[id] != TokenType::Unused) {
            out.push_back(id);
            continue;
        }
        // Not in the vocab: one <0xXX> per byte, or <unk> for the whole symbol without them.
        bool allBytes = true;
        for (std::uint32_t k = 0; k < s.len; ++k)
            allBytes = allBytes && d.byteFallback[std::uint8_t(text[s.begin + k])] >= 0;
        if (!allBytes) {
            if (d.unk >= 0) out.push_back(d.unk);
            continue;
        }
        for (std::uint32_t k = 0; k < s.len; ++k)
            out.push_back(d.byteFallback[std::uint8_t(text[s.begin + k])]);
    }
}

} // namespace llmlab::tok
