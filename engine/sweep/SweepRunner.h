// Runs a sweep: every run an ordinary run folder (run-NNNN/) under the sweep's folder, beside
// sweep.json (the spec) and results.csv (one row per run). Runs go in parallel over local
// cores, one thread each by default; a run that finished has run-NNNN/result.json and is never
// trained again, one that was stopped (cancel, kill -9) resumes from its checkpoint. The CSV is
// built from the result files in run order, so it does not depend on which worker, process or
// MPI rank ran what, or on how often the sweep was interrupted — only its wall_s column does.
#pragma once

#include "Progress.h"
#include "sweep/SweepSpec.h"
#include "train/Trainer.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace llmlab {

struct SweepRunState {
    enum class State : std::uint8_t { Pending, Running, Done, Failed, Stopped };
    int index = 0;
    State state = State::Pending;
    std::int64_t step = 0, steps = 0;
    std::string error; ///< for Failed: one sentence
};

struct SweepOptions {
    int jobs = 1;          ///< runs at once
    int threadsPerRun = 1; ///< CPU threads of each run
    std::string backend = "cpu";
    /// Only these run indices (a Slurm array task, an MPI rank's share); empty: all.
    std::vector<int> only;
    bool writeResults = true; ///< write results.csv at the end
    /// Called from worker threads (state changes, and each evaluation with its step).
    std::function<void(const SweepRunState&)> onRunState;
    std::function<void(int index, const TrainMetrics&)> onMetrics;
};

struct SweepOutcome {
    int done = 0, failed = 0, stopped = 0; ///< of the runs this call was asked for
    bool cancelled = false;
    std::vector<std::string> errors; ///< "run 3 (wd=0.1): ..."
};

/// Makes the folder and writes sweep.json, or checks that the folder's sweep.json is this
/// sweep (std::invalid_argument naming the folder when it holds another one).
void prepareSweepFolder(const SweepSpec& spec, const std::string& dir);

/// Trains the runs not yet done. Throws std::runtime_error for an unusable folder; a run
/// that fails is reported in the outcome (and in results.csv) and the others go on.
SweepOutcome runSweep(const SweepSpec& spec, const std::string& dir, const SweepOptions& options,
                      const CancelToken* cancel = nullptr);

/// One row of results.csv: a finished run's figures by column name.
struct SweepResult {
    int index = 0;
    std::string label;
    std::string status; ///< "done", "failed", or "pending" (no result yet)
    std::string error;
    std::map<std::string, double> values; ///< axis values and metrics
    std::string phase;                    ///< grokking runs: the phase at default thresholds
};

/// The result of every run of the spec, in order (pending ones included).
std::vector<SweepResult> readSweepResults(const SweepSpec& spec, const std::string& dir);
/// The CSV columns of a kind after index, label, status and the axes.
std::vector<std::string> sweepMetricColumns(SweepKind kind);
/// Writes dir/results.csv from the run folders; returns its path.
std::string writeSweepResults(const SweepSpec& spec, const std::string& dir);
/// The folder of run `index`.
std::string sweepRunDir(const std::string& dir, const SweepRun& run);

/// Random-features sweeps compute in one go; the rows by (ridge, features).
std::string runFeaturesSweep(const SweepSpec& spec, const std::string& dir,
                             const CancelToken* cancel = nullptr);

} // namespace llmlab
