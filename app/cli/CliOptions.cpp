// Every command's options, checked before the command runs: an unknown option, a missing value
// or a value of the wrong kind is one sentence and exit code 2, never silently ignored.
#include "Cli.h"
#include "quant/ModelQuantizer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <stdexcept>

namespace llmlab::cli {

namespace {

// i: whole number, n: number, s: text, f: a flag (takes no value), q: a quantization type.
using OptionKinds = std::map<std::string, char>;

struct CommandOptions {
    OptionKinds options;
    int maxPositionals = 0; ///< -1: any number
};

const std::map<std::string, CommandOptions>& commandOptions() {
    static const std::map<std::string, CommandOptions> table = {
        {"devices", {{}, 0}},
        {"check", {{{"op", 's'}}, 1}},
        {"bench",
         {{{"backend", 's'},
           {"recompile", 'i'},
           {"runs", 'i'},
           {"exact", 'f'},
           {"data", 's'},
           {"method", 's'},
           {"quant", 'q'},
           {"targets", 's'},
           {"rank", 'i'},
           {"batch", 'i'},
           {"accumulate", 'i'},
           {"checkpointing", 'f'},
           {"seq", 'i'},
           {"reps", 'i'},
           {"sizes", 's'},
           {"preset", 's'},
           {"steps", 'i'},
           {"tokens", 'i'},
           {"mlock", 'f'},
           {"no-mmap", 'f'},
           {"shape", 's'},
           {"type", 's'},
           {"vocab", 's'},
           {"out", 's'},
           {"seed", 'i'},
           {"grid", 'i'},
           {"split", 's'}},
          2}},
        {"train",
         {{{"preset", 's'},
           {"task", 's'},
           {"p", 'i'},
           {"train-fraction", 'n'},
           {"seed", 'i'},
           {"model-seed", 'i'},
           {"layers", 'i'},
           {"d-model", 'i'},
           {"heads", 'i'},
           {"d-mlp", 'i'},
           {"activation", 's'},
           {"layer-norm", 'f'},
           {"tied", 'f'},
           {"lr", 'n'},
           {"wd", 'n'},
           {"beta1", 'n'},
           {"beta2", 'n'},
           {"warmup", 'i'},
           {"cosine", 'f'},
           {"clip", 'n'},
           {"batch", 'i'},
           {"grokfast", 'f'},
           {"grokfast-alpha", 'n'},
           {"grokfast-lambda", 'n'},
           {"steps", 'i'},
           {"eval-every", 'i'},
           {"checkpoint-every", 'i'},
           {"backend", 's'},
           {"name", 's'},
           {"out", 's'},
           {"resume", 's'},
           {"until-grokked", 'f'},
           {"export", 's'}},
          0}},
        {"train-lm",
         {{{"task", 's'},
           {"text", 's'},
           {"tokenizer", 's'},
           {"bpe-vocab", 'i'},
           {"out", 's'},
           {"steps", 'i'},
           {"batch", 'i'},
           {"seq-len", 'i'},
           {"layers", 'i'},
           {"d-model", 'i'},
           {"heads", 'i'},
           {"d-ff", 'i'},
           {"lr", 'n'},
           {"warmup", 'i'},
           {"seed", 'i'},
           {"backend", 's'},
           {"quiet", 'f'}},
          0}},
        {"sweep",
         {{{"out", 's'},
           {"jobs", 'i'},
           {"threads", 'i'},
           {"backend", 's'},
           {"text", 's'},
           {"run-index", 'i'},
           {"mpi", 'f'},
           {"emit-slurm", 'f'},
           {"merge", 'f'},
           {"list", 'f'},
           {"json", 'f'},
           {"quiet", 'f'}},
          1}},
        {"compare",
         {{{"tasks", 's'},
           {"strategies", 's'},
           {"temp", 'n'},
           {"seed", 'i'},
           {"questions", 'i'},
           {"max-tokens", 'i'},
           {"template", 's'},
           {"chat", 'f'},
           {"no-chat", 'f'},
           {"no-reuse", 'f'},
           {"gemm", 'f'},
           {"ctx", 'i'},
           {"out", 's'},
           {"json", 'f'},
           {"quiet", 'f'},
           {"verbose", 'f'},
           {"backend", 's'}},
          1}},
        {"tokenize",
         {{{"prompt", 's'}, {"chat", 'f'}, {"tokenizer", 's'}, {"plain-special", 'f'}}, 1}},
        {"run",
         {{{"prompt", 's'},
           {"adapter", 's'},
           {"n", 'i'},
           {"chat", 'f'},
           {"temp", 'n'},
           {"top-k", 'i'},
           {"top-p", 'n'},
           {"min-p", 'n'},
           {"repeat-penalty", 'n'},
           {"seed", 'i'},
           {"ctx", 'i'},
           {"logits", 'f'},
           {"dump-attention", 's'},
           {"backend", 's'},
           {"tokenizer", 's'}},
          1}},
        {"inspect", {{{"json", 'f'}, {"tensors", 'f'}, {"stats", 's'}, {"bins", 'i'}}, 1}},
        {"models", {{{"json", 'f'}}, 0}},
        {"cost",
         {{{"context", 'i'},
           {"batch", 'i'},
           {"kv-type", 's'},
           {"train-seq", 'i'},
           {"train-batch", 'i'},
           {"no-checkpointing", 'f'},
           {"lora-rank", 'i'},
           {"targets", 's'},
           {"measure", 'f'},
           {"table", 'f'},
           {"json", 'f'}},
          1}},
        {"landscape",
         {{{"directions", 's'}, {"checkpoint", 's'}, {"grid", 'i'},
           {"range", 'n'},      {"split", 's'},      {"seed", 'i'},
           {"tensors", 's'},    {"keep-1d", 'f'},    {"no-filter-norm", 'f'},
           {"from", 'i'},       {"to", 'i'},         {"slice", 's'},
           {"mpi", 'f'},        {"no-cache", 'f'},   {"no-sharpness", 'f'},
           {"out", 's'},        {"backend", 's'},    {"quiet", 'f'},
           {"text", 's'},       {"prompt", 's'},     {"tokens", 'i'}},
          1}},
        {"landscape-merge", {{}, -1}},
        {"quantize",
         {{{"type", 'q'},
           {"out", 's'},
           {"pure", 'f'},
           {"imatrix", 's'},
           {"imatrix-tokens", 'i'},
           {"tokenizer", 's'},
           {"chunk", 'i'},
           {"threads", 'i'},
           {"backend", 's'},
           {"quiet", 'f'}},
          1}},
        {"attribute",
         {{{"prompt", 's'}, {"target", 's'}, {"versus", 's'}, {"ablate", 's'}, {"backend", 's'},
           {"graph", 'f'}, {"threshold", 'n'}, {"reference", 's'}, {"json", 'f'}},
          1}},
        {"finetune",
         {{{"data", 's'}, {"method", 's'}, {"rank", 'i'}, {"alpha", 'n'}, {"targets", 's'},
           {"top", 'i'}, {"steps", 'i'}, {"batch", 'i'}, {"seq", 'i'}, {"lr", 'n'}, {"seed", 'i'},
           {"eval-every", 'i'}, {"reference", 's'}, {"out", 's'}, {"merge", 's'}, {"peft", 's'},
           {"adapter", 's'}, {"quant", 'q'}, {"resume", 's'}, {"schedule", 's'}, {"warmup", 'i'},
           {"accumulate", 'i'}, {"checkpointing", 'f'}, {"lora-dropout", 'n'}, {"classify", 's'},
           {"backend", 's'}},
          1}},
        {"patch",
         {{{"clean", 's'}, {"corrupt", 's'}, {"target", 's'}, {"versus", 's'}, {"backend", 's'},
           {"method", 's'},
           {"json", 'f'}},
          1}},
        {"quant-compare",
         {{{"text", 's'},
           {"tokens", 'i'},
           {"decode", 'i'},
           {"chunk", 'i'},
           {"no-lens", 'f'},
           {"backend", 's'},
           {"json", 'f'},
           {"quiet", 'f'}},
          -1}},
    };
    return table;
}

bool isWhole(const std::string& v) {
    if (v.empty()) return false;
    errno = 0;
    char* end = nullptr;
    std::strtoll(v.c_str(), &end, 10);
    return errno == 0 && *end == '\0';
}

bool isNumber(const std::string& v) {
    if (v.empty()) return false;
    errno = 0;
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    return errno == 0 && *end == '\0';
}

} // namespace

std::vector<std::string> positionals(const std::string& command, const Args& args) {
    const auto found = commandOptions().find(command);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("-", 0) != 0 || a.size() < 2 || std::isdigit(static_cast<unsigned char>(a[1]))) {
            out.push_back(a);
            continue;
        }
        const std::string name = a.substr(a.rfind("--", 0) == 0 ? 2 : 1);
        if (name.find('=') != std::string::npos) continue;
        const char kind = found == commandOptions().end() || !found->second.options.count(name)
                              ? 's'
                              : found->second.options.at(name);
        if (kind != 'f') ++i; // its value
    }
    return out;
}

void validateOptions(const std::string& command, const Args& args) {
    const auto found = commandOptions().find(command);
    if (found == commandOptions().end()) return;
    OptionKinds kinds = found->second.options;
    kinds.emplace("device", 'i'); // every command takes it
    int positionals = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool longForm = a.rfind("--", 0) == 0 && a.size() > 2;
        const bool shortForm = !longForm && a.size() == 2 && a[0] == '-' && a[1] != '-' &&
                               !std::isdigit(static_cast<unsigned char>(a[1]));
        if (!longForm && !shortForm) {
            ++positionals;
            if (found->second.maxPositionals >= 0 && positionals > found->second.maxPositionals)
                throw std::invalid_argument("unexpected argument '" + a +
                                            "' (see llmlab-cli help)");
            continue;
        }
        std::string name = a.substr(longForm ? 2 : 1), value;
        bool inlineValue = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inlineValue = true;
        }
        const auto kind = kinds.find(name);
        if (kind == kinds.end() || (shortForm && name.size() != 1))
            throw std::invalid_argument("unknown option '" + a.substr(0, a.find('=')) +
                                        "' (see llmlab-cli help)");
        if (kind->second == 'f') {
            if (inlineValue) throw std::invalid_argument("--" + name + " takes no value");
            continue;
        }
        if (!inlineValue) {
            if (i + 1 >= args.size()) throw std::invalid_argument("--" + name + " needs a value");
            value = args[++i];
        }
        if (kind->second == 'i' && !isWhole(value))
            throw std::invalid_argument("--" + name + " takes a whole number (got '" + value +
                                        "')");
        if (kind->second == 'n' && !isNumber(value))
            throw std::invalid_argument("--" + name + " takes a number (got '" + value + "')");
        if (kind->second == 'q') (void)quantScheme(value); // names the valid ones when not
    }
}

} // namespace llmlab::cli
