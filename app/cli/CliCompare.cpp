// `llmlab-cli compare`: prompting strategies side by side on a task set, headless. Prints
// the accuracy table (or the whole result as JSON) and writes the cells as CSV or JSON.
#include "BackendFactory.h"
#include "Cli.h"
#include "cpu/CpuBackend.h"
#include "prompting/CompareRun.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace llmlab::cli {

namespace {
CancelToken* g_cancel = nullptr;
void onSignal(int) {
    if (g_cancel) g_cancel->cancel();
}

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
} // namespace

int compare(const Args& args) {
    if (args.empty() || args.front().rfind("--", 0) == 0)
        throw std::invalid_argument("say which model: llmlab-cli compare MODEL --tasks ...");
    const std::string tasksSpec = option(args, "tasks");
    if (tasksSpec.empty())
        throw std::invalid_argument("--tasks FILE.jsonl or --tasks builtin:NAME is required");
    CompareOptions o;
    o.strategies = parseStrategies(option(args, "strategies", "zero,few:3,cot,sc:5"),
                                   option(args, "template"));
    o.temperature = std::stod(option(args, "temp", "0.7"));
    o.seed = std::stoull(option(args, "seed", "1"));
    o.maxTokens = std::stoi(option(args, "max-tokens", "0"));
    o.maxQuestions = std::stoi(option(args, "questions", "0"));
    o.reusePrefix = !flag(args, "no-reuse");
    if (flag(args, "chat")) o.chat = 1;
    if (flag(args, "no-chat")) o.chat = 0;
    const TaskSet set = loadTaskSet(tasksSpec);

    std::string error;
    std::shared_ptr<const ModelFile> model = ModelFile::open(args.front(), &error);
    if (!model) throw std::runtime_error(error);
    std::string why;
    auto backend = createBackend(option(args, "backend", "cpu"), &why,
                                 std::stoi(option(args, "device", "-1")));
    if (!backend) throw std::runtime_error(why);
    // Batch-invariant kernels: a prompt whose prefix came from the cache gives the bits of
    // a run from scratch, so reuse changes no answer.
    if (auto* cpu = dynamic_cast<CpuBackend*>(backend.get()))
        cpu->setBatchInvariant(!flag(args, "gemm"));
    PromptRunner runner(model, *backend, tokenizerFor(*model),
                        std::stoi(option(args, "ctx", "2048")));
    CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    const bool json = flag(args, "json"), quiet = flag(args, "quiet") || json;
    if (!quiet)
        std::printf("# %s on %s: %zu questions x %zu strategies (%s)\n", set.name.c_str(),
                    model->path().c_str(),
                    o.maxQuestions > 0 ? std::min<std::size_t>(set.items.size(), o.maxQuestions)
                                       : set.items.size(),
                    o.strategies.size(), backend->name().c_str());
    CompareResult r = runComparison(
        runner, set, o,
        [&](const CompareCell& c, bool partial) {
            if (quiet || partial || !flag(args, "verbose")) return;
            std::printf("%-8s q%-3zu %s %-12s %s\n", o.strategies[c.strategy].label().c_str(),
                        c.item, c.correct ? "right" : "wrong", c.answer.c_str(),
                        c.error.c_str());
        },
        {}, &cancel);
    r.model = model->path();

    const std::string out = option(args, "out");
    if (!out.empty()) {
        std::ofstream f(out, std::ios::binary | std::ios::trunc);
        if (!f) throw std::runtime_error(out + ": cannot be written");
        f << (endsWith(out, ".json") ? compareJson(r, set, o) : compareCsv(r, set));
        if (!f) throw std::runtime_error(out + ": writing failed");
    }
    if (json) {
        std::fputs(compareJson(r, set, o).c_str(), stdout);
        std::fputc('\n', stdout);
    } else {
        std::printf("%-10s %8s %9s %17s %8s %9s %8s %5s\n", "strategy", "correct", "accuracy",
                    "wilson 95%", "tokens", "tok/right", "seconds", "ties");
        for (const StrategySummary& m : r.summarize(set)) {
            std::printf("%-10s %4d/%-3d %9.3f    [%.3f, %.3f] %8d %9.1f %8.2f %5d\n",
                        m.label.c_str(), m.correct, m.total, m.accuracy(), m.low, m.high,
                        m.tokens, m.tokensPerCorrect(), m.seconds, m.ties);
            if (!m.accuracyByN.empty()) {
                std::printf("%-10s accuracy by n:", "");
                for (double a : m.accuracyByN) std::printf(" %.3f", a);
                std::printf("\n");
            }
        }
    }
    if (r.cancelled) std::fprintf(stderr, "llmlab-cli compare: stopped; partial results\n");
    return r.cancelled ? 130 : 0;
}

} // namespace llmlab::cli
