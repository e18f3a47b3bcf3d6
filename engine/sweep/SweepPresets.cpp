// The built-in sweeps, as the JSON a person would write: each is also the example of its kind.
#include "SweepSpec.h"

#include <nlohmann/json.hpp>

namespace llmlab {

using json = nlohmann::ordered_json; // keys in the order written: the axes follow it

std::vector<std::string> sweepPresetNames() {
    return {"scaling-quick", "scaling-bpe", "grokking-phases", "double-descent-features",
            "double-descent-width"};
}

namespace {

// IsoFLOP profiles of tiny llamas on a text: at each compute budget C, four widths around
// the compute-optimal one (D ~ 20 N) so each profile has its minimum inside. Two layers, four
// heads, 64-token windows; 16 runs, 4.1e12 FLOPs in all (the top budget holds most of it), a
// few minutes on two cores, one thread a run, with the character vocabulary. `bpe`: the same grid over a byte-level BPE of 512 entries trained on
// the text (each token a few characters, so the same compute sees more text).
json scalingQuick(const std::string& textPath, bool bpe) {
    json runs = json::array();
    const std::vector<std::pair<double, std::vector<int>>> grid = {
        {3e10, {8, 16, 24, 32}},
        {1e11, {16, 24, 32, 48}},
        {3e11, {24, 32, 48, 64}},
        {6e11, {32, 48, 64, 96}},
    };
    for (const auto& [compute, widths] : grid)
        for (int d : widths) runs.push_back({{"compute", compute}, {"model.d_model", d}});
    return {{"format", "llmlab-sweep"},
            {"version", 1},
            {"name", bpe ? "scaling-bpe" : "scaling-quick"},
            {"kind", "lm"},
            {"base",
             {{"task", "text"},
              {"text", textPath},
              {"tokenizer", bpe ? "bpe" : "char"},
              {"bpe_vocab", 512},
              {"batch", 16},
              {"seq_len", 64},
              {"lr", 3e-3},
              {"warmup", 50},
              {"seed", 1},
              {"model", {{"layers", 2}, {"heads", 4}}}}},
            {"eval_every", 50},
            {"eval_batches", 4},
            {"runs", runs}};
}

// Weight decay x learning rate of a+b mod 23 on a small model: without weight decay it
// memorises, with a tiny learning rate it stays confused, in between it groks or generalises
// at once.
json grokkingPhases() {
    return {{"format", "llmlab-sweep"},
            {"version", 1},
            {"name", "grokking-phases"},
            {"kind", "grokking"},
            {"base",
             {{"preset", "quick"},
              {"task", {{"modulus", 23}, {"train_fraction", 0.5}}},
              {"model", {{"d_model", 32}, {"d_mlp", 128}, {"heads", 4}}},
              {"max_steps", 1500},
              {"eval_every", 10},
              {"checkpoint_every", 250}}},
            {"grid", {{"optim.weight_decay", {0.0, 0.3, 3.0}}, {"optim.lr", {1e-4, 1e-3, 1e-2}}}}};
}

json doubleDescentFeatures() {
    return {{"format", "llmlab-sweep"},
            {"version", 1},
            {"name", "double-descent-features"},
            {"kind", "random-features"},
            {"base",
             {{"samples", 100},
              {"test_samples", 1000},
              {"input_dim", 16},
              {"noise", 0.2},
              {"repeats", 5},
              {"seed", 1}}},
            {"grid", {{"ridge", {0.0, 1e-3, 1e-2}}}}};
}

// Model-wise double descent of the toy transformer: a+b mod 23 with 20% of the training
// answers wrong, widths across the point where the model can fit every label.
json doubleDescentWidth() {
    json runs = json::array();
    for (int d : {4, 8, 12, 16, 24, 32, 64})
        runs.push_back({{"model.d_model", d}, {"model.d_mlp", 4 * d}});
    return {{"format", "llmlab-sweep"},
            {"version", 1},
            {"name", "double-descent-width"},
            {"kind", "grokking"},
            {"base",
             {{"preset", "quick"},
              {"task", {{"modulus", 23}, {"train_fraction", 0.5}, {"label_noise", 0.2}}},
              {"model", {{"heads", 2}}},
              {"optim", {{"weight_decay", 0.0}, {"lr", 3e-3}}},
              {"max_steps", 2000},
              {"eval_every", 20},
              {"checkpoint_every", 500}}},
            {"runs", runs}};
}

} // namespace

std::string sweepPresetText(const std::string& name, const std::string& textPath) {
    json j;
    if (name == "scaling-quick" || name == "scaling-bpe")
        j = scalingQuick(textPath, name == "scaling-bpe");
    else if (name == "grokking-phases")
        j = grokkingPhases();
    else if (name == "double-descent-features")
        j = doubleDescentFeatures();
    else if (name == "double-descent-width")
        j = doubleDescentWidth();
    else
        return {};
    return j.dump(2);
}

} // namespace llmlab
