#include "VulkanBackend.h"

#include "VulkanContext.h"
#include "VulkanExecutable.h"
#include "VulkanPipeline.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace llmlab {

struct VulkanBackend::Impl {
    std::shared_ptr<vk::Context> ctx;
    std::unique_ptr<vk::PipelineCache> pipelines;
};

std::unique_ptr<VulkanBackend> VulkanBackend::create(const Options& options, std::string* error) {
    int validation = options.validation;
    if (validation < 0) {
        const char* env = std::getenv("LLMLAB_VULKAN_VALIDATION");
        validation = env && std::strcmp(env, "1") == 0 ? 1 : 0;
    }
    try {
        auto impl = std::make_unique<Impl>();
        const char* staging = std::getenv("LLMLAB_VULKAN_FORCE_STAGING");
        const bool forceStaging =
            options.forceStaging || (staging && std::strcmp(staging, "1") == 0);
        impl->ctx =
            std::make_shared<vk::Context>(options.deviceIndex, validation != 0, forceStaging);
        impl->pipelines = std::make_unique<vk::PipelineCache>(impl->ctx);
        return std::unique_ptr<VulkanBackend>(new VulkanBackend(std::move(impl)));
    } catch (const std::exception& e) {
        if (error) *error = e.what();
        return nullptr;
    }
}

VulkanBackend::VulkanBackend(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

VulkanBackend::~VulkanBackend() = default;

std::string VulkanBackend::deviceName() const {
    return m_impl->ctx->deviceName();
}

std::unique_ptr<Executable> VulkanBackend::compile(const Graph& graph) {
    return std::make_unique<vk::VulkanExecutable>(m_impl->ctx, *m_impl->pipelines, graph);
}

std::size_t VulkanBackend::validationErrorCount() const {
    const vk::ValidationLog& log = m_impl->ctx->instance().log();
    std::lock_guard lock(log.mutex);
    return log.errors;
}

std::vector<std::string> VulkanBackend::validationMessages() const {
    const vk::ValidationLog& log = m_impl->ctx->instance().log();
    std::lock_guard lock(log.mutex);
    return log.messages;
}

bool VulkanBackend::validationEnabled() const {
    return m_impl->ctx->instance().validationEnabled();
}

} // namespace llmlab
