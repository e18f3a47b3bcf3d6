// `llmlab-cli quantize MODEL --type Q4_K_M --out FILE`: writes any opened model as a GGUF of one
// of llama.cpp's file types, with its mixture rules (or --pure), optionally weighting the
// rounding by an importance matrix measured on a calibration text (--imatrix TEXT).
// `llmlab-cli quant-compare REF A B ...`: the ladder side by side on a text.
#include "BackendFactory.h"
#include "Cli.h"
#include "TextFile.h"
#include "formats/ModelFile.h"
#include "quant/ModelQuantizer.h"
#include "quant/QuantCompare.h"

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace llmlab::cli {

namespace {

int whole(const Args& args, const char* name, int fallback) {
    const std::string v = option(args, name);
    return v.empty() ? fallback : std::stoi(v);
}

// Progress on one line of stderr (a carriage return between updates).
ProgressFn stderrProgress(bool quiet) {
    if (quiet) return {};
    return [](double f, const std::string& what) {
        std::fprintf(stderr, "\r%5.1f%% %-70.70s", 100.0 * f, what.c_str());
        if (f >= 1.0) std::fputc('\n', stderr);
    };
}

} // namespace

int quantize(const Args& args) {
    if (args.empty() || args.front().rfind("--", 0) == 0)
        throw std::invalid_argument("say which model: llmlab-cli quantize MODEL --type TYPE --out FILE");
    const std::string out = option(args, "out");
    if (out.empty()) throw std::invalid_argument("say where to write it: --out FILE.gguf");
    QuantizeOptions o;
    o.scheme = option(args, "type", "Q4_K_M");
    (void)quantScheme(o.scheme); // a bad name fails before the model is read
    o.pure = flag(args, "pure");
    o.threads = whole(args, "threads", 0);
    o.tokenizerPath = option(args, "tokenizer");
    const bool quiet = flag(args, "quiet");
    std::string error;
    std::shared_ptr<const ModelFile> model = ModelFile::open(args.front(), &error);
    if (!model) throw std::runtime_error(error);
    ImportanceMatrix importance;
    if (const std::string text = option(args, "imatrix"); !text.empty()) {
        std::unique_ptr<Backend> backend = createBackend(option(args, "backend", "cpu"), &error);
        if (!backend) throw std::runtime_error(error);
        importance = computeImportance(model, *backend, readTextFile(text), whole(args, "chunk", 256),
                                       whole(args, "imatrix-tokens", 8192), stderrProgress(quiet));
        o.importance = &importance;
        std::printf("importance matrix: %d tokens of %s, %zu matrices\n", importance.tokens,
                    text.c_str(), importance.columns.size());
    }
    const QuantizeReport r = quantizeModel(*model, out, o, stderrProgress(quiet));
    std::printf("%s -> %s\n%s", args.front().c_str(), out.c_str(), quantizeReportText(r).c_str());
    return 0;
}

int quantCompare(const Args& args) {
    const std::vector<std::string> files = positionals("quant-compare", args);
    if (files.size() < 2)
        throw std::invalid_argument(
            "name a reference and at least one more file: llmlab-cli quant-compare REF.gguf A.gguf ...");
    QuantCompareOptions o;
    o.maxTokens = whole(args, "tokens", o.maxTokens);
    o.decodeTokens = whole(args, "decode", o.decodeTokens);
    o.chunk = whole(args, "chunk", o.chunk);
    o.logitLens = !flag(args, "no-lens");
    o.backend = option(args, "backend", o.backend);
    const std::string textPath = option(args, "text", LLMLAB_DEFAULT_TEXT);
    const std::vector<std::string> others(files.begin() + 1, files.end());
    const QuantCompareResult r = compareQuantizations(files.front(), others, readTextFile(textPath), o,
                                                      stderrProgress(flag(args, "quiet")));
    if (flag(args, "json"))
        std::printf("%s\n", quantCompareJson(r).c_str());
    else
        std::printf("text: %s\n%s", textPath.c_str(), quantCompareText(r).c_str());
    return 0;
}

} // namespace llmlab::cli
