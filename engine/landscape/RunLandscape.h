// The loss landscape of a grokking run: which directions, around which snapshot, on which grid
// — and the computed grid with the trajectory projected onto the same plane, cached in the
// run folder (landscapes/<key>.csv + .json) so reopening is instant and a cancelled grid
// resumes. Shared by `llmlab-cli landscape` and the app's landscape lab.
#pragma once

#include "Backend.h"
#include "Directions.h"
#include "LandscapeGrid.h"
#include "train/TrainConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

enum class DirectionKind { Random, Pca, Line };
std::string directionKey(DirectionKind kind); ///< "random", "pca", "line"
bool parseDirectionKey(const std::string& key, DirectionKind* kind);

/// Everything that decides a landscape's values (and so its cache key).
struct LandscapeSpec {
    DirectionKind directions = DirectionKind::Random;
    /// The centre θ*: a snapshot step of the run, or -1 for its last snapshot.
    std::int64_t centreStep = -1;
    RandomDirectionOptions random; ///< seed (the second direction uses seed + 1), normalisation
    /// Line: from this snapshot (-1: the first) to `lineTo` (-1: the last); the grid's alpha
    /// runs along to − from, alpha 0 at `from` and 1 at `to`.
    std::int64_t lineFrom = -1, lineTo = -1;
    int grid = 41; ///< points a side (a line: points along it)
    /// Half-width of the square grid in direction units; <= 0 for PCA: fitted to the
    /// trajectory with a margin. A line runs over [-range/4, 1 + range/4] (range 1: -0.25..1.25).
    double range = 1.0;
    LandscapeSplit split = LandscapeSplit::Validation;

    /// A short stable hash of the fields above (16 hex digits).
    std::string key() const;
};

/// One snapshot of the run projected onto the landscape's plane.
struct PathPoint {
    std::int64_t step = 0;
    double alpha = 0, beta = 0;
    double surfaceLoss = 0; ///< the grid's loss (first split) at (alpha, beta): on the surface
};

struct RunLandscape {
    std::string runDir;
    LandscapeSpec spec;
    std::int64_t centreStep = 0;
    std::int64_t memorisedStep = -1, grokkedStep = -1; ///< of the run's metrics
    GridSpec gridSpec;
    std::vector<std::string> splits;
    double directionNorms[2] = {0, 0};
    double explained[2] = {0, 0}; ///< PCA only
    std::vector<PathPoint> path;
    LandscapeGrid grid;
    /// Mean rise of the (first split's) loss at radius `sharpnessRadius` along 8 random
    /// filter-normalised directions: a flatness number, comparable between checkpoints.
    double sharpness = 0, sharpnessRadius = 0;
    double centreLoss = 0;
    std::string backend;
    /// A model's landscape (runDir is then the model file): the tensors that move and their
    /// parameter count. Empty for a grokking run, where every tensor may move.
    std::vector<std::string> movedTensors;
    std::int64_t movedParameters = 0;
    std::string csvPath, jsonPath; ///< the cache files (empty when not cached)
    /// What the values depend on, hashed (the spec's key when empty); a CSV whose header names
    /// another key is not resumed from.
    std::string key;
    bool fromCache = false;
    std::int64_t passesComputed = 0; ///< forward passes this call ran (0: all from the cache)
};

struct LandscapeRunOptions {
    GridSlice slice;
    /// Cache in RUN/landscapes/ (true) or compute without writing (false).
    bool cache = true;
    /// Compute the sharpness number too (16 more forward passes).
    bool sharpness = true;
    ProgressFn progress;
    const CancelToken* cancel = nullptr;
};

/// The landscape of the run in `runDir`. Reads the cache when the grid is complete there;
/// otherwise computes what is missing (resuming a cancelled grid). Throws std::runtime_error
/// with a sentence naming the run for a run that cannot give these directions (too few
/// snapshots for PCA, say), Cancelled when cancelled.
RunLandscape computeRunLandscape(const std::string& runDir, const LandscapeSpec& spec,
                                 Backend& backend, const LandscapeRunOptions& options);

/// The forward passes a landscape needs (grid points + sharpness): for a cost estimate.
std::int64_t landscapePasses(const LandscapeSpec& spec, bool sharpness);

/// The JSON header written beside the CSV; and read back (with the grid from `csvPath`), for a
/// landscape computed elsewhere or merged from slices. Throws std::runtime_error naming the
/// file.
std::string landscapeHeaderJson(const RunLandscape& landscape);
RunLandscape readLandscape(const std::string& csvPath);

/// 16 hex digits of a 64-bit FNV-1a hash of `text`.
std::string hashKey(const std::string& text);

/// Mean loss rise at `radius` along `count` random filter-normalised directions (both signs).
double meanLossRise(LossEvaluator& evaluator, const FlatParams& centre, double radius, int count,
                    std::uint64_t seed, double* centreLoss = nullptr);

} // namespace llmlab
