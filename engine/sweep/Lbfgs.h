// A small L-BFGS minimiser for the sweep fits (scaling laws): a handful of parameters, a smooth
// objective with an analytic gradient, and no dependency beyond the standard library.
#pragma once

#include <functional>
#include <vector>

namespace llmlab {

/// Objective for minimiseLbfgs: returns f(x) and writes the gradient into `grad` (same size).
using LbfgsObjective =
    std::function<double(const std::vector<double>& x, std::vector<double>& grad)>;

struct LbfgsOptions {
    int maxIterations = 500;
    int memory = 8;              ///< pairs (s, y) kept for the inverse-Hessian estimate
    double gradientTol = 1e-10;  ///< stop when max |g_i| <= gradientTol * max(1, |f|)
    double relativeFTol = 1e-14; ///< stop when an iteration lowers f by less than this, relative
};

struct LbfgsResult {
    std::vector<double> x;
    double value = 0;
    int iterations = 0;
    bool converged = false; ///< a tolerance was met (false: iteration limit or no descent step)
};

/// Minimises `f` from `x0` by L-BFGS with a backtracking (Armijo) line search.
LbfgsResult minimiseLbfgs(const LbfgsObjective& f, std::vector<double> x0,
                          const LbfgsOptions& options = {});

} // namespace llmlab
