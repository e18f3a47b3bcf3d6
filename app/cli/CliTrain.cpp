#include "BackendFactory.h"
#include "Cli.h"
#include "train/ToyExport.h"
#include "train/TrainingRun.h"

#include <csignal>
#include <cstdio>

namespace llmlab::cli {

namespace {

CancelToken* g_cancel = nullptr;
void onSignal(int) {
    if (g_cancel) g_cancel->cancel();
}

// Command-line options override the preset's values.
TrainConfig configFrom(const Args& args) {
    TrainConfig c;
    const std::string preset = option(args, "preset", "quick");
    if (!presetConfig(preset, &c))
        throw std::invalid_argument("unknown preset '" + preset + "' (quick, nanda)");
    auto num = [&](const char* name, double fallback) {
        const std::string v = option(args, name);
        return v.empty() ? fallback : std::stod(v);
    };
    const std::string task = option(args, "task");
    if (!task.empty() && !parseTaskKey(task, &c.task.kind))
        throw std::invalid_argument("unknown task '" + task + "' (add, sub, mul, div, quad, s5)");
    c.task.modulus = int(num("p", c.task.modulus));
    c.task.trainFraction = num("train-fraction", c.task.trainFraction);
    c.task.seed = std::uint64_t(num("seed", double(c.task.seed)));
    c.modelSeed = std::uint64_t(num("model-seed", double(c.modelSeed)));
    c.model.layers = int(num("layers", c.model.layers));
    c.model.dModel = int(num("d-model", c.model.dModel));
    c.model.heads = int(num("heads", c.model.heads));
    c.model.dMlp = int(num("d-mlp", c.model.dMlp));
    if (option(args, "activation") == "gelu") c.model.activation = ToyActivation::Gelu;
    if (flag(args, "layer-norm")) c.model.layerNorm = true;
    if (flag(args, "tied")) c.model.tiedUnembed = true;
    c.optim.lr = num("lr", c.optim.lr);
    c.optim.weightDecay = num("wd", c.optim.weightDecay);
    c.optim.beta1 = num("beta1", c.optim.beta1);
    c.optim.beta2 = num("beta2", c.optim.beta2);
    c.optim.warmupSteps = int(num("warmup", c.optim.warmupSteps));
    if (flag(args, "cosine")) c.optim.cosineDecay = true;
    c.optim.clipNorm = num("clip", c.optim.clipNorm);
    c.optim.batchSize = int(num("batch", c.optim.batchSize));
    if (flag(args, "grokfast")) c.optim.grokfast = true;
    c.optim.grokfastAlpha = num("grokfast-alpha", c.optim.grokfastAlpha);
    c.optim.grokfastLambda = num("grokfast-lambda", c.optim.grokfastLambda);
    c.maxSteps = std::int64_t(num("steps", double(c.maxSteps)));
    c.evalEvery = int(num("eval-every", c.evalEvery));
    c.checkpointEvery = int(num("checkpoint-every", c.checkpointEvery));
    c.checkpointSeconds = num("checkpoint-seconds", c.checkpointSeconds);
    c.backend = option(args, "backend", c.backend);
    c.name = option(args, "name", c.name);
    c.fitModelToTask();
    return c;
}

} // namespace

int train(const Args& args) {
    TrainingOptions o;
    o.untilGrokked = flag(args, "until-grokked");
    o.runDir = option(args, "out");
    const std::string resume = option(args, "resume");
    TrainConfig config;
    if (!resume.empty()) {
        o.runDir = resume;
        config = loadRunConfig(resume);
        // A resumed run keeps its config; only how long it goes on may change.
        const std::string steps = option(args, "steps");
        if (!steps.empty()) config.maxSteps = std::stoll(steps);
        config.backend = option(args, "backend", config.backend);
    } else {
        config = configFrom(args);
    }
    // Impossible settings are reported before anything is printed or written.
    makeTask(config.task);
    validateToyConfig(config.model);
    std::string why;
    auto backend = createBackend(config.backend, &why);
    if (!backend) throw std::runtime_error(why);
    CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    std::printf("# %s on %s (%s)\n", config.name.c_str(), backend->name().c_str(),
                backend->deviceName().c_str());
    std::printf("# step  train_loss train_acc  val_loss val_acc  weight_norm  seconds\n");
    o.onMetrics = [](const TrainMetrics& m) {
        std::printf("%6lld  %10.4f %9.3f %9.4f %7.3f %12.2f %8.1f\n", (long long)m.step,
                    m.trainLoss, m.trainAcc, m.valLoss, m.valAcc, m.weightNorm, m.seconds);
        std::fflush(stdout);
    };
    const TrainingSummary s = runTraining(config, *backend, o, &cancel);
    std::printf("# steps %lld, %.1f s, %.1f steps/s", (long long)s.steps, s.seconds,
                s.seconds > 0 ? double(s.stepsThisSession) / s.secondsThisSession : 0.0);
    if (s.memorisedStep >= 0) std::printf(", memorised at step %lld", (long long)s.memorisedStep);
    if (s.grokkedStep >= 0) std::printf(", grokked at step %lld", (long long)s.grokkedStep);
    std::printf("%s\n", s.cancelled ? " (stopped)" : "");
    if (!o.runDir.empty()) std::printf("# run folder: %s\n", o.runDir.c_str());
    const std::string exportPath = option(args, "export");
    if (!exportPath.empty()) {
        // A .gguf name gives one GGUF file; anything else a Hugging Face-style folder.
        const bool gguf =
            exportPath.size() > 5 && exportPath.substr(exportPath.size() - 5) == ".gguf";
        std::string error;
        const bool ok = gguf ? exportToyGguf(exportPath, config, s.params, &error)
                             : exportToyHfFolder(exportPath, config, s.params, &error);
        if (!ok) throw std::runtime_error(error);
        std::printf("# model written to %s\n", exportPath.c_str());
    }
    return 0;
}

} // namespace llmlab::cli
