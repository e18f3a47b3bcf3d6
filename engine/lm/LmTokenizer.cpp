#include "LmTokenizer.h"

#include "LmData.h"
#include "formats/Metadata.h"
#include "tokenizers/PreTokenizer.h"
#include "tokenizers/Utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <unordered_map>

namespace llmlab {

namespace {

constexpr const char* kEndOfText = "<|endoftext|>";

std::uint64_t pairKey(std::int32_t a, std::int32_t b) {
    return (std::uint64_t(std::uint32_t(a)) << 32) | std::uint32_t(b);
}

struct Candidate {
    std::int64_t count;
    std::uint64_t key;
    // The queue's top is the largest: more frequent first, then the pair of lower ids.
    bool operator<(const Candidate& o) const {
        return count != o.count ? count < o.count : key > o.key;
    }
};

} // namespace

BpeVocabulary trainByteLevelBpe(std::string_view text, int vocabSize) {
    if (vocabSize < 257 || vocabSize > 65536)
        throw std::invalid_argument("a byte-level BPE vocabulary has 257 to 65536 entries, not " +
                                    std::to_string(vocabSize));
    // Distinct pre-tokens with their counts: merges never cross a pre-token's edge.
    const tok::PreTokenizer pre({std::string(tok::kGpt2Regex)});
    std::unordered_map<std::string_view, std::int64_t> counts;
    for (std::string_view piece : pre.split(text)) ++counts[piece];
    std::map<std::string_view, std::int64_t> ordered(counts.begin(), counts.end());

    std::vector<std::vector<std::int32_t>> words;
    std::vector<std::int64_t> freq;
    words.reserve(ordered.size());
    for (const auto& [piece, n] : ordered) {
        std::vector<std::int32_t> w;
        w.reserve(piece.size());
        for (unsigned char c : piece) w.push_back(c);
        words.push_back(std::move(w));
        freq.push_back(n);
    }

    BpeVocabulary v;
    for (int b = 0; b < 256; ++b) v.pieces.push_back(tok::bytesToByteLevel(std::string(1, char(b))));
    std::unordered_map<std::string, std::int32_t> idOf;
    for (int b = 0; b < 256; ++b) idOf.emplace(v.pieces[std::size_t(b)], b);

    std::unordered_map<std::uint64_t, std::int64_t> pairCount;
    std::unordered_map<std::uint64_t, std::vector<std::int32_t>> where; // words holding a pair
    for (std::size_t w = 0; w < words.size(); ++w)
        for (std::size_t i = 0; i + 1 < words[w].size(); ++i) {
            const std::uint64_t k = pairKey(words[w][i], words[w][i + 1]);
            pairCount[k] += freq[w];
            auto& list = where[k];
            if (list.empty() || list.back() != std::int32_t(w)) list.push_back(std::int32_t(w));
        }
    std::priority_queue<Candidate> queue;
    for (const auto& [k, n] : pairCount) queue.push({n, k});

    std::vector<std::uint32_t> stamp(words.size(), 0);
    std::uint32_t round = 0;
    std::vector<std::uint64_t> touched;
    while (int(v.pieces.size()) + 1 < vocabSize) {
        // Entries whose count changed since they were queued are stale; skip them.
        while (!queue.empty()) {
            const auto it = pairCount.find(queue.top().key);
            if (it != pairCount.end() && it->second == queue.top().count) break;
            queue.pop();
        }
        if (queue.empty() || queue.top().count < 2) break;
        const std::uint64_t key = queue.top().key;
        queue.pop();
        const auto a = std::int32_t(key >> 32), b = std::int32_t(key & 0xFFFFFFFFu);
        std::string merged = v.pieces[std::size_t(a)] + v.pieces[std::size_t(b)];
        v.merges.emplace_back(v.pieces[std::size_t(a)], v.pieces[std::size_t(b)]);
        // Two merges can spell the same string ("ab"+"c", "a"+"bc"): they share its id.
        std::int32_t id;
        if (const auto found = idOf.find(merged); found != idOf.end()) {
            id = found->second;
        } else {
            id = std::int32_t(v.pieces.size());
            idOf.emplace(merged, id);
            v.pieces.push_back(std::move(merged));
        }

        ++round;
        touched.clear();
        std::vector<std::int32_t> holders = std::move(where[key]);
        where.erase(key);
        for (std::int32_t w : holders) {
            if (stamp[std::size_t(w)] == round) continue;
            stamp[std::size_t(w)] = round;
            std::vector<std::int32_t>& s = words[std::size_t(w)];
            const std::int64_t f = freq[std::size_t(w)];
            for (std::size_t i = 0; i + 1 < s.size(); ++i) {
                const std::uint64_t k = pairKey(s[i], s[i + 1]);
                pairCount[k] -= f;
                touched.push_back(k);
            }
            std::vector<std::int32_t> out;
            out.reserve(s.size());
            for (std::size_t i = 0; i < s.size(); ++i) {
                if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
                    out.push_back(id);
                    ++i;
                } else {
                    out.push_back(s[i]);
                }
            }
            s = std::move(out);
            for (std::size_t i = 0; i + 1 < s.size(); ++i) {
                const std::uint64_t k = pairKey(s[i], s[i + 1]);
                pairCount[k] += f;
                touched.push_back(k);
                if (s[i] == id || s[i + 1] == id) {
                    auto& list = where[k];
                    if (list.empty() || list.back() != w) list.push_back(w);
                }
            }
        }
        pairCount.erase(key);
        std::sort(touched.begin(), touched.end());
        touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
        for (std::uint64_t k : touched) {
            const auto it = pairCount.find(k);
            if (it == pairCount.end()) continue;
            if (it->second <= 0)
                pairCount.erase(it);
            else
                queue.push({it->second, k});
        }
    }
    v.pieces.emplace_back(kEndOfText);
    return v;
}

std::string BpeVocabulary::toTokenizerJson() const {
    using nlohmann::json;
    json vocab = json::object();
    for (std::size_t id = 0; id + 1 < pieces.size(); ++id) vocab[pieces[id]] = id;
    json mergeList = json::array();
    for (const auto& [x, y] : merges) mergeList.push_back(x + " " + y);
    json root;
    root["version"] = "1.0";
    root["truncation"] = nullptr;
    root["padding"] = nullptr;
    root["added_tokens"] = json::array({{{"id", pieces.size() - 1},
                                         {"content", kEndOfText},
                                         {"single_word", false},
                                         {"lstrip", false},
                                         {"rstrip", false},
                                         {"normalized", false},
                                         {"special", true}}});
    root["normalizer"] = nullptr;
    root["pre_tokenizer"] = {{"type", "ByteLevel"},
                             {"add_prefix_space", false},
                             {"trim_offsets", true},
                             {"use_regex", true}};
    root["post_processor"] = nullptr;
    root["decoder"] = {{"type", "ByteLevel"},
                       {"add_prefix_space", false},
                       {"trim_offsets", true},
                       {"use_regex", true}};
    root["model"] = {{"type", "BPE"},
                     {"dropout", nullptr},
                     {"unk_token", nullptr},
                     {"continuing_subword_prefix", nullptr},
                     {"end_of_word_suffix", nullptr},
                     {"fuse_unk", false},
                     {"byte_fallback", false},
                     {"vocab", std::move(vocab)},
                     {"merges", std::move(mergeList)}};
    return root.dump(1);
}

Tokenizer BpeVocabulary::toTokenizer(const std::string& source) const {
    return Tokenizer::fromTokenizerJsonText(toTokenizerJson(), source);
}

std::vector<std::pair<std::string, MetaValue>> BpeVocabulary::ggufMetadata() const {
    auto u32 = [](std::int64_t x) { return MetaValue::integer(MetaType::UInt32, x); };
    MetaArray tokens, types, mergeLines;
    tokens.elementType = MetaType::String;
    types.elementType = MetaType::Int32;
    mergeLines.elementType = MetaType::String;
    for (std::size_t id = 0; id < pieces.size(); ++id) {
        tokens.strings.push_back(pieces[id]);
        types.ints.push_back(std::int64_t(id + 1 == pieces.size() ? TokenType::Control
                                                                  : TokenType::Normal));
    }
    for (const auto& [x, y] : merges) mergeLines.strings.push_back(x + " " + y);
    const std::int64_t eot = std::int64_t(pieces.size()) - 1;
    std::vector<std::pair<std::string, MetaValue>> m;
    m.emplace_back("tokenizer.ggml.model", MetaValue::string("gpt2"));
    m.emplace_back("tokenizer.ggml.pre", MetaValue::string("gpt-2"));
    m.emplace_back("tokenizer.ggml.tokens", MetaValue::array(std::move(tokens)));
    m.emplace_back("tokenizer.ggml.token_type", MetaValue::array(std::move(types)));
    m.emplace_back("tokenizer.ggml.merges", MetaValue::array(std::move(mergeLines)));
    m.emplace_back("tokenizer.ggml.bos_token_id", u32(eot));
    m.emplace_back("tokenizer.ggml.eos_token_id", u32(eot));
    m.emplace_back("tokenizer.ggml.add_bos_token", MetaValue::boolean(false));
    return m;
}

namespace {

struct TrainedBpe {
    BpeVocabulary vocabulary;
    std::string json;
    Tokenizer tokenizer;
};

// One trained vocabulary per (file, its size and time, vocabulary size), for the process.
std::shared_ptr<const TrainedBpe> trainedBpe(int bpeVocab, const std::string& textPath) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto size = fs::file_size(textPath, ec);
    if (ec) throw std::runtime_error(textPath + ": cannot be read (" + ec.message() + ")");
    const auto time = fs::last_write_time(textPath, ec).time_since_epoch().count();
    const std::string key = fs::absolute(textPath).string() + "|" + std::to_string(size) + "|" +
                            std::to_string(time) + "|" + std::to_string(bpeVocab);
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const TrainedBpe>> cache;
    std::lock_guard lock(mutex); // a second run asking meanwhile waits for the same result
    if (const auto it = cache.find(key); it != cache.end()) return it->second;

    std::ifstream in(textPath, std::ios::binary);
    if (!in) throw std::runtime_error(textPath + ": cannot be read");
    std::string text(size, '\0');
    in.read(text.data(), std::streamsize(size));
    text.resize(std::size_t(in.gcount()));
    text.resize(text.size() * 9 / 10); // the part training reads (TextData holds out the rest)
    auto t = std::make_shared<TrainedBpe>(TrainedBpe{trainByteLevelBpe(text, bpeVocab), {},
                                                     charTokenizer()});
    t->json = t->vocabulary.toTokenizerJson();
    t->tokenizer = Tokenizer::fromTokenizerJsonText(
        t->json, "the byte-level BPE trained on " + textPath);
    cache.emplace(key, t);
    return t;
}

void checkKind(const std::string& kind) {
    if (kind != "char" && kind != "bpe")
        throw std::invalid_argument("unknown tokenizer '" + kind + "' (char or bpe)");
}

} // namespace

Tokenizer lmTokenizer(const std::string& kind, int bpeVocab, const std::string& textPath,
                      std::string* json) {
    checkKind(kind);
    if (kind == "char") {
        if (json) json->clear();
        return charTokenizer();
    }
    if (textPath.empty())
        throw std::invalid_argument("a byte-level BPE is trained on a text: name the text file");
    const auto t = trainedBpe(bpeVocab, textPath);
    if (json) *json = t->json;
    return t->tokenizer;
}

std::vector<std::pair<std::string, MetaValue>>
lmTokenizerMetadata(const std::string& kind, int bpeVocab, const std::string& textPath) {
    checkKind(kind);
    if (kind == "char") return charTokenizerMetadata();
    if (textPath.empty())
        throw std::invalid_argument("a byte-level BPE is trained on a text: name the text file");
    return trainedBpe(bpeVocab, textPath)->vocabulary.ggufMetadata();
}

} // namespace llmlab
