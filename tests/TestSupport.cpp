#include "TestSupport.h"

#include <cstdio>
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

std::shared_ptr<const ModelFile> openModel(const std::string& path) {
    std::string error;
    std::shared_ptr<const ModelFile> m = ModelFile::open(path, &error);
    if (!m) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::abort();
    }
    return m;
}

} // namespace llmlab::test
