// A graph compiled for the Vulkan backend: intermediate values in a few arenas at offsets
// planned from their lifetimes, a buffer of its own for every input, constant, parameter,
// state and captured value (in-place ops share input 0's),
// constants and parameters uploaded once, states zeroed once, the whole graph recorded into one
// command buffer that run() resubmits. Parameters and states keep their values between runs.
#pragma once

#include "Backend.h"
#include "VulkanBuffer.h"
#include "VulkanOps.h"
#include "VulkanPipeline.h"

#include <memory>
#include <vector>

namespace llmlab::vk {

class VulkanExecutable : public Executable {
public:
    VulkanExecutable(std::shared_ptr<Context> ctx, PipelineCache& cache, const Graph& graph);
    ~VulkanExecutable() override;

    void setInput(NodeId id, std::span<const float> values) override;
    void setInput(NodeId id, std::span<const std::int32_t> values) override;
    void run() override;
    std::vector<float> read(NodeId id) const override;
    std::uint64_t bufferBytes() const override;

private:
    struct Step {
        DispatchPlan plan;
        std::shared_ptr<const ComputePipeline> pipeline;
        VkDescriptorSet set = VK_NULL_HANDLE;
    };

    void allocateBuffers();
    void uploadConstant(NodeId id);
    void createDescriptorSets();
    void record();
    void writeInput(NodeId id, const void* data, std::size_t bytes, DType dtype);
    void printGpuTimes() const;
    /// Where a binding's values are: a buffer of its own, or a range of an arena.
    struct Location {
        VkBuffer buffer = VK_NULL_HANDLE;
        VkDeviceSize offset = 0, range = VK_WHOLE_SIZE;
        std::int64_t space = 0; ///< for hazards: the own buffer's node, or -1 - arena
    };
    Location locate(NodeId binding, std::size_t step) const;
    VkBuffer bufferFor(NodeId binding, std::size_t step) const { return locate(binding, step).buffer; }
    /// The node whose buffer holds `id`'s values (itself, or input 0's for in-place ops).
    NodeId storageOf(NodeId id) const { return m_storage[std::size_t(id)]; }
    /// Parameter and state buffers (and in-place ops on them): kept between runs, so they are
    /// written and read on demand instead of through the per-run staging copies.
    bool isPersistent(NodeId id) const;
    void writeDevice(NodeId storage, const void* data, std::uint64_t bytes);
    std::vector<float> readDevice(NodeId storage, std::int64_t count) const;

    std::shared_ptr<Context> m_ctx;
    Graph m_graph; // a copy: constants are shared tensors, so no weights are copied
    KernelConfig m_config;
    std::vector<Step> m_steps;
    std::vector<NodeId> m_storage;                  ///< per node, see storageOf()
    std::vector<std::unique_ptr<Buffer>> m_buffers; ///< per node (device-local); null if aliased or in an arena
    /// Intermediate values share a few arenas (BufferPlan): a node's arena (-1: none), offset
    /// and slot size there.
    std::vector<std::unique_ptr<Buffer>> m_arenas;
    std::vector<int> m_arenaOf;
    std::vector<VkDeviceSize> m_offsetOf, m_slotOf;
    std::vector<std::unique_ptr<Buffer>> m_staging; ///< per input/captured node, when not unified
    std::vector<std::unique_ptr<Buffer>> m_ropeTables; ///< per step (null for non-rope steps)
    std::vector<std::vector<float>> m_inputValues;     ///< last values set, for read() of inputs
    DescriptorPool m_descriptorPool;
    CommandPool m_commandPool;
    VkCommandBuffer m_cmd = VK_NULL_HANDLE;
    Fence m_fence;
    /// LLMLAB_PROFILE=1 on a device with compute timestamps: two per dispatch (before, after),
    /// read after each run and printed per shader. Null otherwise.
    QueryPool m_timestamps;
    /// (dispatch node, value) reads of fused dispatches beyond the node's inputs.
    std::vector<std::pair<NodeId, NodeId>> m_extraReads;
    std::vector<std::size_t> m_timedSteps; ///< the step of each timestamp pair
};

} // namespace llmlab::vk
