#include "VulkanCommon.h"

#include <cstdio>
#include <stdexcept>

namespace llmlab::vk {

const char* resultName(VkResult r) {
    switch (r) {
#define LLMLAB_VK_RESULT(x)                                                                        \
    case x:                                                                                        \
        return #x;
        LLMLAB_VK_RESULT(VK_SUCCESS)
        LLMLAB_VK_RESULT(VK_NOT_READY)
        LLMLAB_VK_RESULT(VK_TIMEOUT)
        LLMLAB_VK_RESULT(VK_INCOMPLETE)
        LLMLAB_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
        LLMLAB_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        LLMLAB_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
        LLMLAB_VK_RESULT(VK_ERROR_DEVICE_LOST)
        LLMLAB_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
        LLMLAB_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
        LLMLAB_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
        LLMLAB_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
        LLMLAB_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
        LLMLAB_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
        LLMLAB_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
        LLMLAB_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
        LLMLAB_VK_RESULT(VK_ERROR_UNKNOWN)
        LLMLAB_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
        LLMLAB_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
        LLMLAB_VK_RESULT(VK_ERROR_FRAGMENTATION)
        LLMLAB_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
#undef LLMLAB_VK_RESULT
    default:
        return "unknown VkResult";
    }
}

std::string formatBytes(std::uint64_t bytes) {
    // Binary units, as drivers report limits in them: 32768 -> "32 KiB", 2^27 -> "128 MiB".
    char text[64];
    const double b = double(bytes);
    if (bytes < 1024)
        std::snprintf(text, sizeof text, "%llu-byte", (unsigned long long)bytes);
    else if (b < 1024.0 * 1024)
        std::snprintf(text, sizeof text, "%.3g KiB", b / 1024);
    else if (b < 1024.0 * 1024 * 1024)
        std::snprintf(text, sizeof text, "%.3g MiB", b / 1048576);
    else
        std::snprintf(text, sizeof text, "%.3g GiB", b / 1073741824);
    return text;
}

std::string versionString(std::uint32_t v) {
    return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
           "." + std::to_string(VK_API_VERSION_PATCH(v));
}

void check(VkResult r, const char* call, const std::string& detail) {
    if (r == VK_SUCCESS) return;
    throw std::runtime_error(std::string("Vulkan: ") + call + " failed (" + resultName(r) + ")" +
                             (detail.empty() ? "" : " " + detail));
}

} // namespace llmlab::vk
