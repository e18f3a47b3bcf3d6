#include "VulkanContext.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace llmlab::vk {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL onDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT type,
                                              const VkDebugUtilsMessengerCallbackDataEXT* data,
                                              void* user) {
    // Errors always count; warnings only when they are about API misuse (validation type),
    // not performance hints.
    const bool error = severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    const bool validationWarning = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) &&
                                   (type & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT);
    if (!error && !validationWarning) return VK_FALSE;
    auto* log = static_cast<ValidationLog*>(user);
    std::lock_guard lock(log->mutex);
    ++log->errors;
    if (log->messages.size() < ValidationLog::kMaxMessages)
        log->messages.emplace_back(std::string(error ? "error: " : "warning: ") +
                                   (data && data->pMessage ? data->pMessage : "?"));
    return VK_FALSE;
}

bool hasLayer(const char* name) {
    std::uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkLayerProperties> layers(n);
    vkEnumerateInstanceLayerProperties(&n, layers.data());
    return std::any_of(layers.begin(), layers.end(), [&](const VkLayerProperties& l) {
        return std::strcmp(l.layerName, name) == 0;
    });
}

bool hasInstanceExtension(const char* name, const char* layer = nullptr) {
    std::uint32_t n = 0;
    if (vkEnumerateInstanceExtensionProperties(layer, &n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkExtensionProperties> ext(n);
    vkEnumerateInstanceExtensionProperties(layer, &n, ext.data());
    return std::any_of(ext.begin(), ext.end(), [&](const VkExtensionProperties& e) {
        return std::strcmp(e.extensionName, name) == 0;
    });
}

} // namespace

int deviceTypeRank(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 3;
    default:
        return 4;
    }
}

const char* deviceTypeName(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

Instance::Instance(bool validation) {
    std::uint32_t loaderVersion = VK_API_VERSION_1_0;
    vkEnumerateInstanceVersion(&loaderVersion);
    if (loaderVersion < VK_API_VERSION_1_2)
        throw std::runtime_error("Vulkan: the loader supports only Vulkan " +
                                 versionString(loaderVersion) + "; llmlab needs 1.2 or newer");

    std::vector<const char*> layers, extensions;
    bool debugUtils = false;
    if (validation) {
        if (hasLayer(kValidationLayer)) {
            layers.push_back(kValidationLayer);
            debugUtils = hasInstanceExtension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
                         hasInstanceExtension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME, kValidationLayer);
            if (debugUtils)
                extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
            else
                std::fprintf(stderr,
                             "llmlab: Vulkan validation requested but %s is missing; "
                             "validation messages will not be counted\n",
                             VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        } else {
            std::fprintf(stderr,
                         "llmlab: Vulkan validation requested but %s is not installed; "
                         "running without it\n",
                         kValidationLayer);
        }
    }

    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "llmlab";
    app.pEngineName = "llmlab";
    app.apiVersion = VK_API_VERSION_1_2;

    VkDebugUtilsMessengerCreateInfoEXT messengerInfo{};
    messengerInfo.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
    messengerInfo.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                    VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    messengerInfo.pfnUserCallback = onDebugMessage;
    messengerInfo.pUserData = m_log.get();

    VkInstanceCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    info.pApplicationInfo = &app;
    info.enabledLayerCount = std::uint32_t(layers.size());
    info.ppEnabledLayerNames = layers.data();
    info.enabledExtensionCount = std::uint32_t(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();
    if (debugUtils) info.pNext = &messengerInfo; // also catches instance creation messages
    const VkResult created = vkCreateInstance(&info, nullptr, &m_instance);
    check(created, "vkCreateInstance",
          created == VK_ERROR_INCOMPATIBLE_DRIVER ? "(no Vulkan driver is installed)" : "");

    if (debugUtils) {
        auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(m_instance, "vkCreateDebugUtilsMessengerEXT"));
        if (!create || create(m_instance, &messengerInfo, nullptr, &m_messenger) != VK_SUCCESS) {
            m_messenger = VK_NULL_HANDLE;
            std::fprintf(stderr, "llmlab: could not create the Vulkan debug messenger\n");
        }
    }
}

Instance::~Instance() {
    if (m_messenger) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(m_instance, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy) destroy(m_instance, m_messenger, nullptr);
    }
    if (m_instance) vkDestroyInstance(m_instance, nullptr);
}

std::vector<VkPhysicalDevice> Instance::physicalDevices() const {
    std::uint32_t n = 0;
    check(vkEnumeratePhysicalDevices(m_instance, &n, nullptr), "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> devices(n);
    check(vkEnumeratePhysicalDevices(m_instance, &n, devices.data()), "vkEnumeratePhysicalDevices");
    devices.resize(n);
    return devices;
}

Context::Context(int deviceIndex, bool validation, bool forceStaging)
    : m_instance(std::make_unique<Instance>(validation)) {
    const std::vector<VkPhysicalDevice> devices = m_instance->physicalDevices();
    if (devices.empty()) throw std::runtime_error("Vulkan: no physical device found");

    if (deviceIndex < 0) {
        if (const char* env = std::getenv("LLMLAB_VULKAN_DEVICE"); env && *env) {
            char* end = nullptr;
            const long v = std::strtol(env, &end, 10);
            if (*end != '\0' || v < 0)
                throw std::runtime_error("LLMLAB_VULKAN_DEVICE='" + std::string(env) +
                                         "' is not a device index");
            deviceIndex = int(v);
        }
    }
    if (deviceIndex >= int(devices.size()))
        throw std::runtime_error("Vulkan: device " + std::to_string(deviceIndex) +
                                 " requested, but there are only " +
                                 std::to_string(devices.size()) + " Vulkan devices");
    if (deviceIndex < 0) {
        int bestRank = 1 << 30;
        for (std::size_t i = 0; i < devices.size(); ++i) {
            VkPhysicalDeviceProperties p;
            vkGetPhysicalDeviceProperties(devices[i], &p);
            if (p.apiVersion < VK_API_VERSION_1_2) continue;
            if (deviceTypeRank(p.deviceType) < bestRank) {
                bestRank = deviceTypeRank(p.deviceType);
                deviceIndex = int(i);
            }
        }
        if (deviceIndex < 0)
            throw std::runtime_error("Vulkan: no device supports Vulkan 1.2 (llmlab needs it)");
    }
    m_physical = devices[std::size_t(deviceIndex)];
    vkGetPhysicalDeviceProperties(m_physical, &m_properties);
    vkGetPhysicalDeviceMemoryProperties(m_physical, &m_memory);
    {
        VkPhysicalDeviceSubgroupProperties subgroup{};
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
        VkPhysicalDeviceProperties2 props{};
        props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
        props.pNext = &subgroup;
        vkGetPhysicalDeviceProperties2(m_physical, &props);
        m_subgroupSize = std::max(1u, subgroup.subgroupSize);
        m_subgroupArithmetic =
            (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    }
    if (m_properties.apiVersion < VK_API_VERSION_1_2)
        throw std::runtime_error(std::string("Vulkan: ") + m_properties.deviceName +
                                 " supports only Vulkan " + versionString(m_properties.apiVersion) +
                                 "; llmlab needs 1.2");

    // A queue family with compute; one without graphics first (a dedicated compute queue).
    std::uint32_t nf = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(m_physical, &nf, nullptr);
    std::vector<VkQueueFamilyProperties> families(nf);
    vkGetPhysicalDeviceQueueFamilyProperties(m_physical, &nf, families.data());
    int family = -1;
    for (std::uint32_t i = 0; i < nf; ++i) {
        if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
        const bool dedicated = !(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT);
        if (family < 0 || dedicated) family = int(i);
        if (dedicated) break;
    }
    if (family < 0)
        throw std::runtime_error(std::string("Vulkan: ") + m_properties.deviceName +
                                 " has no compute queue");
    m_queueFamily = std::uint32_t(family);

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queueInfo{};
    queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    queueInfo.queueFamilyIndex = m_queueFamily;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    VkDeviceCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queueInfo;
    check(vkCreateDevice(m_physical, &info, nullptr, &m_device), "vkCreateDevice",
          std::string("for ") + m_properties.deviceName);
    vkGetDeviceQueue(m_device, m_queueFamily, 0, &m_queue);

    // Unified when the biggest device-local heap has a host-visible, coherent type (a small
    // 256 MB BAR window on a discrete GPU does not count).
    std::uint64_t biggestLocal = 0;
    for (std::uint32_t h = 0; h < m_memory.memoryHeapCount; ++h)
        if (m_memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            biggestLocal = std::max<std::uint64_t>(biggestLocal, m_memory.memoryHeaps[h].size);
    const VkMemoryPropertyFlags mappable = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                           VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                           VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (std::uint32_t t = 0; t < m_memory.memoryTypeCount; ++t) {
        const VkMemoryType& type = m_memory.memoryTypes[t];
        if ((type.propertyFlags & mappable) == mappable &&
            m_memory.memoryHeaps[type.heapIndex].size >= biggestLocal)
            m_unifiedMemory = true;
    }
    if (forceStaging) m_unifiedMemory = false;

    VkCommandPoolCreateInfo poolInfo{};
    poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    poolInfo.queueFamilyIndex = m_queueFamily;
    VkCommandPool pool;
    check(vkCreateCommandPool(m_device, &poolInfo, nullptr, &pool), "vkCreateCommandPool");
    m_oncePool = CommandPool(m_device, pool);
}

Context::~Context() {
    if (m_device) vkDeviceWaitIdle(m_device);
    m_oncePool.reset();
    if (m_device) vkDestroyDevice(m_device, nullptr);
}

std::uint32_t Context::memoryType(std::uint32_t typeBits, VkMemoryPropertyFlags required,
                                  VkMemoryPropertyFlags preferred) const {
    for (int pass = 0; pass < 2; ++pass) {
        const VkMemoryPropertyFlags want = pass == 0 ? required | preferred : required;
        for (std::uint32_t t = 0; t < m_memory.memoryTypeCount; ++t)
            if ((typeBits & (1u << t)) && (m_memory.memoryTypes[t].propertyFlags & want) == want)
                return t;
    }
    throw std::runtime_error(std::string("Vulkan: ") + m_properties.deviceName +
                             " has no memory type with the properties a buffer needs");
}

void Context::submitAndWait(VkCommandBuffer cmd, VkFence fence) {
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &cmd;
    {
        std::lock_guard lock(m_queueMutex);
        check(vkQueueSubmit(m_queue, 1, &submit, fence), "vkQueueSubmit");
    }
    check(vkWaitForFences(m_device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    check(vkResetFences(m_device, 1, &fence), "vkResetFences");
}

VkCommandBuffer Context::beginOnce() {
    VkCommandBufferAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    alloc.commandPool = m_oncePool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    VkCommandBuffer cmd;
    check(vkAllocateCommandBuffers(m_device, &alloc, &cmd), "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd, &begin);
    return cmd;
}

void Context::endOnce(VkCommandBuffer cmd) {
    VkFenceCreateInfo fenceInfo{};
    fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    VkFence f;
    check(vkCreateFence(m_device, &fenceInfo, nullptr, &f), "vkCreateFence");
    Fence fence(m_device, f);
    VkResult r = vkEndCommandBuffer(cmd);
    if (r == VK_SUCCESS) {
        try {
            submitAndWait(cmd, fence);
        } catch (...) {
            vkFreeCommandBuffers(m_device, m_oncePool, 1, &cmd);
            throw;
        }
    }
    vkFreeCommandBuffers(m_device, m_oncePool, 1, &cmd);
    check(r, "vkEndCommandBuffer");
}

} // namespace llmlab::vk
