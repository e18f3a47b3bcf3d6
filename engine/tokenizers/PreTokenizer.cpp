// PCRE2-backed pre-tokenization. PCRE2 rather than std::regex: the patterns need \p{L}, \p{N},
// lookahead and (?i:...) over UTF-8, which std::regex cannot do.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizers/PreTokenizer.h"

#include <pcre2.h>

#include <stdexcept>

namespace llmlab::tok {

struct RegexSplit::Code {
    pcre2_code* code = nullptr;
    ~Code() { pcre2_code_free(code); }
};

RegexSplit::RegexSplit(std::string_view pattern) : m_pattern(pattern), m_code(new Code) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    // UCP: \s, \d and friends follow Unicode, as in the Rust/Oniguruma engines HF uses.
    // MATCH_INVALID_UTF: arbitrary bytes are legal input; they just never match.
    // DOLLAR_ENDONLY: `$` means end of piece, as in Rust's regex (deepseek's `\s+$`).
    const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    m_code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &error, &offset, nullptr);
    if (!m_code->code) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error, message, sizeof message);
        throw std::runtime_error("pre-tokenizer regex does not compile at offset " +
                                 std::to_string(offset) + ": " +
                                 reinterpret_cast<const char*>(message));
    }
    pcre2_jit_compile(m_code->code, PCRE2_JIT_COMPLETE); // optional: falls back to interpreter
}

RegexSplit::~RegexSplit() = default;
RegexSplit::RegexSplit(RegexSplit&&) noexcept = default;
RegexSplit& RegexSplit::operator=(RegexSplit&&) noexcept = default;

void RegexSplit::split(std::string_view text, std::vector<std::string_view>& out) const {
    if (text.empty()) return;
    // Match data per call so one tokenizer can serve several threads.
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(m_code->code, nullptr);
    if (!md) throw std::bad_alloc();
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t gapStart = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const int rc = pcre2_match(m_code->code, subject, text.size(), pos, 0, md, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            pcre2_match_data_free(md);
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(rc, message, sizeof message);
            throw std::runtime_error(std::string("pre-tokenizer regex failed: ") +
                                     reinterpret_cast<const char*>(message));
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        const std::size_t begin = ov[0], end = ov[1];
        if (end == begin) { // an empty match splits nothing; step past one byte
            pos = begin + 1;
            continue;
        }
        if (begin > gapStart) out.push_back(text.substr(gapStart, begin - gapStart));
        out.push_back(text.substr(begin, end - begin));
        gapStart = pos = end;
    }
    if (gapStart < text.size()) out.push_back(text.substr(gapStart));
    pcre2_match_data_free(md);
}

PreTokenizer::PreTokenizer(const std::vector<std::string>& patterns) {
    for (const auto& p : patterns) m_stages.emplace_back(p);
}

std::vector<std::string_view> PreTokenizer::split(std::string_view text) const {
    std::vector<std::string_view> pieces;
    if (text.empty()) return pieces;
    pieces.push_back(text);
    for (const auto& stage : m_stages) {
        std::vector<std::string_view> next;
        next.reserve(pieces.size() * 2);
        for (const auto piece : pieces) stage.split(piece, next);
        pieces = std::move(next);
    }
    return pieces;
}

namespace {

// GPT-2's pattern without its final `\s+`: a trailing run of spaces is then left as a gap,
// which the Isolated split keeps as a piece anyway. llama.cpp's lists below use this form.
constexpr std::string_view kGpt2NoTail =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";

// DeepSeek LLM's Split chain (its tokenizer.json); the letter class lists cased scripts.
// Written as \x{...} escapes: several of its code points (U+1FBE, U+2126, U+212A, ...) have
// canonical singleton decompositions, and an editor that normalises the source would change them.
constexpr std::string_view kDeepseekLlmLetters =
    "\\s?["
    "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}"
    "-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}"
    "\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}"
    "\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-"
    "\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-"
    "\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-"
    "\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-"
    "\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}"
    "-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-"
    "\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-"
    "\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}"
    "\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}"
    "\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}"
    "-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-"
    "\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-"
    "\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-"
    "\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}"
    "]+";

} // namespace

PreTokenizer PreTokenizer::fromGgufName(std::string_view name) {
    using V = std::vector<std::string>;
    const auto s = [](std::string_view v) { return std::string(v); };
    if (name.empty() || name == "default" || name == "gpt-2" || name == "gpt2" || name == "phi-2" ||
        name == "mpt" || name == "olmo")
        return PreTokenizer(V{s(kGpt2Regex)});
    if (name == "llama3" || name == "llama-v3" || name == "llama-bpe" || name == "smaug-bpe" ||
        name == "dbrx")
        return PreTokenizer(V{s(kLlama3Regex)});
    if (name == "qwen2" || name == "deepseek-r1-qwen") return PreTokenizer(V{s(kQwen2Regex)});
    if (name == "starcoder" || name == "refact" || name == "command-r" || name == "smollm")
        return PreTokenizer(V{R"(\p{N})", s(kGpt2NoTail)});
    if (name == "falcon")
        return PreTokenizer(V{R"([\p{P}\$\+<=>\^~\|`]+)", s(kGpt2NoTail), "[0-9][0-9][0-9]"});
    if (name == "deepseek-coder")
        return PreTokenizer(V{"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)",
                              "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
                              R"(\p{N})"});
    if (name == "deepseek-llm")
        return PreTokenizer(V{
            "[\r\n]", s(kDeepseekLlmLetters),
            "\\s?[!-/"
            ":-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
            R"(\s+$)", "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", R"(\p{N}+)"});
    throw std::runtime_error("unsupported pre-tokenizer '" + std::string(name) + "'");
}

} // namespace llmlab::tok
