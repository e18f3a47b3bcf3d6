// `llmlab-cli train-lm`: next-token training of a tiny llama-style model on a synthetic task
// or a text file, saved as GGUF (it then opens in every lab like a downloaded model).
#include "BackendFactory.h"
#include "Cli.h"
#include "lm/LmTokenizer.h"
#include "lm/LmTrainer.h"

#include <csignal>
#include <cstdio>
#include <stdexcept>

namespace llmlab::cli {

namespace {
CancelToken* g_cancel = nullptr;
void onSignal(int) {
    if (g_cancel) g_cancel->cancel();
}
} // namespace

int trainLm(const Args& args) {
    LmTrainConfig c;
    c.task = option(args, "task", c.task);
    c.textPath = option(args, "text");
    if (c.task == "text" && c.textPath.empty())
        throw std::invalid_argument("--task text needs --text FILE");
    c.tokenizer = option(args, "tokenizer", c.tokenizer);
    if (c.tokenizer == "bpe" && c.task != "text")
        throw std::invalid_argument("--tokenizer bpe is trained on the text: use --task text");
    const std::string out = option(args, "out");
    if (out.empty()) throw std::invalid_argument("--out FILE.gguf is required");
    auto whole = [&](const char* name, auto fallback) {
        const std::string v = option(args, name);
        return v.empty() ? fallback : decltype(fallback)(std::stoll(v));
    };
    c.steps = whole("steps", c.steps);
    c.batch = whole("batch", c.batch);
    c.seqLen = whole("seq-len", c.seqLen);
    c.model.layers = whole("layers", c.model.layers);
    c.model.dModel = whole("d-model", c.model.dModel);
    c.model.heads = whole("heads", c.model.heads);
    c.model.dFf = whole("d-ff", c.model.dFf);
    c.warmup = whole("warmup", c.warmup);
    c.seed = whole("seed", c.seed);
    c.bpeVocab = whole("bpe-vocab", c.bpeVocab);
    const std::string lr = option(args, "lr");
    if (!lr.empty()) c.lr = std::stod(lr);
    const bool quiet = flag(args, "quiet");
    std::string why;
    auto backend = createBackend(option(args, "backend", "cpu"), &why);
    if (!backend) throw std::runtime_error(why);
    CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    c.model.vocab = lmTokenizer(c.tokenizer, c.bpeVocab, c.textPath).vocabSize();
    c.model.context = c.seqLen;
    validateLmConfig(c.model);
    std::printf("# tiny llama on '%s': %d layers, width %d, %d heads, %lld parameters, %s (%s)\n",
                c.task.c_str(), c.model.layers, c.model.dModel, c.model.heads,
                (long long)c.model.parameterCount(), backend->name().c_str(),
                backend->deviceName().c_str());
    std::printf("# step  loss  lr\n");
    double sum = 0;
    int count = 0;
    const LmTrainReport r = trainLanguageModel(
        c, *backend, out,
        [&](std::int64_t step, double loss) {
            sum += loss;
            ++count;
            if (!quiet && (step % 50 == 0 || step == c.steps)) {
                std::printf("%6lld  %.4f\n", (long long)step, sum / count);
                std::fflush(stdout);
                sum = 0;
                count = 0;
            }
        },
        &cancel);
    std::printf("# %s after %lld steps in %.1f s: loss %.4f -> %.4f; wrote %s\n",
                r.cancelled ? "stopped" : "done", (long long)r.steps, r.seconds, r.firstLoss,
                r.finalLoss, out.c_str());
    return r.cancelled ? 130 : 0;
}

} // namespace llmlab::cli
