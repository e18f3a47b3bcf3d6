// Small helpers shared by the Vulkan backend: readable errors and RAII owners for handles.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <utility>

namespace llmlab::vk {

/// "VK_ERROR_OUT_OF_DEVICE_MEMORY"
const char* resultName(VkResult r);
/// "3.2 GiB", "128 MiB", "512-byte"
std::string formatBytes(std::uint64_t bytes);
/// "1.3.230"
std::string versionString(std::uint32_t version);

/// Throws std::runtime_error("Vulkan: <call> failed (<result>)<detail>") unless r is VK_SUCCESS.
void check(VkResult r, const char* call, const std::string& detail = {});

/// Owns one handle made from a VkDevice; destroyed with `Destroy(device, handle, nullptr)`.
template <typename T, auto Destroy> class DeviceHandle {
public:
    DeviceHandle() = default;
    DeviceHandle(VkDevice device, T handle) : m_device(device), m_handle(handle) {}
    ~DeviceHandle() { reset(); }
    DeviceHandle(const DeviceHandle&) = delete;
    DeviceHandle& operator=(const DeviceHandle&) = delete;
    DeviceHandle(DeviceHandle&& o) noexcept
        : m_device(o.m_device), m_handle(std::exchange(o.m_handle, T(VK_NULL_HANDLE))) {}
    DeviceHandle& operator=(DeviceHandle&& o) noexcept {
        if (this != &o) {
            reset();
            m_device = o.m_device;
            m_handle = std::exchange(o.m_handle, T(VK_NULL_HANDLE));
        }
        return *this;
    }

    void reset() {
        if (m_handle != T(VK_NULL_HANDLE)) Destroy(m_device, m_handle, nullptr);
        m_handle = T(VK_NULL_HANDLE);
    }
    T get() const { return m_handle; }
    operator T() const { return m_handle; }

private:
    VkDevice m_device = VK_NULL_HANDLE;
    T m_handle = T(VK_NULL_HANDLE);
};

using ShaderModule = DeviceHandle<VkShaderModule, vkDestroyShaderModule>;
using DescriptorSetLayout = DeviceHandle<VkDescriptorSetLayout, vkDestroyDescriptorSetLayout>;
using PipelineLayout = DeviceHandle<VkPipelineLayout, vkDestroyPipelineLayout>;
using Pipeline = DeviceHandle<VkPipeline, vkDestroyPipeline>;
using DescriptorPool = DeviceHandle<VkDescriptorPool, vkDestroyDescriptorPool>;
using CommandPool = DeviceHandle<VkCommandPool, vkDestroyCommandPool>;
using Fence = DeviceHandle<VkFence, vkDestroyFence>;
using QueryPool = DeviceHandle<VkQueryPool, vkDestroyQueryPool>;
using BufferHandle = DeviceHandle<VkBuffer, vkDestroyBuffer>;
using MemoryHandle = DeviceHandle<VkDeviceMemory, vkFreeMemory>;

} // namespace llmlab::vk
