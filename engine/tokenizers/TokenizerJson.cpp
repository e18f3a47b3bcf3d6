// Loaders for byte-level BPE: Hugging Face tokenizer.json and GPT-2's encoder.json + vocab.bpe.
// Every malformed input becomes one TokenizerError naming the file and the offending entry.
#include "tokenizers/Tokenizer.h"
#include "tokenizers/TokenizerData.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmlab {

using nlohmann::json;
using tok::TokenizerData;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TokenizerError(path + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json parseJson(const std::string& path) {
    try {
        return json::parse(readFile(path));
    } catch (const json::parse_error& e) {
        throw TokenizerError(path + ": not valid JSON (" + e.what() + ")");
    }
}

// A required member of the given JSON type, or a readable failure naming `where`.
const json& need(const TokenizerData& d, const json& obj, const char* key, json::value_t type,
                 const std::string& where) {
    if (!obj.is_object() || !obj.contains(key)) d.fail("missing '" + where + key + "'");
    const json& v = obj[key];
    if (v.type() != type && !(type == json::value_t::number_integer && v.is_number_unsigned()))
        d.fail("'" + where + key + "' should be " + json(type).type_name() + ", not " +
               v.type_name());
    return v;
}

void setPiece(TokenizerData& d, std::int64_t id, const std::string& piece, TokenType type) {
    if (id < 0 || id > 10'000'000) d.fail("token id " + std::to_string(id) + " is not plausible");
    if (std::size_t(id) >= d.pieces.size()) {
        d.pieces.resize(id + 1);
        d.types.resize(id + 1, TokenType::Unused); // holes stay unused until filled
    }
    d.pieces[id] = piece;
    d.types[id] = type;
    d.pieceToId.insert_or_assign(piece, std::int32_t(id));
}

// One merge "a b" at `rank`: both parts and their concatenation must be vocabulary entries.
void addMerge(TokenizerData& d, const std::string& a, const std::string& b, std::int32_t rank) {
    const auto find = [&](const std::string& piece) {
        const auto it = d.pieceToId.find(piece);
        if (it == d.pieceToId.end())
            d.fail("merge " + std::to_string(rank) + " ('" + a + " " + b + "') names '" + piece +
                   "', which is not in the vocabulary");
        return it->second;
    };
    const std::int32_t ia = find(a), ib = find(b), merged = find(a + b);
    d.merges.byPair.emplace(tok::BpeMerges::key(ia, ib), tok::BpeMerges::Merge{rank, merged});
}

void addMergeLine(TokenizerData& d, const std::string& line, std::int32_t rank) {
    const auto space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
        d.fail("merge " + std::to_string(rank) + " ('" + line + "') is not two pieces 'a b'");
    addMerge(d, line.substr(0, space), line.substr(space + 1), rank);
}

std::string escapeLiteral(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

// Reads one pre-tokenizer node into regex stages; returns true when it is a ByteLevel one.
bool readPreTokenizer(TokenizerData& d, const json& node, std::vector<std::string>& stages) {
    const std::string type =
        need(d, node, "type", json::value_t::string, "pre_tokenizer.").get<std::string>();
    if (type == "Sequence") {
        bool byteLevel = false;
        for (const json& sub :
             need(d, node, "pretokenizers", json::value_t::array, "pre_tokenizer."))
            byteLevel = readPreTokenizer(d, sub, stages) || byteLevel;
        return byteLevel;
    }
    if (type == "ByteLevel") {
        if (node.value("use_regex", true)) stages.emplace_back(tok::kGpt2Regex);
        d.addPrefixSpace = node.value("add_prefix_space", false);
        return true;
    }
    if (type == "Split") {
        const json& pattern = need(d, node, "pattern", json::value_t::object, "pre_tokenizer.");
        if (node.value("behavior", std::string("Isolated")) != "Isolated" ||
            node.value("invert", false))
            d.fail("pre_tokenizer Split: only behavior 'Isolated' without invert is supported");
        if (pattern.contains("Regex") && pattern["Regex"].is_string())
            stages.push_back(pattern["Regex"].get<std::string>());
        else if (pattern.contains("String") && pattern["String"].is_string())
            stages.push_back(escapeLiteral(pattern["String"].get<std::string>()));
        else
            d.fail("pre_tokenizer Split: pattern has neither a Regex nor a String");
        return false;
    }
    if (type == "Digits") {
        stages.emplace_back(node.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)");
        return false;
    }
    if (type == "Punctuation") { // Rust's is_ascii_punctuation includes $+<=>^`|~
        const bool contiguous = node.value("behavior", std::string("Isolated")) == "Contiguous";
        stages.push_back(std::string(R"([\p{P}\$\+<=>\^`\|~])") + (contiguous ? "+" : ""));
        return false;
    }
    d.fail("pre_tokenizer type '" + type + "' is not supported");
}

void readNormalizer(TokenizerData& d, const json& node) {
    if (node.is_null()) return;
    const std::string type =
        need(d, node, "type", json::value_t::string, "normalizer.").get<std::string>();
    if (type == "NFC")
        d.nfc = true;
    else if (type == "Sequence")
        for (const json& sub : need(d, node, "normalizers", json::value_t::array, "normalizer."))
            readNormalizer(d, sub);
    else
        d.fail("normalizer '" + type + "' is not supported (only NFC, for byte-level BPE)");
}

std::string tokenName(const json& v) { // tokenizer_config writes "<s>" or {"content": "<s>"}
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    return {};
}

std::int32_t idOf(const TokenizerData& d, const std::string& name) {
    if (name.empty()) return -1;
    const auto it = d.pieceToId.find(name);
    return it == d.pieceToId.end() ? -1 : it->second;
}

ChatTemplateKind templateKind(const std::string& text) {
    if (text.find("<|im_start|>") != std::string::npos) return ChatTemplateKind::ChatMl;
    if (text.find("<|start_header_id|>") != std::string::npos) return ChatTemplateKind::Llama3;
    return ChatTemplateKind::None;
}

// tokenizer_config.json beside tokenizer.json names BOS/EOS and holds the chat template.
void readTokenizerConfig(TokenizerData& d, const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return;
    const json cfg = parseJson(path.string());
    if (!cfg.is_object()) throw TokenizerError(path.string() + ": not a JSON object");
    if (cfg.contains("bos_token")) d.bos = idOf(d, tokenName(cfg["bos_token"]));
    if (cfg.contains("eos_token")) d.eos = idOf(d, tokenName(cfg["eos_token"]));
    if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean())
        d.addBos = cfg["add_bos_token"].get<bool>() && d.bos >= 0;
    if (cfg.contains("chat_template") && cfg["chat_template"].is_string())
        d.chat = templateKind(cfg["chat_template"].get<std::string>());
}

void readTokenizerJson(TokenizerData& d, const json& root) {
    if (!root.is_object()) d.fail("the top level is not a JSON object");
    const json& model = need(d, root, "model", json::value_t::object, "");
    const std::string type = model.value("type", std::string("BPE"));
    if (type != "BPE") d.fail("model type '" + type + "' is not supported (only BPE)");

    for (const auto& [piece, id] :
         need(d, model, "vocab", json::value_t::object, "model.").items()) {
        if (!id.is_number_integer()) d.fail("model.vocab['" + piece + "'] is not an integer id");
        setPiece(d, id.get<std::int64_t>(), piece, TokenType::Normal);
    }
    if (root.contains("added_tokens") && !root["added_tokens"].is_null()) {
        if (!root["added_tokens"].is_array()) d.fail("'added_tokens' should be an array");
        for (const json& t : root["added_tokens"]) {
            const auto id = need(d, t, "id", json::value_t::number_integer, "added_tokens[].")
                                .get<std::int64_t>();
            const auto& content = need(d, t, "content", json::value_t::string, "added_tokens[].");
            setPiece(d, id, content.get<std::string>(),
                     t.value("special", false) ? TokenType::Control : TokenType::UserDefined);
        }
    }
    std::int32_t rank = 0;
    for (const json& m : need(d, model, "merges", json::value_t::array, "model.")) {
        if (m.is_string())
            addMergeLine(d, m.get<std::string>(), rank);
        else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
            addMerge(d, m[0].get<std::string>(), m[1].get<std::string>(), rank);
        else
            d.fail("merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
        ++rank;
    }
    d.ignoreMerges = model.value("ignore_merges", false);

    readNormalizer(d, root.value("normalizer", json()));
    std::vector<std::string> stages;
    bool byteLevel = false;
    if (root.contains("pre_tokenizer") && !root["pre_tokenizer"].is_null())
        byteLevel = readPreTokenizer(d, root["pre_tokenizer"], stages);
    if (!byteLevel && root.contains("decoder") && root["decoder"].is_object())
        byteLevel = root["decoder"].value("type", std::string()) == "ByteLevel";
    if (!byteLevel)
        d.fail("not a byte-level BPE tokenizer (no ByteLevel pre-tokenizer or decoder)");
    try {
        d.pre = tok::PreTokenizer(stages);
    } catch (const std::runtime_error& e) {
        d.fail(e.what());
    }

    // A TemplateProcessing post-processor that starts with a special token adds it as BOS.
    const json post = root.value("post_processor", json());
    if (post.is_object() && post.value("type", std::string()) == "TemplateProcessing" &&
        post.contains("single") && post["single"].is_array() && !post["single"].empty()) {
        const json& first = post["single"][0];
        if (first.is_object() && first.contains("SpecialToken") &&
            first["SpecialToken"].is_object()) {
            d.bos = idOf(d, first["SpecialToken"].value("id", std::string()));
            d.addBos = d.bos >= 0;
        }
    }
    for (const char* name : {"<|endoftext|>", "<|end_of_text|>"})
        if (d.eos < 0) d.eos = idOf(d, name);
    if (d.bos < 0) d.bos = idOf(d, "<|begin_of_text|>");
}

template <class Fn> Tokenizer load(const std::string& source, Fn&& fill) {
    auto d = std::make_shared<TokenizerData>();
    d->source = source;
    try {
        fill(*d);
        d->finalize();
    } catch (const TokenizerError&) {
        throw;
    } catch (const std::exception& e) { // json type errors, bad_alloc from absurd sizes, ...
        throw TokenizerError(source + ": " + e.what());
    }
    return Tokenizer(std::move(d));
}

} // namespace

Tokenizer Tokenizer::fromTokenizerJson(const std::string& path) {
    return load(path, [&](TokenizerData& d) {
        d.kind = TokenizerKind::ByteLevelBpe;
        readTokenizerJson(d, parseJson(path));
        readTokenizerConfig(d, std::filesystem::path(path).parent_path() / "tokenizer_config.json");
    });
}

Tokenizer Tokenizer::fromTokenizerJsonText(std::string_view text, const std::string& source) {
    return load(source, [&](TokenizerData& d) {
        d.kind = TokenizerKind::ByteLevelBpe;
        json root;
        try {
            root = json::parse(text);
        } catch (const json::parse_error& e) {
            throw TokenizerError(source + ": not valid JSON (" + e.what() + ")");
        }
        readTokenizerJson(d, root);
    });
}

Tokenizer Tokenizer::fromEncoderJson(const std::string& encoderJsonPath,
                                     const std::string& mergesPath,
                                     const ByteLevelBpeOptions& options) {
    return load(encoderJsonPath, [&](TokenizerData& d) {
        d.kind = TokenizerKind::ByteLevelBpe;
        const json encoder = parseJson(encoderJsonPath);
        if (!encoder.is_object()) d.fail("not a JSON object mapping pieces to ids");
        for (const auto& [piece, id] : encoder.items()) {
            if (!id.is_number_integer()) d.fail("'" + piece + "' maps to a non-integer id");
            setPiece(d, id.get<std::int64_t>(), piece, TokenType::Normal);
        }
        for (const auto& [id, text] : options.specialTokens)
            setPiece(d, id, text, TokenType::Control);

        std::istringstream lines(readFile(mergesPath));
        std::string line;
        std::int32_t rank = 0;
        d.source = mergesPath; // merge errors name the merges file
        while (std::getline(lines, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty() || (rank == 0 && line.starts_with("#version"))) continue;
            addMergeLine(d, line, rank++);
        }
        d.source = encoderJsonPath;

        d.pre = tok::PreTokenizer::fromGgufName(options.preTokenizer);
        d.ignoreMerges = options.ignoreMerges;
        d.nfc = options.nfc;
        d.bos = idOf(d, options.bosText);
        d.eos = idOf(d, options.eosText);
        d.eot = idOf(d, options.eotText);
        d.addBos = options.addBos && d.bos >= 0;
    });
}

ByteLevelBpeOptions ByteLevelBpeOptions::llama3() {
    ByteLevelBpeOptions o;
    o.preTokenizer = "llama-bpe";
    o.ignoreMerges = true;
    // Llama 3.1 / 3.2 layout of the 256 ids after the 128000 BPE entries.
    const char* named[] = {"<|begin_of_text|>",
                           "<|end_of_text|>",
                           "<|reserved_special_token_0|>",
                           "<|reserved_special_token_1|>",
                           "<|finetune_right_pad_id|>",
                           "<|reserved_special_token_2|>",
                           "<|start_header_id|>",
                           "<|end_header_id|>",
                           "<|eom_id|>",
                           "<|eot_id|>",
                           "<|python_tag|>"};
    std::int32_t id = 128000;
    for (const char* n : named) o.specialTokens.emplace_back(id++, n);
    for (int r = 3; id < 128256; ++r, ++id)
        o.specialTokens.emplace_back(id, "<|reserved_special_token_" + std::to_string(r) + "|>");
    o.bosText = "<|begin_of_text|>";
    o.eosText = "<|end_of_text|>";
    o.eotText = "<|eot_id|>";
    o.addBos = true;
    return o;
}

} // namespace llmlab
