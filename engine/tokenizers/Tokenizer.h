// Text <-> token ids for the models llmlab opens: byte-level BPE (GPT-2, Qwen2/2.5/3, Llama 3)
// and SentencePiece-style BPE (Llama 2, TinyStories).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmlab {

class Metadata;

namespace tok {
struct TokenizerData;
}

/// A tokenizer file that cannot be used; the message names the file and what is wrong.
class TokenizerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class TokenizerKind { ByteLevelBpe, SentencePieceBpe };

/// Token types, numbered as GGUF's `tokenizer.ggml.token_type` numbers them.
enum class TokenType : std::uint8_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,     ///< BOS, EOS, <|im_start|>: matched in text only with parseSpecial
    UserDefined = 4, ///< added tokens that are always matched in text
    Unused = 5,
    Byte = 6, ///< SentencePiece byte fallback `<0xXX>`
};

/// The chat formats the lab can render.
enum class ChatTemplateKind { None, ChatMl, Llama3 };

struct ChatMessage {
    std::string role; ///< "system", "user", "assistant"
    std::string content;
};

struct EncodeOptions {
    bool addSpecial = false;   ///< add BOS/EOS where the tokenizer's configuration asks for them
    bool parseSpecial = false; ///< text like "<|im_start|>" becomes its control token
};

struct DecodeOptions {
    bool renderSpecial = true;    ///< write control tokens as their text (false: drop them)
    bool stripDummyPrefix = true; ///< SentencePiece: drop the space the encoder put in front
};

/// How to read a GPT-2 style encoder.json + vocab.bpe pair, which carries no configuration.
struct ByteLevelBpeOptions {
    std::string preTokenizer = "gpt-2"; ///< a GGUF `tokenizer.ggml.pre` name
    bool ignoreMerges = false;          ///< a pre-token that is a vocab entry is emitted as is
    bool nfc = false;
    std::vector<std::pair<std::int32_t, std::string>> specialTokens; ///< (id, text), Control
    std::string bosText, eosText, eotText; ///< names of special tokens above, may be empty
    bool addBos = false;

    /// Llama 3: its regex, ignore_merges, the 256 special tokens from id 128000, BOS added.
    static ByteLevelBpeOptions llama3();
};

/// A loaded tokenizer. Cheap to copy (shares its immutable tables); thread-safe to use.
class Tokenizer {
public:
    /// Hugging Face `tokenizer.json` (model BPE, byte-level). Throws TokenizerError.
    static Tokenizer fromTokenizerJson(const std::string& path);
    /// The same from `tokenizer.json` text held in memory; `source` names it in errors.
    static Tokenizer fromTokenizerJsonText(std::string_view text, const std::string& source);
    /// GPT-2 style `encoder.json` (piece -> id) and `vocab.bpe` (merges). Throws TokenizerError.
    static Tokenizer fromEncoderJson(const std::string& encoderJsonPath,
                                     const std::string& mergesPath,
                                     const ByteLevelBpeOptions& options);
    /// GGUF metadata (`tokenizer.ggml.*`); `source` names the file in errors. Throws
    /// TokenizerError, also for tokenizer kinds not implemented (bert, t5, rwkv).
    static Tokenizer fromGguf(const Metadata& meta, const std::string& source = "GGUF metadata");
    /// Reads the metadata of a GGUF file (tensor data is not touched) and calls fromGguf.
    static Tokenizer fromGgufFile(const std::string& path);
    /// llama2.c `tokenizer.bin` (SentencePiece pieces and scores). Throws TokenizerError.
    static Tokenizer fromLlama2c(const std::string& path);

    TokenizerKind kind() const;
    /// Where the tokenizer came from (a path), for messages.
    const std::string& source() const;

    /// Token ids of `text`. Any bytes are accepted (byte-level BPE keeps invalid UTF-8).
    std::vector<std::int32_t> encode(std::string_view text, EncodeOptions options = {}) const;
    /// The bytes `ids` stand for, concatenated: decode(encode(x)) == x.
    std::string decode(std::span<const std::int32_t> ids, DecodeOptions options = {}) const;

    std::int32_t vocabSize() const;
    /// The vocabulary entry as stored (byte-level 'Ġthe', SentencePiece '▁the', '<0x0A>').
    /// Throws std::out_of_range for an id outside the vocabulary.
    const std::string& tokenPiece(std::int32_t id) const;
    /// The raw bytes the token decodes to (may be part of a UTF-8 character).
    const std::string& tokenBytes(std::int32_t id) const;
    TokenType tokenType(std::int32_t id) const;
    /// The id of a vocabulary entry, if present.
    std::optional<std::int32_t> pieceId(std::string_view piece) const;

    std::int32_t bosId() const; ///< -1 when none
    std::int32_t eosId() const; ///< -1 when none
    std::int32_t eotId() const; ///< end of turn (<|im_end|>, <|eot_id|>), -1 when none
    /// True for ids that end a generated reply (EOS, end of turn).
    bool isEndOfGeneration(std::int32_t id) const;

    ChatTemplateKind chatTemplate() const;
    /// Renders `messages` in this tokenizer's chat format (ChatML if none is known), to be
    /// encoded with parseSpecial (and addSpecial, for Llama 3's BOS).
    std::string renderChat(std::span<const ChatMessage> messages,
                           bool addGenerationPrompt = true) const;

    explicit Tokenizer(std::shared_ptr<const tok::TokenizerData> data);
    const tok::TokenizerData& data() const { return *m_data; }

private:
    std::shared_ptr<const tok::TokenizerData> m_data;
};

/// Renders chat messages in a given format (see Tokenizer::renderChat).
std::string renderChat(ChatTemplateKind kind, std::span<const ChatMessage> messages,
                       bool addGenerationPrompt);

/// Turns ids into text one at a time for live display: returns only complete UTF-8, holding
/// back the first bytes of a character whose remaining bytes come with a later token. Bytes
/// that can never become valid UTF-8 are passed through, so the concatenated output plus
/// flush() equals decode() of all ids, byte for byte.
class StreamingDecoder {
public:
    explicit StreamingDecoder(Tokenizer tokenizer, DecodeOptions options = {});
    /// Text made complete by `id` (often empty for the first bytes of an emoji).
    std::string push(std::int32_t id);
    /// Whatever is still held back (an unfinished character at the end of the stream).
    std::string flush();
    void reset();

private:
    Tokenizer m_tokenizer;
    DecodeOptions m_options;
    std::string m_pending;
    bool m_atStart = true;
};

} // namespace llmlab
