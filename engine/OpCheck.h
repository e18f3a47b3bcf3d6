// Runs single-op graphs on two backends with the same random inputs and compares the results.
// Used by the per-op tests (Qt Test), by `llmlab-cli check ops`, and by the app's backend check.
#pragma once

#include "Backend.h"
#include "Progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

/// One op at one shape. `dims` is read per op (see OpCheck.cpp: standardOpCases lists them).
struct OpCase {
    std::string op; ///< opName(): "matmul", "rope", "attention", ...
    std::vector<std::int64_t> dims;
    std::string variant;       ///< "transB", "rotate_half", "gqa", "masked", ... or ""
    std::string label() const; ///< "matmul 257x129x65 transB"
};

struct OpCheckResult {
    OpCase opCase;
    double nmse = 0.0;  ///< sum((test-ref)^2) / sum(ref^2)
    double bound = 0.0; ///< the largest NMSE accepted for this op
    bool passed() const { return nmse <= bound; }
};

/// The cases the tests and the CLI run: every op, odd sizes included.
std::vector<OpCase> standardOpCases();

/// The NMSE bound for an op (1e-7 for most; see the comments in OpCheck.cpp for looser ones).
double opCheckBound(const std::string& op);

/// Builds the op's graph, fills inputs from `seed`, runs it on both backends and compares.
/// Throws std::runtime_error when a backend fails.
OpCheckResult checkOp(const OpCase& c, Backend& reference, Backend& test, std::uint64_t seed = 1);

/// Runs every case; stops early (throwing Cancelled) when `cancel` is set.
std::vector<OpCheckResult> checkOps(const std::vector<OpCase>& cases, Backend& reference,
                                    Backend& test, const ProgressFn& progress = {},
                                    const CancelToken* cancel = nullptr);

/// Normalised mean squared error of `test` against `ref`.
double nmse(const std::vector<float>& ref, const std::vector<float>& test);

} // namespace llmlab
