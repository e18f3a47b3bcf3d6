#include "TrainConfig.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace llmlab {

void TrainConfig::fitModelToTask() {
    const int operands = task.kind == TaskKind::S5Compose ? 120 : task.modulus;
    model.vocab = operands + 1;
    model.seqLen = 3;
}

std::vector<std::string> presetNames() {
    return {"quick", "nanda"};
}

bool presetConfig(const std::string& name, TrainConfig* c) {
    TrainConfig t;
    t.preset = name;
    t.name = name;
    if (name == "nanda") {
        t.task = {TaskKind::AddMod, 113, 0.3, 0};
        t.model = {1, 128, 4, 512, ToyActivation::Relu, false, false, 114, 3};
        t.optim.lr = 1e-3;
        t.optim.weightDecay = 1.0;
        t.optim.beta1 = 0.9;
        t.optim.beta2 = 0.98;
        t.optim.warmupSteps = 10;
        t.maxSteps = 40000;
        t.evalEvery = 20;
        t.checkpointEvery = 500;
    } else if (name == "quick") {
        // Tuned on this project's 2-core machines: groks in about a minute on the CPU backend.
        t.task = {TaskKind::AddMod, 59, 0.4, 0};
        t.model = {1, 64, 4, 256, ToyActivation::Relu, false, false, 60, 3};
        t.optim.lr = 3e-3;
        t.optim.weightDecay = 1.0;
        t.optim.beta1 = 0.9;
        t.optim.beta2 = 0.98;
        t.optim.warmupSteps = 10;
        t.maxSteps = 6000;
        t.evalEvery = 10;
        t.checkpointEvery = 200;
    } else {
        return false;
    }
    t.fitModelToTask();
    *c = t;
    return true;
}

namespace {
using nlohmann::json;

std::string activationName(ToyActivation a) {
    return a == ToyActivation::Relu ? "relu" : "gelu";
}
} // namespace

std::string configToJson(const TrainConfig& c) {
    json j;
    j["format"] = "llmlab-train-config";
    j["version"] = 1;
    j["name"] = c.name;
    j["preset"] = c.preset;
    j["task"] = {{"kind", taskKey(c.task.kind)},
                 {"modulus", c.task.modulus},
                 {"train_fraction", c.task.trainFraction},
                 {"seed", c.task.seed},
                 {"label_noise", c.task.labelNoise}};
    j["model"] = {{"layers", c.model.layers},
                  {"d_model", c.model.dModel},
                  {"heads", c.model.heads},
                  {"d_mlp", c.model.dMlp},
                  {"activation", activationName(c.model.activation)},
                  {"layer_norm", c.model.layerNorm},
                  {"tied_unembed", c.model.tiedUnembed},
                  {"vocab", c.model.vocab},
                  {"seq_len", c.model.seqLen}};
    j["optim"] = {{"lr", c.optim.lr},
                  {"weight_decay", c.optim.weightDecay},
                  {"beta1", c.optim.beta1},
                  {"beta2", c.optim.beta2},
                  {"eps", c.optim.eps},
                  {"warmup_steps", c.optim.warmupSteps},
                  {"cosine_decay", c.optim.cosineDecay},
                  {"clip_norm", c.optim.clipNorm},
                  {"batch_size", c.optim.batchSize},
                  {"grokfast", c.optim.grokfast},
                  {"grokfast_alpha", c.optim.grokfastAlpha},
                  {"grokfast_lambda", c.optim.grokfastLambda}};
    j["max_steps"] = c.maxSteps;
    j["eval_every"] = c.evalEvery;
    j["checkpoint_every"] = c.checkpointEvery;
    j["checkpoint_seconds"] = c.checkpointSeconds;
    j["model_seed"] = c.modelSeed;
    j["backend"] = c.backend;
    return j.dump(2);
}

TrainConfig configFromJson(const std::string& text) {
    try {
        const json j = json::parse(text);
        if (j.value("format", "") != "llmlab-train-config")
            throw std::invalid_argument("not an llmlab training config");
        TrainConfig c;
        c.name = j.value("name", "run");
        c.preset = j.value("preset", "");
        const json& t = j.at("task");
        if (!parseTaskKey(t.at("kind").get<std::string>(), &c.task.kind))
            throw std::invalid_argument("unknown task '" + t.at("kind").get<std::string>() + "'");
        c.task.modulus = t.at("modulus").get<int>();
        c.task.trainFraction = t.at("train_fraction").get<double>();
        c.task.seed = t.at("seed").get<std::uint64_t>();
        c.task.labelNoise = t.value("label_noise", 0.0);
        const json& m = j.at("model");
        c.model.layers = m.at("layers").get<int>();
        c.model.dModel = m.at("d_model").get<int>();
        c.model.heads = m.at("heads").get<int>();
        c.model.dMlp = m.at("d_mlp").get<int>();
        c.model.activation = m.at("activation").get<std::string>() == "gelu" ? ToyActivation::Gelu
                                                                             : ToyActivation::Relu;
        c.model.layerNorm = m.at("layer_norm").get<bool>();
        c.model.tiedUnembed = m.at("tied_unembed").get<bool>();
        const json& o = j.at("optim");
        c.optim.lr = o.at("lr").get<double>();
        c.optim.weightDecay = o.at("weight_decay").get<double>();
        c.optim.beta1 = o.at("beta1").get<double>();
        c.optim.beta2 = o.at("beta2").get<double>();
        c.optim.eps = o.at("eps").get<double>();
        c.optim.warmupSteps = o.at("warmup_steps").get<int>();
        c.optim.cosineDecay = o.at("cosine_decay").get<bool>();
        c.optim.clipNorm = o.at("clip_norm").get<double>();
        c.optim.batchSize = o.at("batch_size").get<int>();
        c.optim.grokfast = o.at("grokfast").get<bool>();
        c.optim.grokfastAlpha = o.at("grokfast_alpha").get<double>();
        c.optim.grokfastLambda = o.at("grokfast_lambda").get<double>();
        c.maxSteps = j.at("max_steps").get<std::int64_t>();
        c.evalEvery = j.at("eval_every").get<int>();
        c.checkpointEvery = j.at("checkpoint_every").get<int>();
        c.checkpointSeconds = j.value("checkpoint_seconds", 30.0); // runs from before it: 30 s
        c.modelSeed = j.at("model_seed").get<std::uint64_t>();
        c.backend = j.value("backend", "cpu");
        c.fitModelToTask();
        validateToyConfig(c.model);
        return c;
    } catch (const json::exception& e) {
        throw std::invalid_argument(std::string("the training config is malformed: ") + e.what());
    }
}

} // namespace llmlab
