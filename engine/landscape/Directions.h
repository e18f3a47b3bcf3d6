// Directions of a loss landscape (Li et al. 2018, "Visualizing the Loss Landscape of Neural
// Nets"): seeded random directions with filter normalisation, the principal directions of a
// training trajectory, the straight line between two checkpoints, and projections onto them.
#pragma once

#include "FlatParams.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

struct RandomDirectionOptions {
    std::uint64_t seed = 1;
    /// Each row (one output neuron, one embedding row) rescaled to the norm of the same row of
    /// the weights. Off: the whole direction is scaled to the weights' norm.
    bool filterNormalize = true;
    /// 1-D tensors (biases, norm gains): zero (the default, as Li et al.), or kept and treated
    /// as one filter.
    bool keep1D = false;
    /// ECMAScript regex searched in tensor names; tensors that do not match get zero. Empty:
    /// every tensor.
    std::string tensorPattern;
};

/// A Gaussian direction in the space of `weights`, normalised as `options` say.
FlatParams randomDirection(const FlatParams& weights, const RandomDirectionOptions& options);

/// The tensors `pattern` selects (all when empty); throws std::invalid_argument for a bad
/// regex or one that selects nothing.
std::vector<bool> selectTensors(const FlatParams& params, const std::string& pattern);

struct PcaDirections {
    FlatParams first, second;      ///< unit norm, orthogonal
    double explained[2] = {0, 0};  ///< share of the trajectory's variance along each
    std::vector<double> coords[2]; ///< each snapshot's coordinates relative to the final one
};

/// PCA of θ_i − θ_final over the snapshots (uncentred, as Li et al.), by the eigenvectors of
/// the snapshots' Gram matrix. Signs are chosen so the first snapshot has negative coordinates.
/// Throws std::invalid_argument with fewer than 3 snapshots or a trajectory without two
/// independent directions.
PcaDirections pcaDirections(const std::vector<FlatParams>& snapshots, const FlatParams& final);

/// Coordinates (a, b) of `point − centre` in the plane of d1, d2 (least squares, so d1 and d2
/// need not be orthogonal); `d2` may be null for a line (b is then 0).
void projectOnto(const FlatParams& point, const FlatParams& centre, const FlatParams& d1,
                 const FlatParams* d2, double* a, double* b);

/// Norm of each row of each tensor (a 1-D tensor is one row): for checking filter
/// normalisation.
std::vector<double> rowNorms(const FlatParams& params, std::size_t tensor);

} // namespace llmlab
