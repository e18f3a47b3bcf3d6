// llama2.c `tokenizer.bin`: uint32 max_token_length, then per token float32 score, int32 byte
// length, bytes. It carries no types, so they are inferred as llama2.c's export wrote them:
// id 0 <unk>, 1 BOS, 2 EOS, `<0xXX>` byte fallback, everything else an ordinary piece.
#include "tokenizers/Tokenizer.h"
#include "tokenizers/TokenizerData.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace llmlab {

Tokenizer Tokenizer::fromLlama2c(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TokenizerError(path + ": cannot open the file");
    const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    auto d = std::make_shared<tok::TokenizerData>();
    d->source = path;
    d->kind = TokenizerKind::SentencePieceBpe;
    std::size_t pos = 0;
    const auto read = [&](void* dst, std::size_t n, const char* what) {
        if (file.size() - pos < n)
            d->fail(std::string("ends inside ") + what + " of token " +
                    std::to_string(d->pieces.size()) + " (offset " + std::to_string(pos) + ")");
        std::memcpy(dst, file.data() + pos, n);
        pos += n;
    };
    std::uint32_t maxLen = 0;
    read(&maxLen, 4, "the header");
    if (maxLen == 0 || maxLen > 1024)
        d->fail("max_token_length " + std::to_string(maxLen) + " is not plausible");
    while (pos < file.size()) {
        float score = 0;
        std::int32_t len = 0;
        read(&score, 4, "the score");
        read(&len, 4, "the length");
        if (len < 0 || std::uint32_t(len) > maxLen)
            d->fail("token " + std::to_string(d->pieces.size()) + " has length " +
                    std::to_string(len) + " (max_token_length " + std::to_string(maxLen) + ")");
        std::string piece(std::size_t(len), '\0');
        read(piece.data(), piece.size(), "the text");
        // llama2.c stores spaces plainly; write them as SentencePiece's '▁' so both sources
        // (this and GGUF) share one vocabulary form.
        std::string spm;
        for (const char c : piece)
            spm += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
        const auto id = std::int32_t(d->pieces.size());
        TokenType type = TokenType::Normal;
        if (id == 0)
            type = TokenType::Unknown;
        else if (id == 1 || id == 2)
            type = TokenType::Control;
        else if (spm.size() == 6 && spm.starts_with("<0x") && spm.back() == '>')
            type = TokenType::Byte;
        d->pieces.push_back(std::move(spm));
        d->types.push_back(type);
        d->scores.push_back(score);
    }
    d->unk = 0;
    d->bos = d->pieces.size() > 1 ? 1 : -1;
    d->eos = d->pieces.size() > 2 ? 2 : -1;
    d->addBos = true; // llama2.c's run.c always starts a prompt with BOS
    d->addSpacePrefix = true;
    d->finalize();
    return Tokenizer(std::move(d));
}

} // namespace llmlab
