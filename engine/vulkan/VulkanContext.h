// One Vulkan instance + logical device + compute queue, with the validation messenger.
// Shared (shared_ptr) by the backend and every executable it made, so either may outlive the other.
#pragma once

#include "VulkanCommon.h"

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace llmlab::vk {

/// Validation messages counted by the debug messenger (errors and validation warnings).
struct ValidationLog {
    mutable std::mutex mutex;
    std::size_t errors = 0;
    std::vector<std::string> messages; ///< the first kMaxMessages
    static constexpr std::size_t kMaxMessages = 300;
};

/// Owns a VkInstance (and the debug messenger when validation is on).
class Instance {
public:
    /// Throws std::runtime_error when there is no loader/driver or instance creation fails.
    /// When validation is requested but the layer is absent, says so on stderr and goes on.
    explicit Instance(bool validation);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance get() const { return m_instance; }
    std::vector<VkPhysicalDevice> physicalDevices() const;
    bool validationEnabled() const { return m_messenger != VK_NULL_HANDLE; }
    ValidationLog& log() { return *m_log; }
    const ValidationLog& log() const { return *m_log; }

private:
    VkInstance m_instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT m_messenger = VK_NULL_HANDLE;
    std::unique_ptr<ValidationLog> m_log = std::make_unique<ValidationLog>();
};

class Context {
public:
    /// deviceIndex < 0: env LLMLAB_VULKAN_DEVICE, else discrete, integrated, virtual, CPU.
    Context(int deviceIndex, bool validation, bool forceStaging = false);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    VkDevice device() const { return m_device; }
    VkPhysicalDevice physicalDevice() const { return m_physical; }
    const VkPhysicalDeviceProperties& properties() const { return m_properties; }
    const VkPhysicalDeviceLimits& limits() const { return m_properties.limits; }
    std::uint32_t queueFamily() const { return m_queueFamily; }
    std::string deviceName() const { return m_properties.deviceName; }
    /// The subgroup size the device reports, and whether compute shaders have subgroupAdd & co
    /// (the block matrix-vector shader needs them; without, the per-value one runs).
    std::uint32_t subgroupSize() const { return m_subgroupSize; }
    bool subgroupArithmetic() const { return m_subgroupArithmetic; }
    Instance& instance() { return *m_instance; }
    const Instance& instance() const { return *m_instance; }

    /// True when device-local memory is host-visible too (lavapipe, integrated GPUs, ReBAR):
    /// node buffers are then mapped directly and no staging copies are recorded.
    bool unifiedMemory() const { return m_unifiedMemory; }
    /// A memory type index with all `required` flags (and `preferred` where possible), or throws.
    std::uint32_t memoryType(std::uint32_t typeBits, VkMemoryPropertyFlags required,
                             VkMemoryPropertyFlags preferred = 0) const;

    /// Submits one command buffer and waits for it (the queue is shared: submissions serialise).
    void submitAndWait(VkCommandBuffer cmd, VkFence fence);
    /// Records and runs a one-time command buffer (used for constant uploads).
    template <typename Record> void runOnce(Record&& record);

private:
    VkCommandBuffer beginOnce();
    void endOnce(VkCommandBuffer cmd);

    std::unique_ptr<Instance> m_instance;
    VkPhysicalDevice m_physical = VK_NULL_HANDLE;
    VkPhysicalDeviceProperties m_properties{};
    VkPhysicalDeviceMemoryProperties m_memory{};
    VkDevice m_device = VK_NULL_HANDLE;
    VkQueue m_queue = VK_NULL_HANDLE;
    std::uint32_t m_queueFamily = 0;
    bool m_unifiedMemory = false;
    std::uint32_t m_subgroupSize = 1;
    bool m_subgroupArithmetic = false;
    std::mutex m_queueMutex;
    std::mutex m_onceMutex; // the one-time command pool is used by one thread at a time
    CommandPool m_oncePool;
};

template <typename Record> void Context::runOnce(Record&& record) {
    std::lock_guard lock(m_onceMutex);
    VkCommandBuffer cmd = beginOnce();
    try {
        record(cmd);
    } catch (...) {
        vkFreeCommandBuffers(m_device, m_oncePool, 1, &cmd);
        throw;
    }
    endOnce(cmd);
}

/// Order in which device types are preferred: discrete, integrated, virtual, CPU, other.
int deviceTypeRank(VkPhysicalDeviceType type);
/// "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other"
const char* deviceTypeName(VkPhysicalDeviceType type);

} // namespace llmlab::vk
