// Splits text into pre-tokens with a chain of regexes (PCRE2, UTF + Unicode properties).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmlab::tok {

/// Pre-tokenizer regexes of the models we know, as their tokenizer.json files write them.
inline constexpr std::string_view kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
inline constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
inline constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

/// One compiled regex. Splitting keeps every byte: matches and the gaps between them both
/// become pieces (Hugging Face's Split with behaviour "Isolated"), so invalid UTF-8, which no
/// pattern matches, still reaches the byte-level model.
class RegexSplit {
public:
    /// Compiles `pattern`; throws std::runtime_error with PCRE2's message and offset.
    explicit RegexSplit(std::string_view pattern);
    ~RegexSplit();
    RegexSplit(RegexSplit&&) noexcept;
    RegexSplit& operator=(RegexSplit&&) noexcept;

    /// Appends the pieces of `text` to `out` (views into `text`).
    void split(std::string_view text, std::vector<std::string_view>& out) const;
    const std::string& pattern() const { return m_pattern; }

private:
    struct Code;
    std::string m_pattern;
    std::unique_ptr<Code> m_code;
};

/// A sequence of splits, each applied to every piece the previous one produced.
class PreTokenizer {
public:
    PreTokenizer() = default;
    explicit PreTokenizer(const std::vector<std::string>& patterns);

    /// The pre-tokenizer llama.cpp names in GGUF `tokenizer.ggml.pre` ("gpt-2", "llama-bpe",
    /// "qwen2", "deepseek-llm", ...); throws std::runtime_error naming an unknown one.
    static PreTokenizer fromGgufName(std::string_view name);

    /// Pieces of `text`, in order; their concatenation is `text`.
    std::vector<std::string_view> split(std::string_view text) const;
    bool empty() const { return m_stages.empty(); }
    std::size_t stageCount() const { return m_stages.size(); }

private:
    std::vector<RegexSplit> m_stages;
};

} // namespace llmlab::tok
