#include "TestSupport.h"

#include "vulkan/VulkanBackend.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmlab::test {

std::string fixturesDir() {
    const char* dir = std::getenv("LLMLAB_FIXTURES_DIR");
    return dir ? dir : "";
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool runningInCi() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

bool fixtureAvailable(const std::string& relative, std::string* path, std::string* why) {
    const std::string dir = fixturesDir();
    *path = dir + "/" + relative;
    if (dir.empty()) {
        *why = "LLMLAB_FIXTURES_DIR is not set (configure with -DLLMLAB_FIXTURES_DIR=...)";
        return false;
    }
    if (!std::filesystem::exists(*path)) {
        *why = "fixture missing: " + *path;
        return false;
    }
    return true;
}

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
