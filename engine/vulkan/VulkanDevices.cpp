// listVulkanDevices(): every physical device with the limits a person choosing one cares about.
#include "VulkanBackend.h"
#include "VulkanContext.h"

#include <algorithm>
#include <cstring>

namespace llmlab {

namespace {

bool hasDeviceExtension(VkPhysicalDevice device, const char* name) {
    std::uint32_t n = 0;
    if (vkEnumerateDeviceExtensionProperties(device, nullptr, &n, nullptr) != VK_SUCCESS)
        return false;
    std::vector<VkExtensionProperties> ext(n);
    vkEnumerateDeviceExtensionProperties(device, nullptr, &n, ext.data());
    return std::any_of(ext.begin(), ext.end(), [&](const VkExtensionProperties& e) {
        return std::strcmp(e.extensionName, name) == 0;
    });
}

const char* yesNo(bool b) {
    return b ? "yes" : "no";
}

DeviceInfo describe(VkPhysicalDevice device, int index) {
    VkPhysicalDeviceDriverProperties driver{};
    driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
    VkPhysicalDeviceSubgroupProperties subgroup{};
    subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    subgroup.pNext = &driver;
    VkPhysicalDeviceProperties2 props{};
    props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    props.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(device, &props);

    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    VkPhysicalDeviceVulkan11Features f11{};
    f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    f11.pNext = &f12;
    VkPhysicalDeviceFeatures2 features{};
    features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    features.pNext = &f11;
    const bool v12 = props.properties.apiVersion >= VK_API_VERSION_1_2;
    if (v12) vkGetPhysicalDeviceFeatures2(device, &features);

    VkPhysicalDeviceMemoryProperties memory;
    vkGetPhysicalDeviceMemoryProperties(device, &memory);
    std::uint64_t local = 0;
    for (std::uint32_t h = 0; h < memory.memoryHeapCount; ++h)
        if (memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            local = std::max<std::uint64_t>(local, memory.memoryHeaps[h].size);

    const VkPhysicalDeviceLimits& l = props.properties.limits;
    DeviceInfo info;
    info.backend = "vulkan";
    info.index = index;
    info.name = props.properties.deviceName;
    info.type = vk::deviceTypeName(props.properties.deviceType);
    info.driver = std::string(driver.driverName);
    if (driver.driverInfo[0]) info.driver += std::string(" ") + driver.driverInfo;
    info.apiVersion = vk::versionString(props.properties.apiVersion);
    info.memoryBytes = local;
    auto add = [&](const char* what, const std::string& value) {
        info.limits.emplace_back(what, value);
    };
    add("max workgroup invocations", std::to_string(l.maxComputeWorkGroupInvocations));
    add("max workgroup size", std::to_string(l.maxComputeWorkGroupSize[0]) + " x " +
                                  std::to_string(l.maxComputeWorkGroupSize[1]) + " x " +
                                  std::to_string(l.maxComputeWorkGroupSize[2]));
    add("max shared memory", vk::formatBytes(l.maxComputeSharedMemorySize));
    add("subgroup size", std::to_string(subgroup.subgroupSize));
    add("fp16 arithmetic", yesNo(v12 && f12.shaderFloat16));
    add("8-bit storage", yesNo(v12 && f12.storageBuffer8BitAccess));
    add("16-bit storage", yesNo(v12 && f11.storageBuffer16BitAccess));
    add("cooperative matrix", yesNo(hasDeviceExtension(device, "VK_KHR_cooperative_matrix") ||
                                    hasDeviceExtension(device, "VK_NV_cooperative_matrix")));
    add("max storage buffer range", vk::formatBytes(l.maxStorageBufferRange));
    if (!v12) add("usable", "no: llmlab needs Vulkan 1.2");
    return info;
}

} // namespace

std::vector<DeviceInfo> listVulkanDevices() {
    std::vector<DeviceInfo> out;
    try {
        vk::Instance instance(false);
        const auto devices = instance.physicalDevices();
        for (std::size_t i = 0; i < devices.size(); ++i)
            out.push_back(describe(devices[i], int(i)));
    } catch (const std::exception&) {
        // No loader, no driver or no device: an empty list, not an error.
    }
    return out;
}

} // namespace llmlab
