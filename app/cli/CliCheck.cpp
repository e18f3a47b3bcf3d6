#include "BackendFactory.h"
#include "Cli.h"
#include "OpCheck.h"

#include <cstdio>

namespace llmlab::cli {

namespace {

int checkOpsCommand(const Args& args) {
    const int device = std::stoi(option(args, "device", "-1"));
    const std::string only = option(args, "op");
    std::string why;
    auto cpu = createBackend("cpu", &why);
    auto vk = createBackend("vulkan", &why, device);
    if (!vk) {
        std::fprintf(stderr, "llmlab-cli check ops: no Vulkan device: %s\n", why.c_str());
        return 1;
    }
    std::printf("# reference: cpu (%s)\n# test: vulkan (%s)\n", cpu->deviceName().c_str(),
                vk->deviceName().c_str());
    std::vector<OpCase> cases;
    for (const OpCase& c : standardOpCases())
        if (only.empty() || c.op == only) cases.push_back(c);
    int failed = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const OpCheckResult r = checkOp(cases[i], *cpu, *vk, 1000 + i);
        std::printf("%-4s %-36s NMSE %.3e (bound %.0e)\n", r.passed() ? "ok" : "FAIL",
                    cases[i].label().c_str(), r.nmse, r.bound);
        failed += r.passed() ? 0 : 1;
    }
    std::printf("%zu passed, %d failed\n", cases.size() - std::size_t(failed), failed);
    return failed ? 1 : 0;
}

} // namespace

int check(const Args& args) {
    const std::string what = args.empty() ? "" : args.front();
    if (what == "ops") return checkOpsCommand(args);
    std::fprintf(stderr, "llmlab-cli check: say what to check: ops\n");
    return 2;
}

} // namespace llmlab::cli
