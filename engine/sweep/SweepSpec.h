// What a sweep is: a base config and a grid (or list) of changes to it, each change one run.
// The file (JSON, format "llmlab-sweep") names the kind of run — grokking (the toy transformer
// on an algorithmic task), lm (next-token training of a tiny llama on a text) or
// random-features (the textbook double-descent model, one fast computation) — and the fields
// to vary by their dotted path in that kind's config.json ("optim.weight_decay",
// "model.d_model"). An lm sweep also takes "tokens" (the token budget D: steps = D / (batch x
// seq_len)) and "compute" (C = 6 N D: the budget that gives a model of N non-embedding
// parameters C), so an IsoFLOP grid is a grid over model.d_model and compute.
#pragma once

#include "sweep/DoubleDescent.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmlab {

enum class SweepKind : std::uint8_t { Grokking, Lm, RandomFeatures };
const char* sweepKindKey(SweepKind kind); ///< "grokking", "lm", "random-features"

/// One run of a sweep: where it sits in the grid and its whole config.
struct SweepRun {
    int index = 0;
    std::string label; ///< "d_model=32 compute=1e+12"
    /// The varied fields and their values (as JSON text), in the order of the sweep's axes.
    std::vector<std::pair<std::string, std::string>> values;
    std::string configJson; ///< the run's config.json (grokking or lm format)
    std::string folderName() const; ///< "run-0007"
};

struct SweepSpec {
    std::string name = "sweep";
    SweepKind kind = SweepKind::Grokking;
    std::vector<std::string> axes; ///< the varied fields, in order
    std::vector<SweepRun> runs;
    int evalEvery = 50;  ///< lm runs: steps between evaluations
    int evalBatches = 4; ///< lm runs: held-out batches per evaluation
    RandomFeaturesConfig features; ///< random-features sweeps
    std::string text;    ///< the spec as written (what sweep.json holds)
};

/// Parses a sweep file's text; `source` names it in errors. Every run's config is built and
/// checked here, so a bad value fails before anything trains: std::invalid_argument with one
/// sentence naming the source and the field.
SweepSpec parseSweepSpec(const std::string& text, const std::string& source);
/// Reads and parses a file (std::runtime_error when it cannot be read).
SweepSpec loadSweepSpec(const std::string& path);

/// The built-in sweeps: "scaling-quick" (an IsoFLOP grid of tiny llamas on tinyshakespeare,
/// about five minutes on two cores; `textPath` is the text), "grokking-phases" (weight decay x
/// learning rate of a small a+b mod p), "double-descent-features" (random ReLU features),
/// "double-descent-width" (the toy transformer's width on a+b mod p with label noise).
/// Returns the spec text; empty for an unknown name.
std::string sweepPresetText(const std::string& name, const std::string& textPath = "");
std::vector<std::string> sweepPresetNames();

} // namespace llmlab
