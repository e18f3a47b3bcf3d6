#include "BackendFactory.h"
#include "Cli.h"

#include <cstdio>

namespace llmlab::cli {

int devices(const Args&) {
    const auto list = listDevices();
    for (const DeviceInfo& d : list) {
        std::printf("%-7s %d  %s\n", d.backend.c_str(), d.index, d.name.c_str());
        std::printf("           type: %s, driver: %s", d.type.c_str(), d.driver.c_str());
        if (!d.apiVersion.empty()) std::printf(", Vulkan %s", d.apiVersion.c_str());
        std::printf(", memory: %.1f GiB\n", double(d.memoryBytes) / (1024.0 * 1024 * 1024));
        for (const auto& [key, value] : d.limits)
            std::printf("           %s: %s\n", key.c_str(), value.c_str());
    }
    bool anyVulkan = false;
    for (const DeviceInfo& d : list) anyVulkan = anyVulkan || d.backend == "vulkan";
    if (!anyVulkan) std::printf("vulkan     no device (no Vulkan loader or driver found)\n");
    return 0;
}

} // namespace llmlab::cli
