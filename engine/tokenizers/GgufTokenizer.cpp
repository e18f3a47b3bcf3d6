// Tokenizer from GGUF metadata (`tokenizer.ggml.*`), the way llama.cpp's converters write it:
// model "llama" = SentencePiece BPE with scores, "gpt2" = byte-level BPE with merges and a
// pre-tokenizer named by `tokenizer.ggml.pre`.
#include "tokenizers/Tokenizer.h"
#include "tokenizers/TokenizerData.h"

#include "formats/GgufReader.h"
#include "formats/Metadata.h"

namespace llmlab {

namespace {

// Pre-tokenizer names that also switch on Llama 3's ignore_merges and BOS (as llama.cpp does).
bool isLlama3Family(const std::string& pre) {
    return pre == "llama3" || pre == "llama-v3" || pre == "llama-bpe" || pre == "falcon3" ||
           pre == "pixtral";
}

// GGUF writes "no such token" as -1 or as 4294967295 (uint32 -1): both become -1 here.
std::int32_t tokenId(const Metadata& meta, const char* key, std::size_t vocabSize) {
    const std::int64_t id = meta.getInt(key, -1);
    return id >= 0 && std::uint64_t(id) < vocabSize ? std::int32_t(id) : -1;
}

ChatTemplateKind templateKind(const std::string& text) {
    if (text.find("<|im_start|>") != std::string::npos) return ChatTemplateKind::ChatMl;
    if (text.find("<|start_header_id|>") != std::string::npos) return ChatTemplateKind::Llama3;
    return ChatTemplateKind::None;
}

} // namespace

Tokenizer Tokenizer::fromGguf(const Metadata& meta, const std::string& source) {
    auto d = std::make_shared<tok::TokenizerData>();
    d->source = source;
    try {
        const std::string model = meta.getString("tokenizer.ggml.model");
        if (model == "llama")
            d->kind = TokenizerKind::SentencePieceBpe;
        else if (model == "gpt2")
            d->kind = TokenizerKind::ByteLevelBpe;
        else if (model.empty())
            d->fail("has no tokenizer (no 'tokenizer.ggml.model')");
        else
            d->fail("tokenizer '" + model +
                    "' is not supported (only 'llama' SentencePiece and "
                    "'gpt2' byte-level BPE)");

        d->pieces = meta.getStringArray("tokenizer.ggml.tokens");
        const std::size_t n = d->pieces.size();
        if (n == 0) d->fail("'tokenizer.ggml.tokens' is missing or not an array of strings");

        const auto types = meta.getIntArray("tokenizer.ggml.token_type");
        if (!types.empty() && types.size() != n)
            d->fail("has " + std::to_string(types.size()) + " token types for " +
                    std::to_string(n) + " tokens");
        d->types.assign(n, TokenType::Normal);
        for (std::size_t i = 0; i < types.size(); ++i)
            d->types[i] = types[i] >= 1 && types[i] <= 6 ? TokenType(types[i]) : TokenType::Normal;

        if (d->kind == TokenizerKind::SentencePieceBpe) {
            const auto scores = meta.getFloatArray("tokenizer.ggml.scores");
            if (scores.size() != n)
                d->fail("has " + std::to_string(scores.size()) + " scores for " +
                        std::to_string(n) + " tokens ('tokenizer.ggml.scores')");
            d->scores.assign(scores.begin(), scores.end());
            d->addSpacePrefix = meta.getBool("tokenizer.ggml.add_space_prefix", true);
            d->addBos = meta.getBool("tokenizer.ggml.add_bos_token", true);
        } else {
            const std::string pre = meta.getString("tokenizer.ggml.pre", "default");
            try {
                d->pre = tok::PreTokenizer::fromGgufName(pre);
            } catch (const std::runtime_error& e) {
                d->fail(e.what());
            }
            d->ignoreMerges = isLlama3Family(pre);
            d->nfc = pre == "qwen2"; // Qwen's tokenizer.json normalises to NFC
            d->addBos = meta.getBool("tokenizer.ggml.add_bos_token", isLlama3Family(pre));

            for (std::size_t i = 0; i < n; ++i) d->pieceToId.emplace(d->pieces[i], std::int32_t(i));
            const auto merges = meta.getStringArray("tokenizer.ggml.merges");
            if (merges.empty()) d->fail("'tokenizer.ggml.merges' is missing or empty");
            for (std::size_t r = 0; r < merges.size(); ++r) {
                const std::string& line = merges[r];
                const auto space = line.find(' ');
                const auto id = [&](const std::string& piece) {
                    const auto it = d->pieceToId.find(piece);
                    if (it == d->pieceToId.end())
                        d->fail("merge " + std::to_string(r) + " ('" + line + "') names '" + piece +
                                "', which is not in the vocabulary");
                    return it->second;
                };
                if (space == std::string::npos)
                    d->fail("merge " + std::to_string(r) + " ('" + line + "') is not 'a b'");
                const std::string a = line.substr(0, space), b = line.substr(space + 1);
                const std::int32_t ia = id(a), ib = id(b), merged = id(a + b); // report in order
                d->merges.byPair.emplace(tok::BpeMerges::key(ia, ib),
                                         tok::BpeMerges::Merge{std::int32_t(r), merged});
            }
        }
        d->addEos = meta.getBool("tokenizer.ggml.add_eos_token", false);
        d->bos = tokenId(meta, "tokenizer.ggml.bos_token_id", n);
        d->eos = tokenId(meta, "tokenizer.ggml.eos_token_id", n);
        d->eot = tokenId(meta, "tokenizer.ggml.eot_token_id", n);
        d->unk = tokenId(meta, "tokenizer.ggml.unknown_token_id", n);
        if (d->bos < 0) d->addBos = false;
        d->chat = templateKind(meta.getString("tokenizer.chat_template"));
        d->finalize();
    } catch (const TokenizerError&) {
        throw;
    } catch (const std::exception& e) {
        throw TokenizerError(source + ": " + e.what());
    }
    return Tokenizer(std::move(d));
}

Tokenizer Tokenizer::fromGgufFile(const std::string& path) {
    std::string error;
    const auto file = MappedFile::open(path, &error);
    if (!file) throw TokenizerError(error.empty() ? path + ": cannot open the file" : error);
    try {
        return fromGguf(readGguf(file).metadata, path);
    } catch (const FormatError& e) {
        throw TokenizerError(e.what());
    }
}

} // namespace llmlab
