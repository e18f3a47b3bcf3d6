// The Vulkan half of TestSupport: only the suites that run the engine link it (the parser
// suites link the formats library alone).
#include "TestSupport.h"

#include "vulkan/VulkanBackend.h"

namespace llmlab::test {

std::unique_ptr<Backend> makeVulkanBackend(std::string* why) {
    VulkanBackend::Options options; // device and validation from the environment set by CTest
    return VulkanBackend::create(options, why);
}

std::size_t validationErrors(const Backend& backend, std::string* firstMessage) {
    const auto* vk = dynamic_cast<const VulkanBackend*>(&backend);
    if (!vk) return 0;
    const std::size_t n = vk->validationErrorCount();
    if (n && firstMessage) {
        const auto messages = vk->validationMessages();
        *firstMessage = messages.empty() ? "" : messages.front();
    }
    return n;
}

} // namespace llmlab::test
