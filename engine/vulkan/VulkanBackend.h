// The Vulkan compute backend: one device, one pipeline per op (cached), the whole graph recorded
// into one command buffer once and resubmitted for every run.
#pragma once

#include "Backend.h"
#include "BackendFactory.h"

#include <memory>
#include <string>
#include <vector>

namespace llmlab {

/// Every Vulkan physical device with its key limits (empty without a loader or device).
std::vector<DeviceInfo> listVulkanDevices();

class VulkanBackend : public Backend {
public:
    struct Options {
        /// Physical device index; -1: env LLMLAB_VULKAN_DEVICE, else discrete GPU first,
        /// then integrated, then virtual, then CPU (lavapipe).
        int deviceIndex = -1;
        /// Enable VK_LAYER_KHRONOS_validation; -1: from env LLMLAB_VULKAN_VALIDATION=1.
        int validation = -1;
        /// Use staging copies even where device memory is host-visible (tests the path discrete
        /// GPUs take on a unified-memory device); also env LLMLAB_VULKAN_FORCE_STAGING=1.
        bool forceStaging = false;
    };

    /// nullptr and one readable sentence in `error` when no device can be used.
    static std::unique_ptr<VulkanBackend> create(const Options& options, std::string* error);

    ~VulkanBackend() override;
    std::string name() const override { return "vulkan"; }
    std::string deviceName() const override;
    std::unique_ptr<Executable> compile(const Graph& graph) override;

    /// Number of validation-layer errors seen so far (0 when validation is off).
    std::size_t validationErrorCount() const;
    /// Their messages (first few hundred kept).
    std::vector<std::string> validationMessages() const;
    /// True when the validation layer was requested and is active.
    bool validationEnabled() const;

    struct Impl;

private:
    explicit VulkanBackend(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace llmlab
