#include "VulkanExecutable.h"

#include "BufferPlan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <stdexcept>

namespace llmlab::vk {

namespace {

std::uint64_t nodeBytes(const Node& n) {
    return std::uint64_t(n.shape.numel()) * 4;
}

// A constant kept packed takes its stored bytes, rounded up to whole 32-bit words (the shaders
// read it as uints).
std::uint64_t packedBytes(const Node& n) {
    return (std::uint64_t(n.constant.byteSize()) + 3) / 4 * 4;
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

bool profiling() {
    static const bool on = std::getenv("LLMLAB_PROFILE") != nullptr;
    return on;
}

// Compute queues can write timestamps: the device says so for all queues, or the queue
// family has valid timestamp bits.
bool timestampsWork(const Context& ctx) {
    if (ctx.limits().timestampPeriod <= 0) return false;
    std::uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(ctx.physicalDevice(), &n, nullptr);
    std::vector<VkQueueFamilyProperties> families(n);
    vkGetPhysicalDeviceQueueFamilyProperties(ctx.physicalDevice(), &n, families.data());
    return ctx.queueFamily() < n && families[ctx.queueFamily()].timestampValidBits > 0;
}

} // namespace

VulkanExecutable::VulkanExecutable(std::shared_ptr<Context> ctx, PipelineCache& cache,
                                   const Graph& graph)
    : m_ctx(std::move(ctx)), m_graph(graph), m_config(KernelConfig::forDevice(m_ctx->limits())) {
    // LLMLAB_VULKAN_SUBGROUPS=0 runs the shaders that need no subgroup operations (the
    // fallback of devices without them: tested and measured on one that has them).
    const char* subgroups = std::getenv("LLMLAB_VULKAN_SUBGROUPS");
    m_config.subgroupArithmetic =
        m_ctx->subgroupArithmetic() && !(subgroups && std::string(subgroups) == "0");
    m_config.subgroupSize = m_ctx->subgroupSize();
    // Attention nobody reads but through its output runs as one flash-attention dispatch
    // (LLMLAB_VULKAN_FLASH=0: as three, to compare).
    const char* flash = std::getenv("LLMLAB_VULKAN_FLASH");
    std::vector<NodeId> fusedValues;
    if (!(flash && std::string(flash) == "0")) fusedValues = fusableAttention(m_graph);
    std::vector<bool> fused(m_graph.size(), false), skipped(m_graph.size(), false);
    for (NodeId v : fusedValues) {
        fused[std::size_t(v)] = true;
        skipped[std::size_t(v) - 1] = skipped[std::size_t(v) - 2] = true;
        // q, k and the mask are read at the values node now: keep them alive until there.
        const Node& probs = m_graph.node(v - 1);
        const Node& scores = m_graph.node(v - 2);
        m_extraReads.push_back({v, scores.inputs[0]});
        m_extraReads.push_back({v, scores.inputs[1]});
        if (probs.inputs.size() > 1) m_extraReads.push_back({v, probs.inputs[1]});
    }
    const auto& nodes = m_graph.nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const OpKind op = nodes[i].op;
        if (op == OpKind::Input || op == OpKind::Constant || op == OpKind::Parameter ||
            op == OpKind::State)
            continue;
        Step step;
        step.plan = fused[i] ? planFlashAttention(m_graph, NodeId(i), m_config)
                             : planDispatch(m_graph, NodeId(i), m_config);
        if (skipped[i]) step.plan.empty = true; // computed inside the flash-attention dispatch
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
    m_storage.resize(nodes.size());
    m_buffers.resize(nodes.size());
    m_staging.resize(nodes.size());
    m_inputValues.resize(nodes.size());
    // Intermediates in arenas, each no larger than one storage buffer binding may be; offsets
    // aligned as descriptors need them.
    const VkPhysicalDeviceLimits& limits = m_ctx->limits();
    const std::int64_t align = std::max<std::int64_t>(16, std::int64_t(limits.minStorageBufferOffsetAlignment));
    const BufferPlan plan = planBuffers(m_graph, align, 16, std::int64_t(limits.maxStorageBufferRange) / align * align,
                                        m_extraReads);
    for (std::size_t a = 0; a < plan.arenaBytes.size(); ++a)
        m_arenas.push_back(std::make_unique<Buffer>(*m_ctx, std::uint64_t(plan.arenaBytes[a]), Buffer::Kind::Device,
                                                    "arena " + std::to_string(a) + " of intermediate values"));
    m_arenaOf = plan.arena;
    m_offsetOf.assign(nodes.size(), 0);
    m_slotOf.assign(nodes.size(), 0);
    std::vector<NodeId> states;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        if (n.outputAliasesInput0) { // in place: no buffer of its own
            m_storage[i] = storageOf(n.inputs.at(0));
            continue;
        }
        m_storage[i] = NodeId(i);
        if (m_arenaOf[i] >= 0) {
            m_offsetOf[i] = VkDeviceSize(plan.offset[i]);
            m_slotOf[i] = std::max<VkDeviceSize>(16, (nodeBytes(n) + 15) / 16 * 16);
            continue;
        }
        const bool packed = keepsPacked(m_graph, NodeId(i));
        m_buffers[i] = std::make_unique<Buffer>(*m_ctx, packed ? packedBytes(n) : nodeBytes(n),
                                                Buffer::Kind::Device, describe(n));
        if (n.op == OpKind::Constant || n.op == OpKind::Parameter) {
            uploadConstant(NodeId(i)); // a parameter's initial value
            continue;
        }
        if (n.op == OpKind::State) {
            states.push_back(NodeId(i));
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
    // States start as zeros, as on the CPU backend.
    std::vector<NodeId> unmappedStates;
    for (NodeId id : states) {
        Buffer& b = *m_buffers[std::size_t(id)];
        if (b.mapped())
            std::memset(b.mapped(), 0, nodeBytes(m_graph.node(id)));
        else
            unmappedStates.push_back(id);
    }
    if (!unmappedStates.empty())
        m_ctx->runOnce([&](VkCommandBuffer cmd) {
            for (NodeId id : unmappedStates)
                vkCmdFillBuffer(cmd, m_buffers[std::size_t(id)]->get(), 0, VK_WHOLE_SIZE, 0);
            // The zeros must be visible to the shaders of later submissions, which read and
            // write the states.
            memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                          VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        });

    m_ropeTables.resize(m_steps.size());
    for (std::size_t s = 0; s < m_steps.size(); ++s) {
        const Node& n = m_graph.node(m_steps[s].plan.node);
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
    // Weights whose readers all take them packed go up as stored (a Q4_K model stays Q4_K);
    // other F16/BF16/quantized constants are widened to F32. I32 constants are copied as is.
    std::vector<float> widened;
    std::vector<std::uint8_t> padded;
    const void* src = t.data();
    const bool packed = keepsPacked(m_graph, id);
    std::uint64_t bytes = nodeBytes(n);
    if (packed) {
        bytes = packedBytes(n);
        if (bytes != std::uint64_t(t.byteSize())) { // a partial last word: copy, zero-padded
            padded.assign(std::size_t(bytes), 0);
            std::memcpy(padded.data(), t.data(), std::size_t(t.byteSize()));
            src = padded.data();
        }
    } else if (t.dtype() != DType::F32 && t.dtype() != DType::I32) {
        try {
            widened = t.toFloats();
        } catch (const std::exception& e) {
            throw std::runtime_error("Vulkan: cannot upload constant '" + n.name + "' (" +
                                     std::string(dtypeName(t.dtype())) + "): " + e.what());
        }
        src = widened.data();
    }
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
        // The upload must be visible to the compute shaders of later submissions (which also
        // write parameters, in AdamW).
        memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    });
}

bool VulkanExecutable::isPersistent(NodeId id) const {
    const OpKind op = m_graph.node(storageOf(id)).op;
    return op == OpKind::Parameter || op == OpKind::State;
}

void VulkanExecutable::writeDevice(NodeId storage, const void* data, std::uint64_t bytes) {
    Buffer& dst = *m_buffers[std::size_t(storage)];
    if (dst.mapped()) { // no run is in flight (run() waits), so the host may write directly
        std::memcpy(dst.mapped(), data, bytes);
        return;
    }
    if (bytes == 0) return;
    Buffer staging(*m_ctx, bytes, Buffer::Kind::Staging,
                   "staging for " + describe(m_graph.node(storage)));
    std::memcpy(staging.mapped(), data, bytes);
    m_ctx->runOnce([&](VkCommandBuffer cmd) {
        // The copy overwrites what earlier runs' shaders read and wrote.
        memoryBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
        VkBufferCopy region{0, 0, bytes};
        vkCmdCopyBuffer(cmd, staging.get(), dst.get(), 1, &region);
        // ... and later runs' shaders read and write what it wrote.
        memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    });
}

std::vector<float> VulkanExecutable::readDevice(NodeId storage, std::int64_t count) const {
    std::vector<float> values(std::size_t(std::max<std::int64_t>(count, 0)));
    const std::uint64_t bytes = values.size() * 4;
    const Buffer& src = *m_buffers[std::size_t(storage)];
    if (src.mapped()) { // run() ends with a barrier making shader writes visible to the host
        std::memcpy(values.data(), src.mapped(), bytes);
        return values;
    }
    if (bytes == 0) return values;
    Buffer staging(*m_ctx, bytes, Buffer::Kind::Staging,
                   "staging for " + describe(m_graph.node(storage)));
    m_ctx->runOnce([&](VkCommandBuffer cmd) {
        // Shader writes of earlier runs (and uploads) -> this copy -> the host reads staging.
        memoryBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
        VkBufferCopy region{0, 0, bytes};
        vkCmdCopyBuffer(cmd, src.get(), staging.get(), 1, &region);
        memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    });
    std::memcpy(values.data(), staging.mapped(), bytes);
    return values;
}

VulkanExecutable::Location VulkanExecutable::locate(NodeId binding, std::size_t step) const {
    if (binding == kRopeTableBinding) return {m_ropeTables[step]->get(), 0, VK_WHOLE_SIZE, -2 - std::int64_t(m_arenas.size()) - std::int64_t(step)};
    const std::size_t s = std::size_t(storageOf(binding));
    if (m_arenaOf[s] >= 0)
        return {m_arenas[std::size_t(m_arenaOf[s])]->get(), m_offsetOf[s], m_slotOf[s], -1 - m_arenaOf[s]};
    return {m_buffers[s]->get(), 0, VK_WHOLE_SIZE, std::int64_t(s)};
}

std::uint64_t VulkanExecutable::bufferBytes() const {
    std::uint64_t bytes = 0;
    for (const auto& b : m_arenas) bytes += b->size();
    for (const auto& b : m_buffers)
        if (b) bytes += b->size();
    return bytes;
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
            const Location at = locate(bindings[b], s);
            infos[b] = {at.buffer, at.offset, at.range};
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

    std::uint32_t dispatches = 0;
    for (const Step& step : m_steps) dispatches += step.plan.empty ? 0 : 1;
    if (profiling() && dispatches > 0 && timestampsWork(*m_ctx)) {
        VkQueryPoolCreateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
        info.queryType = VK_QUERY_TYPE_TIMESTAMP;
        info.queryCount = 2 * dispatches;
        VkQueryPool queries;
        check(vkCreateQueryPool(device, &info, nullptr, &queries), "vkCreateQueryPool");
        m_timestamps = QueryPool(device, queries);
        vkCmdResetQueryPool(m_cmd, queries, 0, info.queryCount);
    }

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

    // Dispatches in graph order, tracked per memory range (a buffer of its own, or a slot of an
    // arena, which later values reuse). A barrier goes in when a step reads or writes a range
    // written since the last barrier (RAW, WAW), or writes one read since then (WAR: an in-place
    // update after the reads of the old value, or a value taking a dead one's slot).
    struct Range {
        std::int64_t space;
        VkDeviceSize lo, hi;
        bool overlaps(const Range& o) const { return space == o.space && lo < o.hi && o.lo < hi; }
    };
    auto rangeOf = [&](NodeId b, std::size_t s) {
        const Location at = locate(b, s);
        return at.space < 0 && b != kRopeTableBinding ? Range{at.space, at.offset, at.offset + at.range}
                                                      : Range{at.space, 0, 1};
    };
    auto hits = [](const std::vector<Range>& set, const Range& r) {
        return std::any_of(set.begin(), set.end(), [&](const Range& x) { return x.overlaps(r); });
    };
    std::vector<Range> written, read;
    bool anyWritten = false;
    for (std::size_t s = 0; s < m_steps.size(); ++s) {
        const Step& step = m_steps[s];
        if (step.plan.empty) continue;
        bool hazard = false;
        for (NodeId b : step.plan.bindings)
            if (b >= 0 && hits(written, rangeOf(b, s))) hazard = true;
        for (NodeId w : step.plan.writes) {
            const Range r = rangeOf(w, s);
            if (hits(written, r) || hits(read, r)) hazard = true;
        }
        if (hazard) {
            // Earlier dispatches' writes (and reads, by the execution dependency) before this
            // one's reads and writes.
            memoryBarrier(m_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                          VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
            written.clear();
            read.clear();
        }
        vkCmdBindPipeline(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, step.pipeline->pipeline());
        vkCmdBindDescriptorSets(m_cmd, VK_PIPELINE_BIND_POINT_COMPUTE, step.pipeline->layout(), 0,
                                1, &step.set, 0, nullptr);
        if (!step.plan.push.empty())
            vkCmdPushConstants(m_cmd, step.pipeline->layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                               std::uint32_t(step.plan.push.size()), step.plan.push.data());
        const auto query = std::uint32_t(2 * m_timedSteps.size());
        if (m_timestamps.get() != VK_NULL_HANDLE) {
            vkCmdWriteTimestamp(m_cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, m_timestamps.get(), query);
            m_timedSteps.push_back(s);
        }
        vkCmdDispatch(m_cmd, step.plan.groups[0], step.plan.groups[1], step.plan.groups[2]);
        if (m_timestamps.get() != VK_NULL_HANDLE)
            vkCmdWriteTimestamp(m_cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, m_timestamps.get(),
                                query + 1);
        for (NodeId b : step.plan.bindings)
            if (b >= 0) read.push_back(rangeOf(b, s));
        for (NodeId w : step.plan.writes) written.push_back(rangeOf(w, s));
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
            vkCmdCopyBuffer(m_cmd, bufferFor(NodeId(i), 0), m_staging[i]->get(), 1, &region);
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
    const bool persistent = n.op == OpKind::Parameter || n.op == OpKind::State;
    if ((n.op != OpKind::Input && !persistent) || n.dtype != dtype)
        throw std::invalid_argument("node '" + n.name + "' is not an input of that type");
    if (std::int64_t(bytes / 4) != n.shape.numel())
        throw std::invalid_argument("input '" + n.name + "' expects " +
                                    std::to_string(n.shape.numel()) + " values");
    if (persistent) { // written once now, not copied in again by every run
        writeDevice(id, data, bytes);
        return;
    }
    Buffer& host =
        m_staging[std::size_t(id)] ? *m_staging[std::size_t(id)] : *m_buffers[std::size_t(id)];
    std::memcpy(host.mapped(), data, bytes);
}

void VulkanExecutable::setInput(NodeId id, std::span<const float> values) {
    writeInput(id, values.data(), values.size_bytes(), DType::F32);
    if (m_graph.node(id).op == OpKind::Input)
        m_inputValues[std::size_t(id)].assign(values.begin(), values.end());
}

void VulkanExecutable::setInput(NodeId id, std::span<const std::int32_t> values) {
    writeInput(id, values.data(), values.size_bytes(), DType::I32);
    m_inputValues[std::size_t(id)].assign(values.begin(), values.end());
}

void VulkanExecutable::run() {
    m_ctx->submitAndWait(m_cmd, m_fence);
    if (m_timestamps.get() != VK_NULL_HANDLE) printGpuTimes();
}

// Device time per shader for the run just finished (LLMLAB_PROFILE=1), slowest first.
void VulkanExecutable::printGpuTimes() const {
    std::vector<std::uint64_t> ticks(2 * m_timedSteps.size());
    check(vkGetQueryPoolResults(m_ctx->device(), m_timestamps.get(), 0,
                                std::uint32_t(ticks.size()), ticks.size() * sizeof(std::uint64_t),
                                ticks.data(), sizeof(std::uint64_t),
                                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
          "vkGetQueryPoolResults");
    const double nsPerTick = m_ctx->limits().timestampPeriod;
    std::map<std::string, std::pair<double, int>> byShader; // ms, dispatches
    double total = 0;
    for (std::size_t i = 0; i < m_timedSteps.size(); ++i) {
        const double ms =
            double(ticks[2 * i + 1] - std::min(ticks[2 * i + 1], ticks[2 * i])) * nsPerTick * 1e-6;
        auto& entry = byShader[m_steps[m_timedSteps[i]].plan.key.shader];
        entry.first += ms;
        entry.second += 1;
        total += ms;
    }
    std::vector<std::pair<std::string, std::pair<double, int>>> rows(byShader.begin(),
                                                                      byShader.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    std::fprintf(stderr, "GPU time per shader (%s, timestamps):\n", m_ctx->deviceName().c_str());
    for (const auto& [shader, t] : rows)
        std::fprintf(stderr, "  %-26s %9.3f ms  %4d dispatch%s\n", shader.c_str(), t.first,
                     t.second, t.second == 1 ? "" : "es");
    std::fprintf(stderr, "  %-26s %9.3f ms\n", "total", total);
}

std::vector<float> VulkanExecutable::read(NodeId id) const {
    const Node& n = m_graph.node(id);
    if (n.op == OpKind::Input) return m_inputValues[std::size_t(id)];
    // Parameters and states are readable at any time (checkpoints), like inputs.
    const bool persistent = n.op == OpKind::Parameter || n.op == OpKind::State;
    if (!n.captured && !persistent)
        throw std::logic_error("node '" + n.name + "' was not marked for capture");
    if (n.op == OpKind::Constant) return n.constant.toFloats();
    if (isPersistent(id) || storageOf(id) != id) return readDevice(storageOf(id), n.shape.numel());
    const Buffer& host =
        m_staging[std::size_t(id)] ? *m_staging[std::size_t(id)] : *m_buffers[std::size_t(id)];
    const auto* p = static_cast<const float*>(host.mapped());
    return std::vector<float>(p, p + n.shape.numel());
}

} // namespace llmlab::vk
