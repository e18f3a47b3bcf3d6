#include "BackendFactory.h"

#include "cpu/CpuBackend.h"
#include "vulkan/VulkanBackend.h"

#include <fstream>
#include <thread>
#include <unistd.h>

namespace llmlab {

namespace {
std::uint64_t systemMemoryBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && pageSize > 0 ? std::uint64_t(pages) * std::uint64_t(pageSize) : 0;
}
} // namespace

std::vector<DeviceInfo> listDevices() {
    std::vector<DeviceInfo> devices;
    CpuBackend cpu;
    DeviceInfo info;
    info.backend = "cpu";
    info.name = cpu.deviceName();
    info.type = "CPU";
    info.driver = "Eigen GEMM + OpenMP";
    info.memoryBytes = systemMemoryBytes();
    info.limits.emplace_back("threads", std::to_string(std::thread::hardware_concurrency()));
    devices.push_back(info);
    for (DeviceInfo& d : listVulkanDevices()) devices.push_back(std::move(d));
    return devices;
}

std::unique_ptr<Backend> createBackend(const std::string& name, std::string* error,
                                       int vulkanDevice) {
    if (name == "cpu") return std::make_unique<CpuBackend>();
    if (name == "vulkan") {
        VulkanBackend::Options options;
        options.deviceIndex = vulkanDevice;
        std::string why;
        auto vk = VulkanBackend::create(options, &why);
        if (!vk && error) *error = why;
        return vk;
    }
    if (name == "auto") {
        // Vulkan only where it beats the CPU: a real GPU, not a CPU driver such as lavapipe.
        for (const DeviceInfo& d : listVulkanDevices()) {
            if (d.type == "CPU") continue;
            VulkanBackend::Options options;
            options.deviceIndex = vulkanDevice >= 0 ? vulkanDevice : d.index;
            if (auto vk = VulkanBackend::create(options, nullptr)) return vk;
            break;
        }
        return std::make_unique<CpuBackend>();
    }
    if (error) *error = "unknown backend '" + name + "' (use cpu, vulkan or auto)";
    return nullptr;
}

} // namespace llmlab
