// The values of a loss landscape on a grid of (alpha, beta) points, computed slice by slice,
// appended to a CSV as they come (so a cancelled or killed grid resumes where it stopped), and
// merged from slices computed elsewhere (other processes, MPI ranks, cluster jobs).
#pragma once

#include "LossEvaluator.h"
#include "Progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

/// The grid: `columns` alphas over [alphaMin, alphaMax], `rows` betas over [betaMin, betaMax]
/// (a line has one row at beta 0).
struct GridSpec {
    int columns = 41, rows = 41;
    double alphaMin = -1, alphaMax = 1, betaMin = -1, betaMax = 1;
    double alpha(int j) const;
    double beta(int i) const;
    std::int64_t points() const { return std::int64_t(columns) * rows; }
    /// Throws std::invalid_argument for a grid that is empty, over 201 × 201, or inverted.
    void validate() const;
};

/// Values per point: for each split a loss and an accuracy column. NaN where not computed.
struct LandscapeGrid {
    GridSpec spec;
    std::vector<std::string> splits;
    /// [split][i * columns + j]
    std::vector<std::vector<double>> loss, accuracy;

    /// An empty (all NaN) grid.
    static LandscapeGrid empty(const GridSpec& spec, std::vector<std::string> splits);
    bool has(int i, int j) const;
    std::int64_t computedCount() const;
    bool complete() const { return computedCount() == spec.points(); }
    double lossAt(int i, int j, std::size_t split = 0) const;
    /// Bilinear interpolation of a split's loss at (alpha, beta), clamped to the grid.
    double interpolateLoss(double alpha, double beta, std::size_t split = 0) const;
    /// Smallest and largest computed loss of a split.
    void lossRange(double* lo, double* hi, std::size_t split = 0) const;
};

/// Row i of an N-way interleaved split belongs to slice (i mod N); slice is 0-based here.
struct GridSlice {
    int index = 0, count = 1;
    bool owns(int row) const { return row % count == index; }
    /// "K/N" with K in 1..N, as the CLI takes it; throws std::invalid_argument otherwise.
    static GridSlice parse(const std::string& text);
};

/// The CSV of a grid: "i,j,alpha,beta,<split>_loss,<split>_acc,..." then one row per computed
/// point, sorted by (i, j); the same grid always gives the same bytes.
std::string gridToCsv(const LandscapeGrid& grid);
/// Reads a CSV written by gridToCsv or being appended by computeGrid (any order; a torn last
/// line is dropped). The grid's alpha/beta bounds are taken from `spec`, or, when it is null,
/// from the points in the file. Throws std::runtime_error naming the file for a bad one.
LandscapeGrid readGridCsv(const std::string& path, const GridSpec* spec = nullptr);
/// Writes gridToCsv atomically.
void writeGridCsv(const std::string& path, const LandscapeGrid& grid);

/// Joins slices into one grid (all of one spec and splits); throws std::invalid_argument for
/// slices of different grids.
LandscapeGrid mergeGrids(const std::vector<LandscapeGrid>& slices);

struct GridOptions {
    GridSlice slice;
    /// Where points are appended as they are computed and read back to resume; empty: nothing
    /// is written. When the slice is done the file is rewritten sorted.
    std::string csvPath;
    ProgressFn progress;
    const CancelToken* cancel = nullptr;
    /// When set: how many points this call computed (not those read back from the CSV).
    std::int64_t* computed = nullptr;
};

/// L(centre + alpha d1 + beta d2) at every grid point of the slice not already in the CSV.
/// `d2` null: a line (spec.rows must be 1). Throws Cancelled when cancelled (what was computed
/// stays in the CSV).
LandscapeGrid computeGrid(LossEvaluator& evaluator, const FlatParams& centre, const FlatParams& d1,
                          const FlatParams* d2, const GridSpec& spec, const GridOptions& options);

} // namespace llmlab
