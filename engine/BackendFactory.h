// Finding devices and making backends by name.
#pragma once

#include "Backend.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmlab {

/// One device a backend can run on, with the limits a person choosing it cares about.
struct DeviceInfo {
    std::string backend;    ///< "cpu" or "vulkan"
    int index = 0;          ///< position in the backend's own list (Vulkan physical device order)
    std::string name;       ///< "llvmpipe (LLVM 15.0.6, 256 bits)"
    std::string type;       ///< "discrete GPU", "integrated GPU", "CPU", ...
    std::string driver;     ///< driver name and version
    std::string apiVersion; ///< "1.3.230"
    std::uint64_t memoryBytes = 0; ///< device-local heap size (system RAM for the CPU)
    /// Further limits in words: ("max workgroup invocations", "1024"), ("subgroup size", "8"), ...
    std::vector<std::pair<std::string, std::string>> limits;
};

/// Every device: the CPU first, then each Vulkan physical device (none when there is no loader
/// or no device; that is not an error).
std::vector<DeviceInfo> listDevices();

/// Makes "cpu", "vulkan" or "auto" (Vulkan on a real GPU, else the CPU). `vulkanDevice` picks a
/// Vulkan device by index (-1: env LLMLAB_VULKAN_DEVICE, else a discrete GPU first, then
/// integrated, then any). Returns nullptr and sets `error` to one readable sentence on failure.
std::unique_ptr<Backend> createBackend(const std::string& name, std::string* error,
                                       int vulkanDevice = -1);

} // namespace llmlab
