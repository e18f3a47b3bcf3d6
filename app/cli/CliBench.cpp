#include "BackendFactory.h"
#include "Bench.h"
#include "Cli.h"
#include "interp/Attribution.h"
#include "formats/MappedFile.h"
#include "model/BenchModel.h"
#include "model/LanguageModel.h"
#include "train/Trainer.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <cstdio>
#include <sstream>

namespace llmlab::cli {

namespace {

std::vector<int> parseSizes(const std::string& text) {
    if (text.empty()) return standardBenchSizes();
    std::vector<int> sizes;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) sizes.push_back(std::stoi(item));
    return sizes;
}

void printRow(const MatmulBenchResult& r, double eigenGflops) {
    std::printf("%-7s %5d  %9.3f ms  %8.1f GFLOP/s", r.backend.c_str(), r.n, r.seconds * 1e3,
                r.gflops);
    if (eigenGflops > 0) std::printf("  %6.1f%% of Eigen", 100.0 * r.gflops / eigenGflops);
    std::printf("\n");
}

int benchOps(const Args& args) {
    const std::vector<int> sizes = parseSizes(option(args, "sizes"));
    const int reps = std::stoi(option(args, "reps", "7"));
    const std::string which = option(args, "backend", "all");
    const int device = std::stoi(option(args, "device", "-1"));

    std::vector<std::unique_ptr<Backend>> backends;
    for (const std::string name : {"cpu", "vulkan"}) {
        if (which != "all" && which != name) continue;
        std::string why;
        auto b = createBackend(name, &why, device);
        if (b)
            backends.push_back(std::move(b));
        else
            std::printf("# %s: not available: %s\n", name.c_str(), why.c_str());
    }
    std::printf("# matmul n x n x n, F32, median of %d runs\n", reps);
    for (const auto& b : backends)
        std::printf("# %s: %s\n", b->name().c_str(), b->deviceName().c_str());
    for (int n : sizes) {
        const MatmulBenchResult eigen = benchEigenGemm(n, reps);
        if (n == sizes.front()) std::printf("# eigen: %s\n", eigen.device.c_str());
        printRow(eigen, 0);
        for (const auto& b : backends) printRow(benchMatmul(*b, n, reps), eigen.gflops);
    }
    return 0;
}

// Training steps/s of a preset (full-batch forward, backward and AdamW per step).
int benchTrain(const Args& args) {
    TrainConfig config;
    const std::string preset = option(args, "preset", "nanda");
    if (!presetConfig(preset, &config))
        throw std::invalid_argument("unknown preset '" + preset + "'");
    const int steps = std::stoi(option(args, "steps", "50"));
    const std::string which = option(args, "backend", "cpu");
    std::string why;
    auto backend = createBackend(which, &why, std::stoi(option(args, "device", "-1")));
    if (!backend) throw std::runtime_error(which + ": " + why);
    Trainer trainer(config, *backend);
    for (int i = 0; i < 3; ++i) trainer.trainStep(); // warm-up
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) trainer.trainStep();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("train %s on %s (%s), batch %zu: %.2f steps/s\n", preset.c_str(),
                backend->name().c_str(), backend->deviceName().c_str(), trainer.task().train.size(),
                steps / secs);
    return 0;
}

// Tokens/s of prompt processing (one batch of N tokens) and of decoding (N tokens one by one
// through the KV cache), greedy, on a model file.
int benchModel(const Args& args, bool decode) {
    if (args.size() < 2) throw std::invalid_argument("say which model: bench decode|prompt MODEL");
    std::string error;
    MappedFile::setReadIntoMemory(flag(args, "no-mmap"));
    std::shared_ptr<const ModelFile> model = ModelFile::open(args[1], &error);
    if (!model) throw std::runtime_error(error);
    if (flag(args, "mlock") && !model->lockInMemory())
        std::fprintf(stderr, "llmlab-cli: could not lock %s in memory (RLIMIT_MEMLOCK)\n",
                     args[1].c_str());
    const int n = std::stoi(option(args, "tokens", decode ? "64" : "128"));
    const std::string which = option(args, "backend", "cpu");
    std::string why;
    auto backend = createBackend(which, &why, std::stoi(option(args, "device", "-1")));
    if (!backend) throw std::runtime_error(which + ": " + why);
    InferenceSession session(model, *backend, std::max(n + 2, 16));
    using Clock = std::chrono::steady_clock;
    const std::int32_t vocab = session.spec().vocab;
    double secs = 0;
    if (decode) {
        std::vector<std::int32_t> first = {1 % vocab};
        std::vector<float> logits = session.prefill(first);
        session.decode(2 % vocab); // warm-up: compiles the decode graph
        const auto start = Clock::now();
        std::int32_t next = 3 % vocab;
        for (int i = 0; i < n; ++i) {
            logits = session.decode(next);
            next = std::int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        }
        secs = std::chrono::duration<double>(Clock::now() - start).count();
    } else {
        std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) ids[std::size_t(i)] = std::int32_t((i * 7919 + 1) % vocab);
        // The logits of the last token only, as generation needs (and as llama.cpp computes).
        session.prefillLast(ids); // warm-up: compiles the graph for n tokens
        // The median of several runs: one prompt takes a fraction of a second, and a shared
        // machine's noise is of that order.
        std::vector<double> times;
        for (int r = 0; r < std::stoi(option(args, "reps", "5")); ++r) {
            session.reset();
            const auto start = Clock::now();
            session.prefillLast(ids);
            times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        }
        std::sort(times.begin(), times.end());
        secs = times[times.size() / 2];
    }
    std::printf("%s %s: %d tokens on %s (%s): %.1f tokens/s\n", decode ? "decode" : "prompt",
                args[1].c_str(), n, backend->name().c_str(), backend->deviceName().c_str(),
                n / secs);
    return 0;
}

// Writes a random-weight GGUF at a benchmark shape.
int benchMakeModel(const Args& args) {
    BenchShape shape;
    const std::string shapeName = option(args, "shape", "stories110m");
    if (!benchShape(shapeName, &shape)) {
        std::string names;
        for (const BenchShape& s : benchShapes()) names += (names.empty() ? "" : ", ") + s.name;
        throw std::invalid_argument("unknown shape '" + shapeName + "' (known: " + names + ")");
    }
    const std::string typeName = option(args, "type", "F32");
    std::optional<DType> type;
    for (DType t :
         {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q8_0, DType::Q4_K, DType::Q6_K})
        if (dtypeName(t) == typeName) type = t;
    if (!type) throw std::invalid_argument("cannot write weights as '" + typeName + "'");
    const std::string vocab = option(args, "vocab"), out = option(args, "out");
    if (vocab.empty() || out.empty())
        throw std::invalid_argument("bench make-model needs --vocab VOCAB.gguf and --out FILE");
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    if (!writeBenchModel(shape, *type, vocab, out, std::stoull(option(args, "seed", "1")), &error))
        throw std::runtime_error(error);
    std::printf("wrote %s: %s shape, %.1fM parameters, %s, in %.1f s\n", out.c_str(),
                shape.name.c_str(), double(shape.parameters()) / 1e6, typeName.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return 0;
}

// The model a `bench WHAT MODEL [--mlock]` names, opened (and pinned in RAM with --mlock).
std::shared_ptr<const ModelFile> benchModelFile(const Args& args, const std::string& what) {
    if (args.size() < 2) throw std::invalid_argument("say which model: bench " + what + " MODEL");
    std::string error;
    std::shared_ptr<const ModelFile> model = ModelFile::open(args[1], &error);
    if (!model) throw std::runtime_error(error);
    if (flag(args, "mlock") && !model->lockInMemory())
        std::fprintf(stderr, "llmlab-cli: could not lock %s in memory (RLIMIT_MEMLOCK)\n", args[1].c_str());
    return model;
}

// `bench ablate MODEL`: every head zero-ablated in turn through the hooks (one compiled pass,
// inputs changed between runs), beside what recompiling per intervention costs: a fresh
// session compiled and run for each of the first --recompile heads, extrapolated.
int benchAblate(const Args& args) {
    std::shared_ptr<const ModelFile> model = benchModelFile(args, "ablate");
    std::string error;
    const int n = std::stoi(option(args, "tokens", "16"));
    const int recompile = std::stoi(option(args, "recompile", "8"));
    auto backend = createBackend(option(args, "backend", "cpu"), &error);
    if (!backend) throw std::runtime_error(error);
    const ModelSpec& s = model->spec();
    std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) ids[std::size_t(i)] = std::int32_t((i * 7919 + 1) % s.vocab);
    using Clock = std::chrono::steady_clock;
    // Warm the mapped weights once, so neither side pays the first page faults.
    {
        InferenceSession warm(model, *backend, n);
        warm.prefill(ids);
    }
    const AblationResult r = headAblation(model, *backend, ids, 1 % s.vocab, 2 % s.vocab);
    // Recompiling: a session whose pass is built and compiled anew for each intervention.
    const int heads = s.layers * s.heads;
    const int k = std::min(recompile, heads);
    const auto t0 = Clock::now();
    for (int i = 0; i < k; ++i) {
        CaptureOptions cap;
        cap.interventions = true;
        InferenceSession fresh(model, *backend, n, cap);
        const int hw = fresh.hookWidth(HookPoint::HeadOutput), hd = hw / s.heads;
        Intervention iv{HookPoint::HeadOutput, i / s.heads,
                        std::vector<float>(std::size_t(n) * std::size_t(hw), 1.0f),
                        std::vector<float>(std::size_t(n) * std::size_t(hw), 0.0f)};
        for (int t = 0; t < n; ++t)
            for (int j = (i % s.heads) * hd; j < (i % s.heads + 1) * hd; ++j)
                iv.keep[std::size_t(t) * std::size_t(hw) + std::size_t(j)] = 0.0f;
        fresh.setInterventions({iv});
        fresh.prefill(ids);
    }
    const double perRecompiled = std::chrono::duration<double>(Clock::now() - t0).count() / std::max(1, k);
    std::printf("ablate %s: %d heads x %d tokens on %s (%s): hooks %.2f s for %d runs (%.1f ms a "
                "head); recompiling per head %.1f ms a head (measured on %d), %.2f s for all; "
                "ratio %.2f\n",
                args[1].c_str(), heads, n, backend->name().c_str(), backend->deviceName().c_str(),
                r.seconds, r.runs, 1e3 * r.seconds / std::max(1, r.runs), 1e3 * perRecompiled, k,
                perRecompiled * heads, perRecompiled * heads / std::max(1e-9, r.seconds));
    return 0;
}

// `bench patch MODEL`: attribution patching (two forward passes, one backward) beside exact
// activation patching, whose L x (T + heads) runs are timed on the first --runs and
// extrapolated, or all made with --exact (then their correlation is printed too).
int benchPatch(const Args& args) {
    std::shared_ptr<const ModelFile> model = benchModelFile(args, "patch");
    std::string error;
    const int n = std::stoi(option(args, "tokens", "16"));
    const int sample = std::max(1, std::stoi(option(args, "runs", "16")));
    auto backend = createBackend(option(args, "backend", "cpu"), &error);
    if (!backend) throw std::runtime_error(error);
    const ModelSpec& s = model->spec();
    std::vector<std::int32_t> clean(static_cast<std::size_t>(n)), corrupt;
    for (int i = 0; i < n; ++i) clean[std::size_t(i)] = std::int32_t((i * 7919 + 1) % s.vocab);
    corrupt = clean;
    for (int i = 1; i < n; i += 3) corrupt[std::size_t(i)] = std::int32_t((i * 104729 + 5) % s.vocab);
    using Clock = std::chrono::steady_clock;
    {
        InferenceSession warm(model, *backend, n);
        warm.prefill(clean);
    }
    const PatchingResult fast = attributionPatching(model, *backend, clean, corrupt, 1 % s.vocab, 2 % s.vocab);
    const int sites = s.layers * (n + s.heads);
    double exactSeconds = 0;
    std::string how;
    if (flag(args, "exact")) {
        const PatchingResult exact = activationPatching(model, *backend, clean, corrupt, 1 % s.vocab, 2 % s.vocab);
        exactSeconds = exact.seconds;
        char buf[160];
        std::snprintf(buf, sizeof buf, "all %d runs made; correlation residual %.3f, heads %.3f",
                      exact.runs, gridCorrelation(exact.residual, fast.residual),
                      gridCorrelation(exact.heads, fast.heads));
        how = buf;
    } else {
        CaptureOptions cap;
        cap.interventions = true;
        InferenceSession hooked(model, *backend, n, cap);
        hooked.prefill(corrupt); // compiled once, as exact patching does
        const auto t0 = Clock::now();
        for (int i = 0; i < sample; ++i) {
            hooked.reset();
            hooked.prefill(corrupt);
        }
        const double per = std::chrono::duration<double>(Clock::now() - t0).count() / sample;
        exactSeconds = per * (sites + 2);
        how = "timed on " + std::to_string(sample) + " runs, extrapolated";
    }
    std::printf("patch %s: %d layers x (%d positions + %d heads) = %d sites, %d tokens on %s (%s): "
                "attribution patching %.2f s; exact %.2f s (%s); ratio %.1f\n",
                args[1].c_str(), s.layers, n, s.heads, sites, n, backend->name().c_str(),
                backend->deviceName().c_str(), fast.seconds, exactSeconds, how.c_str(),
                exactSeconds / std::max(1e-9, fast.seconds));
    return 0;
}

} // namespace

int bench(const Args& args) {
    const std::string what = args.empty() ? "" : args.front();
    if (what == "ops") return benchOps(args);
    if (what == "train") return benchTrain(args);
    if (what == "decode" || what == "prompt") return benchModel(args, what == "decode");
    if (what == "make-model") return benchMakeModel(args);
    if (what == "landscape") return benchLandscape(args);
    if (what == "ablate") return benchAblate(args);
    if (what == "patch") return benchPatch(args);
    if (what == "finetune") return benchFinetune(args);
    std::fprintf(
        stderr,
        "llmlab-cli bench: say what to measure: ops, train, decode, prompt (or make-model)\n");
    return 2;
}

} // namespace llmlab::cli
