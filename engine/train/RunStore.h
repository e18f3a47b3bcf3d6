// A training run on disk: config.json, metrics.csv (appended as it goes) and the latest
// checkpoint (safetensors). Whole files are written to a temporary name and renamed, so a
// crash leaves either the old file or the new one, never half of one.
#pragma once

#include "TrainConfig.h"
#include "Trainer.h"

#include <string>
#include <vector>

namespace llmlab {

struct Checkpoint {
    std::int64_t step = 0;
    double seconds = 0;
    ToyParams params;
    ToyParams state; ///< optimiser moments, Grokfast average
};

/// The parsed metrics log of a run.
struct MetricsLog {
    std::vector<TrainMetrics> rows;
    std::int64_t memorisedStep = -1; ///< first step with train accuracy >= 99%
    std::int64_t grokkedStep = -1;   ///< first step with validation accuracy >= 99%
};

/// A run found under a runs folder.
struct RunInfo {
    std::string dir;
    TrainConfig config;
    std::int64_t lastStep = 0;
    std::int64_t checkpointStep = -1;
    MetricsLog metrics;
};

class RunStore {
public:
    explicit RunStore(std::string dir) : m_dir(std::move(dir)) {}
    const std::string& dir() const { return m_dir; }

    /// Makes the folder and writes config.json and the metrics header (a new run).
    void create(const TrainConfig& config) const;
    TrainConfig loadConfig() const;

    void appendMetrics(const TrainMetrics& m) const;
    MetricsLog loadMetrics() const;
    /// Drops metric rows after `step` (when resuming from a checkpoint older than the log).
    void truncateMetrics(std::int64_t step) const;

    void writeCheckpoint(const Checkpoint& c) const;
    bool hasCheckpoint() const;
    Checkpoint loadCheckpoint() const;
    std::string checkpointPath() const;

    /// The weights along the run, kept for landscapes and trajectories: a params-only file
    /// history/step-NNNNNNNN.safetensors at the start, at each checkpoint, when the run first
    /// memorises and when it groks.
    void writeSnapshot(std::int64_t step, const ToyParams& params) const;
    /// The steps with a snapshot, ascending.
    std::vector<std::int64_t> snapshotSteps() const;
    ToyParams loadSnapshot(std::int64_t step) const;
    /// Removes the snapshots after `step` (all of them for -1): a resumed run goes on from its
    /// checkpoint, and snapshots of the steps it will train again would be of another path.
    void dropSnapshotsAfter(std::int64_t step) const;
    std::string snapshotPath(std::int64_t step) const;

    /// Where the app keeps its runs: $LLMLAB_RUNS_DIR, else ~/.local/share/llmlab/runs.
    static std::string defaultRunsRoot();
    /// Every run folder under `root`, oldest first; broken ones are skipped.
    static std::vector<RunInfo> listRuns(const std::string& root);

private:
    std::string m_dir;
};

/// Writes `text` to `path` through a temporary file, fsync and rename.
void writeFileAtomically(const std::string& path, const std::string& text);

} // namespace llmlab
