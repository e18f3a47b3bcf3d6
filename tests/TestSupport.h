// Helpers shared by the test suites: fixtures, the Vulkan backend under test.
#pragma once

#include "Backend.h"
#include "BackendFactory.h"
#include "formats/ModelFile.h"

#include <memory>
#include <string>

namespace llmlab::test {

/// The fixtures folder (LLMLAB_FIXTURES_DIR from the environment, set by CTest).
std::string fixturesDir();

/// Path of a fixture; when it is missing, QSKIP outside CI and QFAIL when CI=true.
/// Use through the LLMLAB_REQUIRE_FIXTURE macro, which returns from the test function.
bool fixtureAvailable(const std::string& relative, std::string* path, std::string* why);

/// The whole file as bytes ("" when it cannot be read).
std::string readFile(const std::string& path);

/// A fixture model opened (the test process stops with the reader's sentence when it cannot be).
std::shared_ptr<const ModelFile> openModel(const std::string& path);

/// The CPU reference backend (inline: the formats-only suites link no backend).
inline std::unique_ptr<Backend> cpuBackend() {
    std::string error;
    return createBackend("cpu", &error);
}

/// True when CI=true is set: a missing fixture or device is then a failure, not a skip.
bool runningInCi();

/// The Vulkan backend on the test device, or nullptr with `why` set.
std::unique_ptr<Backend> makeVulkanBackend(std::string* why);

/// Validation errors reported so far by a Vulkan backend made by makeVulkanBackend (0 for others).
std::size_t validationErrors(const Backend& backend, std::string* firstMessage = nullptr);

} // namespace llmlab::test

#define LLMLAB_REQUIRE_FIXTURE(rel, pathVar)                                                       \
    std::string pathVar;                                                                           \
    do {                                                                                           \
        std::string why_;                                                                          \
        if (!llmlab::test::fixtureAvailable(rel, &pathVar, &why_)) {                               \
            if (llmlab::test::runningInCi()) QFAIL(why_.c_str());                                  \
            QSKIP(why_.c_str());                                                                   \
        }                                                                                          \
    } while (0)
