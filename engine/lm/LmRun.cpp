#include "LmRun.h"

#include "LmTokenizer.h"
#include "train/RunStore.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace llmlab {

using nlohmann::json;

std::string lmConfigToJson(const LmTrainConfig& c) {
    json j;
    j["format"] = "llmlab-lm-config";
    j["version"] = 1;
    j["task"] = c.task;
    j["text"] = c.textPath;
    j["tokenizer"] = c.tokenizer;
    j["bpe_vocab"] = c.bpeVocab; // always there, so a sweep can vary it
    j["model"] = {{"layers", c.model.layers},     {"d_model", c.model.dModel},
                  {"heads", c.model.heads},       {"d_ff", c.model.dFf},
                  {"rope_theta", c.model.ropeTheta}, {"norm_eps", c.model.normEps}};
    j["batch"] = c.batch;
    j["seq_len"] = c.seqLen;
    j["steps"] = c.steps;
    j["lr"] = c.lr;
    j["min_lr_fraction"] = c.minLrFraction;
    j["warmup"] = c.warmup;
    j["weight_decay"] = c.weightDecay;
    j["clip_norm"] = c.clipNorm;
    j["seed"] = c.seed;
    return j.dump(2);
}

LmTrainConfig lmConfigFromJson(const std::string& text) {
    try {
        const json j = json::parse(text);
        if (j.value("format", "") != "llmlab-lm-config")
            throw std::invalid_argument("not an llmlab language-model config");
        LmTrainConfig c;
        c.task = j.value("task", c.task);
        c.textPath = j.value("text", c.textPath);
        c.tokenizer = j.value("tokenizer", c.tokenizer);
        c.bpeVocab = j.value("bpe_vocab", c.bpeVocab);
        if (c.tokenizer != "char" && c.tokenizer != "bpe")
            throw std::invalid_argument("unknown tokenizer '" + c.tokenizer + "' (char or bpe)");
        if (j.contains("model")) {
            const json& m = j.at("model");
            c.model.layers = m.value("layers", c.model.layers);
            c.model.dModel = m.value("d_model", c.model.dModel);
            c.model.heads = m.value("heads", c.model.heads);
            c.model.dFf = m.value("d_ff", c.model.dFf);
            c.model.ropeTheta = m.value("rope_theta", c.model.ropeTheta);
            c.model.normEps = m.value("norm_eps", c.model.normEps);
        }
        c.batch = j.value("batch", c.batch);
        c.seqLen = j.value("seq_len", c.seqLen);
        c.steps = j.value("steps", c.steps);
        c.lr = j.value("lr", c.lr);
        c.minLrFraction = j.value("min_lr_fraction", c.minLrFraction);
        c.warmup = j.value("warmup", c.warmup);
        c.weightDecay = j.value("weight_decay", c.weightDecay);
        c.clipNorm = j.value("clip_norm", c.clipNorm);
        c.seed = j.value("seed", c.seed);
        return c;
    } catch (const json::exception& e) {
        throw std::invalid_argument(std::string("malformed language-model config (") + e.what() +
                                    ")");
    }
}

std::int64_t lmNonEmbeddingParams(const LmTrainConfig& config) {
    LmConfig m = config.model;
    if (m.vocab == 0) m.vocab = charTokenizer().vocabSize();
    return m.parameterCount() - 2 * std::int64_t(m.vocab) * m.dModel;
}

namespace {

double weightNorm(const ToyParams& p) {
    double s = 0;
    for (const auto& [name, v] : p.values)
        for (float x : v) s += double(x) * x;
    return std::sqrt(s);
}

} // namespace

LmRunSummary runLmTraining(const LmTrainConfig& config, Backend& backend,
                           const LmRunOptions& options, const CancelToken* cancel) {
    if (options.evalEvery < 1) throw std::invalid_argument("evaluations need a step interval");
    LmTrainer trainer(config, backend);
    LmRunSummary s;
    double seconds = 0;
    std::unique_ptr<RunStore> store;
    if (!options.runDir.empty()) {
        store = std::make_unique<RunStore>(options.runDir);
        if (store->hasCheckpoint()) {
            // The checkpoint is the truth: rows logged after it are dropped, as a grokking
            // run does, and the batches of step t depend on t alone, so the run goes on as if
            // it had never stopped.
            const Checkpoint c = store->loadCheckpoint();
            trainer.restore(c.step, c.params, c.state);
            seconds = c.seconds;
            store->truncateMetrics(c.step);
        } else {
            std::filesystem::create_directories(options.runDir);
            writeFileAtomically(options.runDir + "/config.json", lmConfigToJson(config));
            // The trained vocabulary beside the run, so its ids can be read without the text.
            std::string tokenizerJson;
            lmTokenizer(config.tokenizer, config.bpeVocab, config.textPath, &tokenizerJson);
            if (!tokenizerJson.empty())
                writeFileAtomically(options.runDir + "/tokenizer.json", tokenizerJson);
            store->truncateMetrics(-1); // a fresh log with its header only
        }
    }
    bool haveBest = false;
    if (store)
        for (const TrainMetrics& m : store->loadMetrics().rows)
            if (!haveBest || m.valLoss < s.bestValLoss) {
                s.bestValLoss = m.valLoss;
                s.bestStep = m.step;
                haveBest = true;
            }

    double trainSum = 0;
    int trainCount = 0;
    auto evaluate = [&] {
        const LmTrainer::Evaluation e = trainer.evaluate(options.evalBatches);
        TrainMetrics m;
        m.step = trainer.step();
        m.trainLoss = trainCount ? trainSum / trainCount : e.loss;
        m.valLoss = e.loss;
        m.valAcc = e.accuracy;
        m.weightNorm = weightNorm(trainer.parameters());
        m.lr = trainer.learningRate(std::max<std::int64_t>(1, m.step));
        m.seconds = seconds;
        trainSum = 0;
        trainCount = 0;
        if (!haveBest || m.valLoss < s.bestValLoss) {
            s.bestValLoss = m.valLoss;
            s.bestStep = m.step;
            haveBest = true;
        }
        if (store) store->appendMetrics(m);
        if (options.onMetrics) options.onMetrics(m);
        s.last = m;
    };
    auto checkpoint = [&] {
        if (store)
            store->writeCheckpoint(
                {trainer.step(), seconds, trainer.parameters(), trainer.optimizerState()});
    };

    if (trainer.step() == 0 && (!store || store->loadMetrics().rows.empty())) evaluate();
    auto lastCheckpoint = std::chrono::steady_clock::now();
    while (trainer.step() < config.steps) {
        if (cancel && cancel->cancelled()) {
            s.cancelled = true;
            break;
        }
        const auto t0 = std::chrono::steady_clock::now();
        trainSum += trainer.trainStep();
        ++trainCount;
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::int64_t t = trainer.step();
        if (t % options.evalEvery == 0 || t == config.steps) evaluate();
        const bool bySteps = options.checkpointEvery > 0 && t % options.checkpointEvery == 0;
        // By time only at an evaluation, so a resumed run's mean training loss covers the same
        // steps as an uninterrupted one's.
        const bool byTime =
            options.checkpointSeconds > 0 && t % options.evalEvery == 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - lastCheckpoint)
                    .count() >= options.checkpointSeconds;
        if (bySteps || byTime) {
            checkpoint();
            lastCheckpoint = std::chrono::steady_clock::now();
        }
    }
    // A stop between evaluations still leaves the last step's weights on disk; the log's last
    // row is the last evaluation.
    checkpoint();
    if (s.last.step != trainer.step() && store) {
        const MetricsLog log = store->loadMetrics();
        if (!log.rows.empty()) s.last = log.rows.back();
    }
    s.steps = trainer.step();
    s.seconds = seconds;
    return s;
}

} // namespace llmlab
