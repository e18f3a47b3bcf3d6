// The engine jobs the app runs on its worker thread, and the value snapshots they return.
#pragma once

#include "JobRunner.h"

#include "BackendFactory.h"
#include "Bench.h"
#include "OpCheck.h"

#include <QMetaType>
#include <QString>

#include <vector>

namespace llmlab::gui {

/// Which backend serves, on which device, and why Vulkan does not when it does not.
struct BackendStatus {
    QString requested;         ///< "auto", "cpu" or "vulkan"
    QString name;              ///< the backend that serves: "cpu" or "vulkan"
    QString device;            ///< its device, in words
    QString vulkanProblem;     ///< empty when Vulkan works; else why not, in words
    bool vulkanListed = false; ///< a Vulkan device was found (it may still have failed)
};

/// "Backend: vulkan — llvmpipe (...)" or "Backend: cpu — no Vulkan device (reason)".
QString backendStatusText(const BackendStatus& status);

/// Every device, and why Vulkan is unusable when no Vulkan device was found.
struct DevicesSnapshot {
    std::vector<DeviceInfo> devices;
    QString vulkanProblem;
    bool hasVulkan() const;
};

struct OpCheckSnapshot {
    std::vector<OpCheckResult> results;
    QString testDevice; ///< the Vulkan device compared against the CPU
};

struct BenchSnapshot {
    std::vector<MatmulBenchResult> results;
};

/// Makes the backend `name` ("auto", "cpu", "vulkan"; `vulkanDevice` -1 for the default) the
/// worker's current one; falls back to the CPU when Vulkan fails. Returns a BackendStatus.
JobFn makeBackendJob(const QString& name, int vulkanDevice);

/// Lists devices (Vulkan enumeration can take a moment, so not on the GUI thread).
JobFn makeDevicesJob();

/// Compares every standardOpCases() case on Vulkan against the CPU. Returns an OpCheckSnapshot.
JobFn makeOpCheckJob(int vulkanDevice);

/// Times an n^3 matmul for each size on the CPU backend, Vulkan (when `withVulkan`) and Eigen's
/// own GEMM. Returns a BenchSnapshot.
JobFn makeBenchJob(std::vector<int> sizes, int reps, bool withVulkan, int vulkanDevice);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::BackendStatus)
Q_DECLARE_METATYPE(llmlab::gui::DevicesSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::OpCheckSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::BenchSnapshot)
