// A model's parameters as one flat vector with a layout (name, shape, offset per tensor): the
// space a loss landscape lives in. Directions, centres and trajectory points share one layout.
#pragma once

#include "train/ToyModel.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace llmlab {

struct FlatParams {
    std::vector<std::string> names; ///< sorted, as in ToyParams
    std::vector<Shape> shapes;
    std::vector<std::int64_t> offsets; ///< where each tensor starts in `values`
    std::vector<float> values;

    static FlatParams fromToy(const ToyParams& params);
    ToyParams toToy() const;
    /// Same layout, every value zero.
    FlatParams zerosLike() const;
    bool sameLayout(const FlatParams& other) const;

    std::size_t tensorCount() const { return names.size(); }
    std::span<const float> tensor(std::size_t i) const;
    std::span<float> tensor(std::size_t i);
};

/// sum_k a_k b_k in double (same layout).
double dot(const FlatParams& a, const FlatParams& b);
double norm(const FlatParams& a);
/// a - b (same layout).
FlatParams difference(const FlatParams& a, const FlatParams& b);
/// centre + alpha * d1 (+ beta * d2), in float, element by element: the point of a landscape.
/// `d2` may be null. `out` must have the layout already (it is reused across grid points).
void perturb(const FlatParams& centre, const FlatParams& d1, double alpha, const FlatParams* d2,
             double beta, FlatParams& out);

} // namespace llmlab
