// The CPU backend: runs a graph node by node with the reference ops (Eigen GEMM, OpenMP threads).
#pragma once

#include "Backend.h"

namespace llmlab {

class CpuBackend : public Backend {
public:
    /// threads <= 0: all cores.
    explicit CpuBackend(int threads = 0);
    std::string name() const override { return "cpu"; }
    std::string deviceName() const override;
    std::unique_ptr<Executable> compile(const Graph& graph) override;

    /// Batch-invariant kernels for graphs compiled from now on: a row's result does not depend
    /// on how many rows ran with it (weight matmuls as row dots, attention row by row), so a
    /// prompt run in pieces — its prefix from a cache — gives the bits of one batch. Slower
    /// for long prompts than the blocked GEMM; off by default.
    void setBatchInvariant(bool on) { m_batchInvariant = on; }
    bool batchInvariant() const { return m_batchInvariant; }

private:
    int m_threads;
    bool m_batchInvariant = false;
};

} // namespace llmlab
