// A compute pipeline for one shader variant with its layouts, and the backend's cache of them.
#pragma once

#include "VulkanContext.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace llmlab::vk {

/// What makes a pipeline: the embedded shader, its storage-buffer bindings (0..bindings-1),
/// push-constant size and specialization constants (constant_id 0 is the workgroup size).
struct PipelineKey {
    std::string shader; ///< embedded shader name ("matmul_transb")
    std::uint32_t bindings = 0;
    std::uint32_t pushBytes = 0;
    std::vector<std::uint32_t> specialization; ///< values for constant_id 0, 1, 2, ...
    bool operator<(const PipelineKey& o) const;
};

class ComputePipeline {
public:
    ComputePipeline(Context& ctx, const PipelineKey& key);
    const PipelineKey& key() const { return m_key; }
    VkPipeline pipeline() const { return m_pipeline; }
    VkPipelineLayout layout() const { return m_layout; }
    VkDescriptorSetLayout setLayout() const { return m_setLayout; }

private:
    PipelineKey m_key;
    ShaderModule m_module;
    DescriptorSetLayout m_setLayout;
    PipelineLayout m_layout;
    Pipeline m_pipeline;
};

/// One pipeline per key, made on first use; thread-safe.
class PipelineCache {
public:
    explicit PipelineCache(std::shared_ptr<Context> ctx) : m_ctx(std::move(ctx)) {}
    std::shared_ptr<const ComputePipeline> get(const PipelineKey& key);
    std::size_t size() const;

private:
    std::shared_ptr<Context> m_ctx;
    mutable std::mutex m_mutex;
    std::map<PipelineKey, std::shared_ptr<const ComputePipeline>> m_pipelines;
};

} // namespace llmlab::vk
