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

private:
    int m_threads;
};

} // namespace llmlab
