// The interface every compute backend implements: compile a Graph once, run it many times.
#pragma once

#include <cstdint>

#include "Graph.h"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace llmlab {

/// A graph prepared for one backend: buffers allocated, constants uploaded, work recorded.
class Executable {
public:
    virtual ~Executable() = default;
    /// Sets an F32 input's values for the next run (size must equal the node's element count).
    virtual void setInput(NodeId id, std::span<const float> values) = 0;
    /// Sets an I32 input's values for the next run.
    virtual void setInput(NodeId id, std::span<const std::int32_t> values) = 0;
    /// Runs the whole graph; blocks until it is done.
    virtual void run() = 0;
    /// The values of a captured node after the last run.
    virtual std::vector<float> read(NodeId id) const = 0;
    /// Bytes of host memory held for the graph's values (inputs, intermediates, widened
    /// constants); 0 where the backend does not say.
    virtual std::uint64_t bufferBytes() const { return 0; }
};

/// One compute device behind one API.
class Backend {
public:
    virtual ~Backend() = default;
    /// "cpu" or "vulkan".
    virtual std::string name() const = 0;
    /// The device, in words ("AMD Ryzen ... (2 threads)", "llvmpipe (LLVM 15.0.6)").
    virtual std::string deviceName() const = 0;
    /// Prepares `graph` for running; throws std::runtime_error naming what is unsupported.
    virtual std::unique_ptr<Executable> compile(const Graph& graph) = 0;
};

} // namespace llmlab
