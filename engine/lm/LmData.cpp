#include "LmData.h"

#include "formats/Metadata.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace llmlab {

namespace {

const char* const kSpace = "\xE2\x96\x81"; // U+2581, SentencePiece's space

MetaValue u32(std::int64_t v) {
    return MetaValue::integer(MetaType::UInt32, v);
}

// Packs episodes into one token stream per sequence: BOS, then whole episodes until seqLen + 1
// tokens are there (the last one cut); the labels are the stream shifted by one.
// `makeSource(rng)` is called once per sequence and returns the function giving its episodes.
template <class MakeSource>
void packSequences(const Tokenizer& tok, std::uint64_t seed, std::uint64_t step, int batch,
                   int seqLen, std::vector<std::int32_t>& tokens,
                   std::vector<std::int32_t>& labels, MakeSource makeSource) {
    tokens.assign(std::size_t(batch) * std::size_t(seqLen), 0);
    labels.assign(tokens.size(), -1);
    for (int b = 0; b < batch; ++b) {
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + step * 1000003ULL + std::uint64_t(b));
        auto next = makeSource(rng);
        std::vector<std::int32_t> stream = {tok.bosId()};
        while (int(stream.size()) < seqLen + 1) {
            const std::vector<std::int32_t> ids = tok.encode(next());
            stream.insert(stream.end(), ids.begin(), ids.end());
        }
        for (int t = 0; t < seqLen; ++t) {
            tokens[std::size_t(b * seqLen + t)] = stream[std::size_t(t)];
            labels[std::size_t(b * seqLen + t)] = stream[std::size_t(t + 1)];
        }
    }
}

class LookupData : public LmData {
public:
    LookupData(Tokenizer tok, std::uint64_t seed, bool oneOutput)
        : m_tok(std::move(tok)), m_seed(seed), m_oneOutput(oneOutput) {}
    void fill(std::uint64_t step, int batch, int seqLen, std::vector<std::int32_t>& tokens,
              std::vector<std::int32_t>& labels) const override {
        // One mapping per sequence, its pairs drawn with repeats.
        const bool one = m_oneOutput;
        packSequences(m_tok, m_seed, step, batch, seqLen, tokens, labels,
                      [one](std::mt19937_64& rng) {
                          std::string letters = "abcdefghijklmnopqrstuvwxyz";
                          std::shuffle(letters.begin(), letters.end(), rng);
                          // "rule": every input of the episode maps to one letter, over all
                          // 26 inputs; "lookup": 3 to 6 inputs, each its own letter.
                          const int m = one ? 26 : 3 + int(rng() % 4);
                          const char shared = char('A' + rng() % 26);
                          std::string outputs;
                          for (int i = 0; i < m; ++i)
                              outputs += one ? shared : char('A' + rng() % 26);
                          return [&rng, letters, outputs, m] {
                              const std::size_t i = std::size_t(rng() % std::uint64_t(m));
                              return episodes::lookupLine(letters[i], outputs[i]);
                          };
                      });
    }

private:
    Tokenizer m_tok;
    std::uint64_t m_seed;
    bool m_oneOutput;
};

class AdditionData : public LmData {
public:
    AdditionData(Tokenizer tok, std::uint64_t seed) : m_tok(std::move(tok)), m_seed(seed) {}
    void fill(std::uint64_t step, int batch, int seqLen, std::vector<std::int32_t>& tokens,
              std::vector<std::int32_t>& labels) const override {
        packSequences(m_tok, m_seed, step, batch, seqLen, tokens, labels,
                      [](std::mt19937_64& rng) {
                          return [&rng] {
                              const int a = 10 + int(rng() % 90), b = 10 + int(rng() % 90);
                              // Mostly direct: greedy decoding after "=" answers at once,
                              // and "=think" asks for the scratchpad.
                              const bool think = rng() % 10 < 3;
                              return std::to_string(a) + "+" + std::to_string(b) + "=" +
                                     (think ? episodes::additionScratchpad(a, b)
                                            : std::to_string(a + b)) +
                                     "\n";
                          };
                      });
    }

private:
    Tokenizer m_tok;
    std::uint64_t m_seed;
};

class TextData : public LmData {
public:
    // The last tenth of the text is held out for validation: training windows lie wholly in
    // the first nine tenths, validation windows wholly in the rest.
    TextData(std::vector<std::int32_t> ids, std::uint64_t seed)
        : m_ids(std::move(ids)), m_split(m_ids.size() * 9 / 10), m_seed(seed) {}
    void fill(std::uint64_t step, int batch, int seqLen, std::vector<std::int32_t>& tokens,
              std::vector<std::int32_t>& labels) const override {
        windows(0, m_split, m_seed * 0x9E3779B97F4A7C15ULL + step, batch, seqLen, tokens, labels);
    }
    void fillValidation(std::uint64_t index, int batch, int seqLen,
                        std::vector<std::int32_t>& tokens,
                        std::vector<std::int32_t>& labels) const override {
        windows(m_split, m_ids.size(), 0xA5A5A5A5ULL * (index + 1), batch, seqLen, tokens, labels);
    }

private:
    void windows(std::size_t begin, std::size_t end, std::uint64_t rngSeed, int batch, int seqLen,
                 std::vector<std::int32_t>& tokens, std::vector<std::int32_t>& labels) const {
        tokens.resize(std::size_t(batch) * std::size_t(seqLen));
        labels.resize(tokens.size());
        std::mt19937_64 rng(rngSeed);
        const std::size_t need = std::size_t(seqLen) + 1;
        const std::size_t span = end - begin > need ? end - begin - need : 1;
        for (int b = 0; b < batch; ++b) {
            const std::size_t start = begin + std::size_t(rng() % span);
            for (int t = 0; t < seqLen; ++t) {
                const std::size_t at = std::min(start + std::size_t(t), m_ids.size() - 2);
                tokens[std::size_t(b * seqLen + t)] = m_ids[at];
                labels[std::size_t(b * seqLen + t)] = m_ids[at + 1];
            }
        }
    }

    std::vector<std::int32_t> m_ids;
    std::size_t m_split;
    std::uint64_t m_seed;
};

} // namespace

std::vector<std::pair<std::string, MetaValue>> charTokenizerMetadata() {
    MetaArray tokens, scores, types;
    tokens.elementType = MetaType::String;
    scores.elementType = MetaType::Float32;
    types.elementType = MetaType::Int32;
    auto add = [&](std::string piece, TokenType type) {
        tokens.strings.push_back(std::move(piece));
        scores.floats.push_back(0.0);
        types.ints.push_back(std::int64_t(type));
    };
    add("<unk>", TokenType::Unknown);
    add("<s>", TokenType::Control);
    add("</s>", TokenType::Control);
    add("<0x0A>", TokenType::Byte);
    for (int c = 32; c < 127; ++c) add(c == ' ' ? kSpace : std::string(1, char(c)), TokenType::Normal);
    std::vector<std::pair<std::string, MetaValue>> m;
    m.emplace_back("tokenizer.ggml.model", MetaValue::string("llama"));
    m.emplace_back("tokenizer.ggml.tokens", MetaValue::array(std::move(tokens)));
    m.emplace_back("tokenizer.ggml.scores", MetaValue::array(std::move(scores)));
    m.emplace_back("tokenizer.ggml.token_type", MetaValue::array(std::move(types)));
    m.emplace_back("tokenizer.ggml.unknown_token_id", u32(0));
    m.emplace_back("tokenizer.ggml.bos_token_id", u32(1));
    m.emplace_back("tokenizer.ggml.eos_token_id", u32(2));
    m.emplace_back("tokenizer.ggml.add_bos_token", MetaValue::boolean(true));
    m.emplace_back("tokenizer.ggml.add_space_prefix", MetaValue::boolean(false));
    return m;
}

Tokenizer charTokenizer() {
    static const Tokenizer tok = [] {
        Metadata meta;
        for (auto& [k, v] : charTokenizerMetadata()) meta.set(k, v);
        return Tokenizer::fromGguf(meta, "the lab's character vocabulary");
    }();
    return tok;
}

namespace episodes {

std::string lookupLine(char input, char output) {
    return std::string(1, input) + "=" + std::string(1, output) + "\n";
}

std::string additionScratchpad(int a, int b) {
    const int total = a + b;
    std::string s = kThinkCue;
    int carry = 0;
    while (a > 0 || b > 0) {
        const int da = a % 10, db = b % 10, sum = da + db + carry;
        s += ' ';
        s += std::to_string(da);
        s += '+';
        s += std::to_string(db);
        if (carry) {
            s += '+';
            s += std::to_string(carry);
        }
        s += '=';
        s += std::to_string(sum);
        carry = sum / 10;
        a /= 10;
        b /= 10;
    }
    s += " so ";
    s += std::to_string(total);
    return s;
}

} // namespace episodes

std::unique_ptr<LmData> makeLmData(const std::string& task, const std::string& textPath,
                                   const Tokenizer& tokenizer, std::uint64_t seed) {
    if (task == "lookup") return std::make_unique<LookupData>(tokenizer, seed, false);
    if (task == "rule") return std::make_unique<LookupData>(tokenizer, seed, true);
    if (task == "add") return std::make_unique<AdditionData>(tokenizer, seed);
    if (task == "text") {
        std::ifstream in(textPath, std::ios::binary);
        if (!in) throw std::runtime_error(textPath + ": cannot be read");
        std::stringstream ss;
        ss << in.rdbuf();
        std::vector<std::int32_t> ids = tokenizer.encode(ss.str());
        if (ids.size() < 1024)
            throw std::runtime_error(textPath + ": too short to train on (" +
                                     std::to_string(ids.size()) + " tokens; 1024 at least)");
        return std::make_unique<TextData>(std::move(ids), seed);
    }
    throw std::invalid_argument("unknown training task '" + task +
                                "' (rule, lookup, add or text)");
}

} // namespace llmlab
