// Tokenizer: the shared encode/decode paths over the tables the loaders fill.
#include "tokenizers/Tokenizer.h"

#include "tokenizers/Normalizer.h"
#include "tokenizers/TokenizerData.h"
#include "tokenizers/Utf8.h"

#include <algorithm>

namespace llmlab {

using tok::TokenizerData;

namespace tok {

void TokenizerData::fail(const std::string& what) const {
    throw TokenizerError(source + ": " + what);
}

void TokenizerData::finalize() {
    const auto n = std::int32_t(pieces.size());
    if (n == 0) fail("the vocabulary is empty");
    if (types.size() != pieces.size()) types.resize(pieces.size(), TokenType::Normal);
    if (kind == TokenizerKind::SentencePieceBpe && scores.size() != pieces.size())
        fail("has " + std::to_string(scores.size()) + " scores for " + std::to_string(n) +
             " tokens");
    for (const std::int32_t* id : {&bos, &eos, &eot, &unk})
        if (*id >= n)
            fail("special token id " + std::to_string(*id) + " is outside the vocabulary");

    if (pieceToId.empty()) {
        pieceToId.reserve(pieces.size());
        for (std::int32_t i = 0; i < n; ++i) pieceToId.emplace(pieces[i], i); // first id wins
    }

    bytes.resize(pieces.size());
    byteFallback.fill(-1);
    merges.byteIds.fill(-1);
    for (std::int32_t i = 0; i < n; ++i) {
        const std::string& p = pieces[i];
        const TokenType t = types[i];
        if (t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown) {
            bytes[i] = p; // added tokens are stored as plain text in both kinds
        } else if (kind == TokenizerKind::ByteLevelBpe) {
            bytes[i] = byteLevelToBytes(p);
        } else if (t == TokenType::Byte && p.size() == 6 && p.starts_with("<0x") && p[5] == '>') {
            const int b = std::stoi(p.substr(3, 2), nullptr, 16);
            bytes[i] = std::string(1, char(b));
            if (byteFallback[b] < 0) byteFallback[b] = i;
        } else {
            std::string text; // SentencePiece writes spaces as U+2581 '▁'
            for (std::size_t k = 0; k < p.size();) {
                if (p.compare(k, 3, "\xE2\x96\x81") == 0)
                    text += ' ', k += 3;
                else
                    text += p[k++];
            }
            bytes[i] = std::move(text);
        }
    }
    if (kind == TokenizerKind::ByteLevelBpe) {
        for (int b = 0; b < 256; ++b) {
            std::string ch;
            tok::appendUtf8(ch, tok::byteToUnicode(std::uint8_t(b)));
            const auto it = pieceToId.find(ch);
            if (it != pieceToId.end()) merges.byteIds[b] = it->second;
        }
    }

    for (auto& list : splitTokens) list.clear();
    for (std::int32_t i = 0; i < n; ++i) {
        const TokenType t = types[i];
        if ((t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown) &&
            !pieces[i].empty())
            splitTokens[std::uint8_t(pieces[i][0])].push_back(i);
    }
    for (auto& list : splitTokens)
        std::stable_sort(list.begin(), list.end(), [&](std::int32_t a, std::int32_t b) {
            return pieces[a].size() > pieces[b].size();
        });

    if (chat == ChatTemplateKind::None) { // no template text: guess from the vocabulary
        if (pieceToId.count("<|im_start|>"))
            chat = ChatTemplateKind::ChatMl;
        else if (pieceToId.count("<|start_header_id|>"))
            chat = ChatTemplateKind::Llama3;
    }
    if (eot < 0) {
        for (const char* name : {"<|im_end|>", "<|eot_id|>"}) {
            const auto it = pieceToId.find(name);
            if (it != pieceToId.end()) {
                eot = it->second;
                break;
            }
        }
    }
}

} // namespace tok

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerData> data) : m_data(std::move(data)) {}

TokenizerKind Tokenizer::kind() const {
    return m_data->kind;
}
const std::string& Tokenizer::source() const {
    return m_data->source;
}
std::int32_t Tokenizer::vocabSize() const {
    return std::int32_t(m_data->pieces.size());
}
std::int32_t Tokenizer::bosId() const {
    return m_data->bos;
}
std::int32_t Tokenizer::eosId() const {
    return m_data->eos;
}
std::int32_t Tokenizer::eotId() const {
    return m_data->eot;
}
ChatTemplateKind Tokenizer::chatTemplate() const {
    return m_data->chat;
}

bool Tokenizer::isEndOfGeneration(std::int32_t id) const {
    return id >= 0 && (id == m_data->eos || id == m_data->eot);
}

const std::string& Tokenizer::tokenPiece(std::int32_t id) const {
    if (id < 0 || id >= vocabSize())
        throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary");
    return m_data->pieces[id];
}

const std::string& Tokenizer::tokenBytes(std::int32_t id) const {
    tokenPiece(id); // range check
    return m_data->bytes[id];
}

TokenType Tokenizer::tokenType(std::int32_t id) const {
    tokenPiece(id);
    return m_data->types[id];
}

std::optional<std::int32_t> Tokenizer::pieceId(std::string_view piece) const {
    const auto it = m_data->pieceToId.find(std::string(piece));
    if (it == m_data->pieceToId.end()) return std::nullopt;
    return it->second;
}

namespace {

// One stretch of input: either plain text for the model or an already-known token.
struct Fragment {
    std::string_view text;
    std::int32_t token = -1;
};

// Splits out added tokens, leftmost-longest (Hugging Face's rule). Control and unknown
// tokens only with parseSpecial; user-defined ones always (llama.cpp and HF agree).
std::vector<Fragment> splitSpecial(const TokenizerData& d, std::string_view text,
                                   bool parseSpecial) {
    std::vector<Fragment> out;
    std::size_t textStart = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::int32_t found = -1;
        for (const std::int32_t id : d.splitTokens[std::uint8_t(text[pos])]) {
            if (!parseSpecial && d.types[id] != TokenType::UserDefined) continue;
            if (text.compare(pos, d.pieces[id].size(), d.pieces[id]) == 0) {
                found = id;
                break;
            }
        }
        if (found < 0) {
            ++pos;
            continue;
        }
        if (pos > textStart) out.push_back({text.substr(textStart, pos - textStart)});
        out.push_back({{}, found});
        pos += d.pieces[found].size();
        textStart = pos;
    }
    if (textStart < text.size()) out.push_back({text.substr(textStart)});
    return out;
}

void encodeByteLevel(const TokenizerData& d, std::string_view fragment, bool atStart,
                     std::vector<std::int32_t>& out) {
    std::string text = d.nfc ? tok::toNfc(fragment) : std::string(fragment);
    if (d.addPrefixSpace && atStart && !text.starts_with(' ')) text.insert(0, 1, ' ');
    const std::string_view view = text;
    for (const std::string_view word : d.pre.empty() ? std::vector{view} : d.pre.split(view)) {
        const std::string key(word);
        {
            std::lock_guard lock(d.cacheMutex);
            const auto it = d.cache.find(key);
            if (it != d.cache.end()) {
                out.insert(out.end(), it->second.begin(), it->second.end());
                continue;
            }
        }
        std::vector<std::int32_t> ids;
        tok::bpeEncodeWord(d, word, ids);
        out.insert(out.end(), ids.begin(), ids.end());
        std::lock_guard lock(d.cacheMutex);
        if (d.cache.size() > 100000) d.cache.clear(); // bound the memory a long text can take
        d.cache.emplace(key, std::move(ids));
    }
}

void encodeSentencePiece(const TokenizerData& d, std::string_view fragment, bool afterSpecial,
                         std::vector<std::int32_t>& out) {
    std::string text;
    text.reserve(fragment.size() + 8);
    // The dummy prefix goes in front of text that starts the input or follows a special
    // token, as llama.cpp does; it makes "Hello" and " Hello" mid-sentence tokenise alike.
    if (d.addSpacePrefix && afterSpecial) text += "\xE2\x96\x81";
    for (const char c : fragment) {
        if (c == ' ')
            text += "\xE2\x96\x81";
        else
            text += c;
    }
    tok::spmEncodeFragment(d, text, out);
}

} // namespace

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
    const TokenizerData& d = *m_data;
    std::vector<std::int32_t> ids;
    if (options.addSpecial && d.addBos && d.bos >= 0) ids.push_back(d.bos);
    bool afterSpecial = true;
    bool atStart = true;
    for (const Fragment& f : splitSpecial(d, text, options.parseSpecial)) {
        if (f.token >= 0) {
            ids.push_back(f.token);
            afterSpecial = true;
        } else if (d.kind == TokenizerKind::ByteLevelBpe) {
            encodeByteLevel(d, f.text, atStart, ids);
            afterSpecial = false;
        } else {
            encodeSentencePiece(d, f.text, afterSpecial, ids);
            afterSpecial = false;
        }
        atStart = false;
    }
    if (options.addSpecial && d.addEos && d.eos >= 0) ids.push_back(d.eos);
    return ids;
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, DecodeOptions options) const {
    const TokenizerData& d = *m_data;
    std::string out;
    bool first = true; // SentencePiece: the first text token carries the dummy prefix
    for (const std::int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) continue; // a model can sample padding ids past the vocab
        const TokenType t = d.types[id];
        if (t == TokenType::Control) {
            if (options.renderSpecial) out += d.bytes[id];
            continue; // BOS in front does not count as the first text token
        }
        std::string_view piece = d.bytes[id];
        if (first && options.stripDummyPrefix && d.kind == TokenizerKind::SentencePieceBpe &&
            d.addSpacePrefix && piece.starts_with(' '))
            piece.remove_prefix(1);
        first = false;
        out += piece;
    }
    return out;
}

StreamingDecoder::StreamingDecoder(Tokenizer tokenizer, DecodeOptions options)
    : m_tokenizer(std::move(tokenizer)), m_options(options) {}

std::string StreamingDecoder::push(std::int32_t id) {
    DecodeOptions opts = m_options;
    // Only the very first text token may lose SentencePiece's dummy prefix.
    if (!m_atStart) opts.stripDummyPrefix = false;
    const std::int32_t one[1] = {id};
    const std::string text = m_tokenizer.decode(one, opts);
    if (id >= 0 && id < m_tokenizer.vocabSize() && m_tokenizer.tokenType(id) != TokenType::Control)
        m_atStart = false;
    m_pending += text;
    const std::size_t hold = tok::incompleteTailLength(m_pending);
    std::string ready = m_pending.substr(0, m_pending.size() - hold);
    m_pending.erase(0, m_pending.size() - hold);
    return ready;
}

std::string StreamingDecoder::flush() {
    std::string rest = std::move(m_pending);
    m_pending.clear();
    return rest;
}

void StreamingDecoder::reset() {
    m_pending.clear();
    m_atStart = true;
}

} // namespace llmlab
