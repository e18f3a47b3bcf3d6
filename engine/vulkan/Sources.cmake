# Vulkan backend sources (relative to engine/).
list(APPEND LLMLAB_VULKAN_SOURCES
    vulkan/VulkanCommon.cpp
    vulkan/VulkanContext.cpp
    vulkan/VulkanBuffer.cpp
    vulkan/VulkanPipeline.cpp
    vulkan/VulkanOps.cpp
    vulkan/VulkanExecutable.cpp
    vulkan/VulkanDevices.cpp
    vulkan/VulkanBackend.cpp
)
