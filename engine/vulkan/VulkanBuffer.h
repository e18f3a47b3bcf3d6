// A VkBuffer with its own memory: device-local (mapped too when the device's memory is unified)
// or a host-visible staging buffer.
#pragma once

#include "VulkanContext.h"

#include <cstdint>
#include <string>

namespace llmlab::vk {

class Buffer {
public:
    enum class Kind {
        Device,  ///< device-local storage buffer; host-mapped when the context is unified
        Staging, ///< host-visible, coherent; for copies to and from device buffers
    };

    /// `what` names the buffer in error messages ("tensor 'blk.0.attn_q' [64, 64]").
    /// Throws std::runtime_error when the size exceeds the device's storage buffer range or the
    /// allocation fails.
    Buffer(Context& ctx, std::uint64_t bytes, Kind kind, const std::string& what);
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    VkBuffer get() const { return m_buffer; }
    /// The bytes asked for (the buffer itself is at least 16 bytes, so empty tensors work).
    std::uint64_t size() const { return m_size; }
    /// Host pointer, or nullptr when the memory is not host-visible.
    void* mapped() const { return m_mapped; }

private:
    BufferHandle m_buffer;
    MemoryHandle m_memory;
    std::uint64_t m_size = 0;
    void* m_mapped = nullptr;
    VkDevice m_device = VK_NULL_HANDLE;
};

} // namespace llmlab::vk
