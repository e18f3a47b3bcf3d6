// llmlab-cli models: the models already on this machine (Ollama's store, Hugging Face's cache).
#include "Cli.h"

#include "discovery/ModelDiscovery.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace llmlab::cli {

namespace {

std::string humanBytes(std::uint64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(b);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

} // namespace

int models(const Args& args) {
    const DiscoveryResult found = discoverModels();
    // Warnings go to stderr so that the list itself stays clean for scripts.
    for (const std::string& w : found.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (flag(args, "json")) {
        nlohmann::json list = nlohmann::json::array();
        for (const DiscoveredModel& m : found.models)
            list.push_back({{"name", m.name},
                            {"source", m.source},
                            {"path", m.path},
                            {"bytes", m.bytes},
                            {"detail", m.detail}});
        const nlohmann::json out = {{"models", list}, {"warnings", found.warnings}};
        std::printf("%s\n",
                    out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    if (found.models.empty()) {
        std::printf("no models found in Ollama's store or the Hugging Face cache\n");
        return 0;
    }
    std::printf("%-36s %-12s %10s  %s\n", "name", "source", "size", "path");
    for (const DiscoveredModel& m : found.models)
        std::printf("%-36s %-12s %10s  %s\n    %s\n", m.name.c_str(), m.source.c_str(),
                    humanBytes(m.bytes).c_str(), m.path.c_str(), m.detail.c_str());
    return 0;
}

} // namespace llmlab::cli
