#include "VulkanExecutable.h"

#include <cstring>
#include <stdexcept>

namespace llmlab::vk {

namespace {

std::uint64_t nodeBytes(const Node& n) {
    return std::uint64_t(n.shape.numel()) * 4;
}

std::string describe(const Node& n) {
    return "tensor '" + n.name + "' " + n.shape.toString();
}

void memoryBarrier(VkCommandBuffer cmd, VkPipelineStageFlags srcStage, VkAccessFlags srcAccess,
                   VkPipelineStageFlags dstStage, VkAccessFlags dstAccess) {
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = srcAccess;
    barrier.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

} // namespace

VulkanExecutable::VulkanExecutable(std::shared_ptr<Context> ctx, PipelineCache& cache,
                                   const Graph& graph)
    : m_ctx(std::move(ctx)), m_graph(graph), m_config(KernelConfig::forDevice(m_ctx->limits())) {
    const auto& nodes = m_graph.nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].op == OpKind::Input || nodes[i].op == OpKind::Constant) continue;
        Step step;
        step.plan = planDispatch(m_graph, NodeId(i), m_config);
        step.pipeline = cache.get(step.plan.key);
        m_steps.push_back(std::move(step));
    }
    allocateBuffers();
    createDescriptorSets();
    record();
}

VulkanExecutable::~VulkanExecutable() {
    // run() always waits for its submission, so nothing of ours is in flight here.
    if (m_cmd) vkFreeCommandBuffers(m_ctx->device(), m_commandPool, 1, &m_cmd);
}

void VulkanExecutable::allocateBuffers() {
    const auto& nodes = m_graph.nodes();
    m_buffers.resize(nodes.size());
    m_staging.resize(nodes.size());
    m_inputValues.resize(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        m_buffers[i] =
            std::make_unique<Buffer>(*m_ctx, nodeBytes(n), Buffer::Kind::Device, describe(n));
        if (n.op == OpKind::Constant) {
            uploadConstant(NodeId(i));
            continue;
        }
        if (n.op == OpKind::Input) m_inputValues[i].assign(std::size_t(n.shape.numel()), 0.0f);
        const bool hostSide = n.op == OpKind::Input || n.captured;
        if (hostSide && !m_ctx->unifiedMemory())
            m_staging[i] = std::make_unique<Buffer>(*m_ctx, nodeBytes(n), Buffer::Kind::Staging,
                                                    "staging for " + describe(n));
        // Inputs start as zeros, as on the CPU backend.
        if (n.op == OpKind::Input) {
            Buffer& host = m_staging[i] ? *m_staging[i] : *m_buffers[i];
            std::memset(host.mapped(), 0, nodeBytes(n));
        }
    }
    m_ropeTables.resize(m_steps.size());
    for (std::size_t s = 0; s < m_steps.size(); ++s) {
        const Node& n = m_graph.node(m_steps[s].plan.bindings.back());
        if (n.op != OpKind::Rope) continue;
        const std::vector<float> table = ropeTurnTable(n.params);
        m_ropeTables[s] = std::make_unique<Buffer>(*m_ctx, table.size() * 4, Buffer::Kind::Device,
                                                   "RoPE table of " + describe(n));
        Buffer& dst = *m_ropeTables[s];
        if (dst.mapped()) {
            std::memcpy(dst.mapped(), table.data(), table.size() * 4);
            continue;
        }
        Buffer staging(*m_ctx, table.size() * 4, Buffer::Kind::Staging, "RoPE table staging");
        std::memcpy(staging.mapped(), table.data(), table.size() * 4);
        m_ctx->runOnce([&](VkCommandBuffer cmd) {
            VkBufferCopy region{0, 0, table.size() * 4};
            vkCmdCopyBuffer(cmd, staging.get(), dst.get(), 1, &region);
        });
    }
}

void VulkanExecutable::uploadConstant(NodeId id) {
    const Node& n = m_graph.node(id);
    const Tensor& t = n.constant;
    // F16/BF16 (and quantized, once a dequantizer is registered) weights are widened to F32 on
    // upload; the shaders read F32 only for now. I32 constants are copied as they are.
    std::vector<float> widened;
    const void* src = t.data();
    if (t.dtype() != DType::F32 && t.dtype() != DType::I32) {
        try {
            widened = t.toFloats();
        } catch (const std::exception& e) {
            throw std::runtime_error("Vulkan: cannot upload constant '" + n.name + "' (" +
                                     std::string(dtypeName(t.dtype())) + "): " + e.what());
        }
        src = widened.data();
    }
    const std::uint64_t bytes = nodeBytes(n);
    Buffer& dst = *m_buffers[std::size_t(id)];
    if (dst.mapped()) {
        std::memcpy(dst.mapped(), src, bytes);
        return;
    }
    Buffer staging(*m_ctx, bytes, Buffer::Kind::Staging, "staging for " + describe(n));
    std::memcpy(staging.mapped(), src, bytes);
    m_ctx->runOnce([&](VkCommandBuffer cmd) {
        VkBufferCopy region{0, 0, std::max<std::uint64_t>(bytes, 4)};
        vkCmdCopyBuffer(cmd, staging.get(), dst.get(), 1, &region);
        // The upload must be visible to the compute shaders of later submissions.
        memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    });
}

VkBuffer VulkanExecutable::bufferFor(NodeId binding, std::size_t step) const {
    if (binding == kRopeTableBinding) return m_ropeTables[step]->get();
    return m_buffers[std::size_t(binding)]->get();
}

void VulkanExecutable::createDescriptorSets() {
    if (m_steps.empty()) return;
    std::uint32_t descriptors = 0;
    for (const Step& s : m_steps) descriptors += s.plan.key.bindings;
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors};
    VkDescriptorPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    info.maxSets = std::uint32_t(m_steps.size());
    info.poolSizeCount = 1;
    info.pPoolSizes = &size;
    VkDescriptorPool pool;
    check(vkCreateDescriptorPool(m_ctx->device(), &info, nullptr, &pool), "vkCreateDescriptorPool");
    m_descriptorPool = DescriptorPool(m_ctx->device(), pool);

    for (std::size_t s = 0; s < m_steps.size(); ++s) {
        Step& step = m_steps[s];
        VkDescriptorSetLayout layout = step.pipeline->setLayout();
        VkDescriptorSetAllocateInfo alloc{};
        alloc.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
        alloc.descriptorPool = pool;
        alloc.descriptorSetCount = 1;
        alloc.pSetLayouts = &layout;
        check(vkAllocateDescriptorSets(m_ctx->device(), &alloc, &step.set),
              "vkAllocateDescriptorSets");
        const auto& bindings = step.plan.bindings;
        std::vector<VkDescriptorBufferInfo> infos(bindings.size());
        std::vector<VkWriteDescriptorSet> writes(bindings.size());
        for (std::size_t b = 0; b < bindings.size(); ++b) {
            infos[b] = {bufferFor(bindings[b], s), 0, VK_WHOLE_SIZE};
            writes[b] = {};
            writes[b].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
            writes[b].dstSet = step.set;
            writes[b].dstBinding = std::uint32_t(b);
            writes[b].descriptorCount = 1;
            writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
            writes[b].pBufferInfo = &infos[b];
        }
        vkUpdateDescriptorSets(m_ctx->device(), std::uint32_t(writes.size()), writes.data(), 0,
                               nullptr);
    }
}

void VulkanExecutable::record() {
    VkDevice device = m_ctx->device();
    VkCommandPoolCreateInfo poolInfo{};
    poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    poolInfo.queueFamilyIndex = m_ctx->queueFamily();
    VkCommandPool pool;
    check(vkCreateCommandPool(device, &poolInfo, nullptr, &pool), "vkCreateCommandPool");
    m_commandPool = CommandPool(device, pool);
    VkCommandBufferAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    alloc.commandPool = pool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(device, &alloc, &m_cmd), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fenceInfo{};
    fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    VkFence fence;
    check(vkCreateFence(device, &fenceInfo, nullptr, &fence), "vkCreateFence");
    m_fence = Fence(device, fence);

    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    check(vkBeginCommandBuffer(m_cmd, &begin), "vkBeginCommandBuffer");

    // The previous run of this command buffer (same queue) wrote and read the buffers this run
    // overwrites: order against it before anything else.
    memoryBarrier(m_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                      VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);

    const auto& nodes = m_graph.nodes();
    // Staged inputs: copy host values in, then make them visible to the shaders.
    bool copied = false;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].op != OpKind::Input || !m_staging[i] || nodes[i].shape.numel() == 0) continue;
        VkBufferCopy region{0, 0, nodeBytes(nodes[i])};
        vkCmdCopyBuffer(m_cmd, m_staging[i]->get(), m_buffers[i]->get(), 1, &region);
        copied = true;
    }
    if (copied)
        memoryBarrier(m_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);

    // Dispatches in graph order. A barrier goes in only when a step reads a buffer written
    // since the last barrier; every node has its own buffer, so there are no other hazards.
    std::vector<bool> written(nodes.size(), false);
    bool anyWritten = false;
    for (std::size_t s = 0; s < m_steps.size(); ++s) {
        const Step& step = m_steps[s];
        if (step.plan.empty) continue;
        bool hazard = false;
        for (NodeId b : step.plan.bindings)
            if (b >= 0 && written[std::size_t(b)]) hazard = true;
        if (hazard) {
            memoryBarrier(m_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
            std::fill(written.begin(), written.end(), false);
        }
        vkCmdBindPipeline(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, step.pipeline->pipeline());
        vkCmdBindDescriptorSets(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, step.pipeline->layout(), 0,
                                1, &step.set, 0, nullptr);
        if (!step.plan.push.empty())
            vkCmdPushConstants(m_cmd, step.pipeline->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                               std::uint32_t(step.plan.push.size()), step.plan.push.data());
        vkCmdDispatch(m_cmd, step.plan.groups[0], step.plan.groups[1], step.plan.groups[2]);
        written[std::size_t(step.plan.bindings.back())] = true;
        anyWritten = true;
    }

    if (m_ctx->unifiedMemory()) {
        // Captured nodes are read through the mapping after the fence.
        if (anyWritten)
            memoryBarrier(m_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                          VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    } else {
        // Captured results: shader writes -> copies into staging -> host reads.
        memoryBarrier(m_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            if (nodes[i].op == OpKind::Input || !m_staging[i] || nodes[i].shape.numel() == 0)
                continue;
            VkBufferCopy region{0, 0, nodeBytes(nodes[i])};
            vkCmdCopyBuffer(m_cmd, m_buffers[i]->get(), m_staging[i]->get(), 1, &region);
        }
        memoryBarrier(m_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    }
    check(vkEndCommandBuffer(m_cmd), "vkEndCommandBuffer");
}

void VulkanExecutable::writeInput(NodeId id, const void* data, std::size_t bytes, DType dtype) {
    if (id < 0 || std::size_t(id) >= m_graph.size())
        throw std::invalid_argument("unknown node " + std::to_string(id));
    const Node& n = m_graph.node(id);
    if (n.op != OpKind::Input || n.dtype != dtype)
        throw std::invalid_argument("node '" + n.name + "' is not an input of that type");
    if (std::int64_t(bytes / 4) != n.shape.numel())
        throw std::invalid_argument("input '" + n.name + "' expects " +
                                    std::to_string(n.shape.numel()) + " values");
    Buffer& host =
        m_staging[std::size_t(id)] ? *m_staging[std::size_t(id)] : *m_buffers[std::size_t(id)];
    std::memcpy(host.mapped(), data, bytes);
}

void VulkanExecutable::setInput(NodeId id, std::span<const float> values) {
    writeInput(id, values.data(), values.size_bytes(), DType::F32);
    m_inputValues[std::size_t(id)].assign(values.begin(), values.end());
}

void VulkanExecutable::setInput(NodeId id, std::span<const std::int32_t> values) {
    writeInput(id, values.data(), values.size_bytes(), DType::I32);
    m_inputValues[std::size_t(id)].assign(values.begin(), values.end());
}

void VulkanExecutable::run() {
    m_ctx->submitAndWait(m_cmd, m_fence);
}

std::vector<float> VulkanExecutable::read(NodeId id) const {
    const Node& n = m_graph.node(id);
    if (n.op == OpKind::Input) return m_inputValues[std::size_t(id)];
    if (!n.captured) throw std::logic_error("node '" + n.name + "' was not marked for capture");
    if (n.op == OpKind::Constant) return n.constant.toFloats();
    const Buffer& host =
        m_staging[std::size_t(id)] ? *m_staging[std::size_t(id)] : *m_buffers[std::size_t(id)];
    const auto* p = static_cast<const float*>(host.mapped());
    return std::vector<float>(p, p + n.shape.numel());
}

} // namespace llmlab::vk
