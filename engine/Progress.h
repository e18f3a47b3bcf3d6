// Progress reporting and cancellation for long engine work.
#pragma once

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>

namespace llmlab {

/// Set from any thread to ask running work to stop; work polls it between steps.
class CancelToken {
public:
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return m_cancelled.load(std::memory_order_relaxed); }
    void reset() { m_cancelled.store(false, std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

/// Thrown by engine work that noticed its CancelToken.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

/// fraction in [0, 1]; `what` says what is being done, in words.
using ProgressFn = std::function<void(double fraction, const std::string& what)>;

} // namespace llmlab
