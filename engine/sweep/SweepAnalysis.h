// What a finished (or partly finished) sweep says: for an lm sweep the scaling laws (loss
// against compute and against model size, IsoFLOP profiles and the compute-optimal exponents,
// the Chinchilla fit); for a grokking sweep the phase of each run; for random features the
// double-descent peak. Shared by the CLI (text, JSON) and the Sweeps lab (charts).
#pragma once

#include "sweep/DoubleDescent.h"
#include "sweep/Phases.h"
#include "sweep/ScalingFits.h"
#include "sweep/SweepRunner.h"

#include <string>
#include <vector>

namespace llmlab {

struct ScalingAnalysis {
    std::vector<ScalingPoint> points; ///< finished runs: N (non-embedding), D, C = 6ND, val loss
    std::vector<int> runIndex;        ///< the run of each point
    /// The compute frontier (the lowest loss at each budget) and its power law L(C).
    std::vector<ScalingPoint> computeFrontier;
    PowerLawFit lossVsCompute;
    Interval lossVsComputeGamma;
    /// The size frontier (the lowest loss of each N over all budgets) and L(N).
    std::vector<ScalingPoint> sizeFrontier;
    PowerLawFit lossVsParams;
    Interval lossVsParamsGamma;
    ComputeOptimalFit optimal;
    ChinchillaFit chinchilla;
};

/// The scaling fits of an lm sweep's results (uses "params", "tokens", "flops", "val_loss").
ScalingAnalysis analyseScaling(const std::vector<SweepResult>& results);

/// A grokking run of the sweep, classified from its metrics log.
struct PhaseCell {
    int index = 0;
    std::string label;
    PhaseResult phase;
    bool finished = false;
};
std::vector<PhaseCell> classifySweepRuns(const SweepSpec& spec, const std::string& dir,
                                         const PhaseThresholds& thresholds = {});

/// The rows of a random-features sweep's results.csv (empty when it has none yet).
std::vector<RandomFeaturesPoint> readFeaturesResults(const std::string& dir);

/// A summary for people (the CLI prints it) and the same as JSON (also written as fits.json).
std::string sweepAnalysisText(const SweepSpec& spec, const std::string& dir,
                              const std::vector<SweepResult>& results);
std::string sweepAnalysisJson(const SweepSpec& spec, const std::string& dir,
                              const std::vector<SweepResult>& results);

} // namespace llmlab
