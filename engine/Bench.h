// Measured figures for `llmlab-cli bench` and the app: nothing here asserts a speed.
#pragma once

#include "Backend.h"
#include "Progress.h"

#include <string>
#include <vector>

namespace llmlab {

struct MatmulBenchResult {
    std::string backend; ///< "cpu", "vulkan" or "eigen" (Eigen's own GEMM, the yardstick)
    std::string device;
    int n = 0;          ///< an n x n x n product
    double seconds = 0; ///< median time of one product
    double gflops = 0;  ///< 2 n^3 / seconds / 1e9
};

/// Times an n^3 F32 matmul graph on `backend` (median of `reps` runs after one warm-up).
MatmulBenchResult benchMatmul(Backend& backend, int n, int reps);

/// Times Eigen's own GEMM (same threads as the CPU backend) on the same sizes.
MatmulBenchResult benchEigenGemm(int n, int reps);

/// The sizes `bench ops` uses: 256, 512, 768, 1024.
std::vector<int> standardBenchSizes();

} // namespace llmlab
