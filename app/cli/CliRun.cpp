#include "BackendFactory.h"
#include "Cli.h"
#include "Sampling.h"
#include "finetune/PeftAdapter.h"
#include "model/Generator.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace llmlab::cli {

namespace {

std::shared_ptr<const ModelFile> openModel(const Args& args) {
    if (args.empty() || args.front().rfind("--", 0) == 0)
        throw std::invalid_argument("say which model: llmlab-cli COMMAND MODEL ...");
    std::string error;
    std::shared_ptr<const ModelFile> m = ModelFile::open(args.front(), &error);
    if (!m) throw std::runtime_error(error);
    return m;
}

Tokenizer tokenizerOf(const ModelFile& model, const Args& args) {
    const std::string path = option(args, "tokenizer");
    if (path.empty()) return tokenizerFor(model);
    if (path.size() >= 5 && path.substr(path.size() - 5) == ".json")
        return Tokenizer::fromTokenizerJson(path);
    if (path.size() >= 5 && path.substr(path.size() - 5) == ".gguf")
        return Tokenizer::fromGgufFile(path);
    return Tokenizer::fromLlama2c(path);
}

// Prompt tokens: --chat renders the model's chat format; BOS as the tokenizer asks.
std::vector<std::int32_t> promptTokens(const Tokenizer& tok, const Args& args) {
    const std::string prompt = option(args, "prompt");
    if (flag(args, "chat")) {
        const std::vector<ChatMessage> messages = {{"user", prompt}};
        return tok.encode(tok.renderChat(messages), {true, true});
    }
    // Special tokens typed in the text ("<|im_start|>") are recognised, as Hugging Face
    // tokenizers do by default; --plain-special reads them as ordinary text.
    std::vector<std::int32_t> ids = tok.encode(prompt, {true, !flag(args, "plain-special")});
    if (ids.empty() || (tok.bosId() >= 0 && ids.front() != tok.bosId()))
        if (tok.bosId() >= 0) ids.insert(ids.begin(), tok.bosId());
    return ids;
}

void dumpAttention(const std::string& dir, const InferenceSession& s) {
    std::filesystem::create_directories(dir);
    const ForwardCaptures& c = s.captures();
    const int heads = s.spec().heads;
    const int keys = s.position(); // only the positions written so far
    for (std::size_t l = 0; l < c.attention.size(); ++l)
        for (int h = 0; h < heads; ++h) {
            std::ofstream out(dir + "/layer" + std::to_string(l) + "_head" + std::to_string(h) +
                              ".csv");
            for (int i = 0; i < c.tokens; ++i) {
                for (int j = 0; j < keys; ++j)
                    out << (j ? "," : "")
                        << c.attention[l]
                                      [(std::size_t(h) * std::size_t(c.tokens) + std::size_t(i)) *
                                           std::size_t(c.context) +
                                       std::size_t(j)];
                out << "\n";
            }
        }
}

} // namespace

namespace {

// A tokenizer alone: a tokenizer.json or a folder holding one without weights. Null for
// anything else (a model, or a GGUF, which tokenize opens as a model first).
std::unique_ptr<Tokenizer> tokenizerAlone(const std::string& path) {
    namespace fs = std::filesystem;
    if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0)
        return std::make_unique<Tokenizer>(Tokenizer::fromTokenizerJson(path));
    if (fs::is_directory(path) && fs::exists(path + "/tokenizer.json")) {
        // A model folder is opened as a model (its tokenizer the same); a tokenizer-only one here.
        for (const auto& e : fs::directory_iterator(path))
            if (e.path().extension() == ".safetensors") return nullptr;
        return std::make_unique<Tokenizer>(Tokenizer::fromTokenizerJson(path + "/tokenizer.json"));
    }
    return nullptr;
}

} // namespace

int tokenize(const Args& args) {
    if (args.empty() || args.front().rfind("--", 0) == 0)
        throw std::invalid_argument("say which model or tokenizer: llmlab-cli tokenize PATH ...");
    const std::string path = args.front();
    std::unique_ptr<Tokenizer> tok =
        option(args, "tokenizer").empty() ? tokenizerAlone(path) : nullptr;
    if (!tok) {
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        if (model)
            tok = std::make_unique<Tokenizer>(tokenizerOf(*model, args));
        else if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0)
            tok = std::make_unique<Tokenizer>(Tokenizer::fromGgufFile(path)); // vocab only
        else
            throw std::runtime_error(error);
    }
    const std::vector<std::int32_t> ids = promptTokens(*tok, args);
    for (std::int32_t id : ids) std::printf("%6d  %s\n", id, tok->tokenPiece(id).c_str());
    std::printf("# %zu tokens\n", ids.size());
    return 0;
}

int run(const Args& args) {
    auto model = openModel(args);
    const Tokenizer tok = tokenizerOf(*model, args);
    std::string why;
    auto backend = createBackend(option(args, "backend", "cpu"), &why,
                                 std::stoi(option(args, "device", "-1")));
    if (!backend) throw std::runtime_error(why);
    const std::string attnDir = option(args, "dump-attention");
    CaptureOptions capture;
    capture.attention = !attnDir.empty();
    InferenceSession session(model, *backend, std::stoi(option(args, "ctx", "512")), capture);
    // --adapter DIR: a PEFT LoRA adapter merged into the weights it adapts.
    if (const std::string adapterDir = option(args, "adapter"); !adapterDir.empty()) {
        const auto merged = mergeAdapter(*model, readPeftAdapter(adapterDir, *model));
        std::vector<std::string> names;
        for (const auto& [name, w] : merged) names.push_back(name);
        session.makeAdjustable(names);
        for (const auto& [name, w] : merged) session.setWeight(name, w);
        std::fprintf(stderr, "llmlab-cli: %zu matrices adapted by %s\n", merged.size(), adapterDir.c_str());
    }
    SamplingParams sp;
    sp.temperature = std::stof(option(args, "temp", "0"));
    sp.topK = std::stoi(option(args, "top-k", "0"));
    sp.topP = std::stof(option(args, "top-p", "1"));
    sp.minP = std::stof(option(args, "min-p", "0"));
    sp.repetitionPenalty = std::stof(option(args, "repeat-penalty", "1"));
    sp.seed = std::stoull(option(args, "seed", "0"));
    const std::vector<std::int32_t> prompt = promptTokens(tok, args);
    const int n = std::stoi(option(args, "n", "64"));
    const bool showLogits = flag(args, "logits");

    if (!attnDir.empty()) {
        session.prefill(prompt); // attention of the prompt itself
        dumpAttention(attnDir, session);
        session.reset();
    }
    std::printf("%s", tok.decode(prompt, {false, true}).c_str());
    const GenerationResult r = generate(session, tok, prompt, n, sp, [&](const GeneratedToken& t) {
        if (showLogits) std::printf("[%d %.3f]", t.id, t.logProb);
        std::printf("%s", t.text.c_str());
        std::fflush(stdout);
    });
    std::printf("\n# %zu prompt tokens in %.3f s (%.1f tokens/s), %zu generated in %.3f s (%.1f "
                "tokens/s)%s\n",
                r.promptTokens.size(), r.promptSeconds,
                double(r.promptTokens.size()) / r.promptSeconds, r.tokens.size(), r.decodeSeconds,
                r.decodeSeconds > 0 ? double(r.tokens.size()) / r.decodeSeconds : 0.0,
                r.stoppedAtEnd ? ", stopped at end of text" : "");
    if (!attnDir.empty()) std::printf("# attention of the prompt written to %s\n", attnDir.c_str());
    return 0;
}

} // namespace llmlab::cli
