#include "VulkanBuffer.h"

#include <algorithm>
#include <stdexcept>

namespace llmlab::vk {

Buffer::Buffer(Context& ctx, std::uint64_t bytes, Kind kind, const std::string& what)
    : m_size(bytes), m_device(ctx.device()) {
    const std::uint64_t range = ctx.limits().maxStorageBufferRange;
    if (kind == Kind::Device && bytes > range)
        throw std::runtime_error(what + " needs a " + formatBytes(bytes) + " buffer, more than " +
                                 ctx.deviceName() + " allows for one storage buffer (" +
                                 formatBytes(range) + ", maxStorageBufferRange)");
    const std::uint64_t allocated = std::max<std::uint64_t>(bytes, 16);

    VkBufferCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.size = allocated;
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (kind == Kind::Device) info.usage |= VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkBuffer buffer;
    check(vkCreateBuffer(m_device, &info, nullptr, &buffer), "vkCreateBuffer",
          "for " + what + " (" + formatBytes(bytes) + ")");
    m_buffer = BufferHandle(m_device, buffer);

    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(m_device, buffer, &req);
    const VkMemoryPropertyFlags hostFlags =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    VkMemoryPropertyFlags required = 0, preferred = 0;
    if (kind == Kind::Staging) {
        required = hostFlags;
        preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT; // fast host reads of results
    } else if (ctx.unifiedMemory()) {
        required = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | hostFlags;
    } else {
        required = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    }
    VkMemoryAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = ctx.memoryType(req.memoryTypeBits, required, preferred);
    VkDeviceMemory memory;
    check(vkAllocateMemory(m_device, &alloc, nullptr, &memory), "vkAllocateMemory",
          "for a " + formatBytes(bytes) + " buffer (" + what + ")");
    m_memory = MemoryHandle(m_device, memory);
    check(vkBindBufferMemory(m_device, buffer, memory, 0), "vkBindBufferMemory");
    if (required & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
        check(vkMapMemory(m_device, memory, 0, VK_WHOLE_SIZE, 0, &m_mapped), "vkMapMemory",
              "for " + what);
}

Buffer::~Buffer() {
    if (m_mapped) vkUnmapMemory(m_device, m_memory);
    // The buffer goes before the memory bound to it (member order alone would free memory first).
    m_buffer.reset();
    m_memory.reset();
}

} // namespace llmlab::vk
