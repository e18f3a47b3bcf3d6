#include "VulkanPipeline.h"

#include "EmbeddedShaders.h"

#include <stdexcept>
#include <tuple>

namespace llmlab::vk {

bool PipelineKey::operator<(const PipelineKey& o) const {
    return std::tie(shader, bindings, pushBytes, specialization) <
           std::tie(o.shader, o.bindings, o.pushBytes, o.specialization);
}

ComputePipeline::ComputePipeline(Context& ctx, const PipelineKey& key) : m_key(key) {
    VkDevice device = ctx.device();
    const auto words = shaders::embeddedShader(key.shader);
    if (words.empty())
        throw std::runtime_error("Vulkan: no embedded shader named '" + key.shader + "'");

    VkShaderModuleCreateInfo moduleInfo{};
    moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    moduleInfo.codeSize = words.size_bytes();
    moduleInfo.pCode = words.data();
    VkShaderModule module;
    check(vkCreateShaderModule(device, &moduleInfo, nullptr, &module), "vkCreateShaderModule",
          "for shader " + key.shader);
    m_module = ShaderModule(device, module);

    std::vector<VkDescriptorSetLayoutBinding> bindings(key.bindings);
    for (std::uint32_t i = 0; i < key.bindings; ++i) {
        bindings[i].binding = i;
        bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        bindings[i].descriptorCount = 1;
        bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo setInfo{};
    setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    setInfo.bindingCount = key.bindings;
    setInfo.pBindings = bindings.data();
    VkDescriptorSetLayout setLayout;
    check(vkCreateDescriptorSetLayout(device, &setInfo, nullptr, &setLayout),
          "vkCreateDescriptorSetLayout");
    m_setLayout = DescriptorSetLayout(device, setLayout);

    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, key.pushBytes};
    VkPipelineLayoutCreateInfo layoutInfo{};
    layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    layoutInfo.setLayoutCount = 1;
    layoutInfo.pSetLayouts = &setLayout;
    layoutInfo.pushConstantRangeCount = key.pushBytes ? 1 : 0;
    layoutInfo.pPushConstantRanges = &range;
    VkPipelineLayout layout;
    check(vkCreatePipelineLayout(device, &layoutInfo, nullptr, &layout), "vkCreatePipelineLayout");
    m_layout = PipelineLayout(device, layout);

    std::vector<VkSpecializationMapEntry> entries(key.specialization.size());
    for (std::uint32_t i = 0; i < entries.size(); ++i)
        entries[i] = {i, i * std::uint32_t(sizeof(std::uint32_t)), sizeof(std::uint32_t)};
    VkSpecializationInfo spec{};
    spec.mapEntryCount = std::uint32_t(entries.size());
    spec.pMapEntries = entries.data();
    spec.dataSize = key.specialization.size() * sizeof(std::uint32_t);
    spec.pData = key.specialization.data();

    VkComputePipelineCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = entries.empty() ? nullptr : &spec;
    info.layout = layout;
    VkPipeline pipeline;
    check(vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline),
          "vkCreateComputePipelines", "for shader " + key.shader);
    m_pipeline = Pipeline(device, pipeline);
}

std::shared_ptr<const ComputePipeline> PipelineCache::get(const PipelineKey& key) {
    std::lock_guard lock(m_mutex);
    auto it = m_pipelines.find(key);
    if (it != m_pipelines.end()) return it->second;
    auto pipeline = std::make_shared<const ComputePipeline>(*m_ctx, key);
    m_pipelines.emplace(key, pipeline);
    return pipeline;
}

std::size_t PipelineCache::size() const {
    std::lock_guard lock(m_mutex);
    return m_pipelines.size();
}

} // namespace llmlab::vk
