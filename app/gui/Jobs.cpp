#include "Jobs.h"

#include <QVariant>

#include <stdexcept>

namespace llmlab::gui {

namespace {

bool anyVulkan(const std::vector<DeviceInfo>& devices) {
    for (const DeviceInfo& d : devices)
        if (d.backend == "vulkan") return true;
    return false;
}

// Why Vulkan cannot serve, asked of the factory itself so the words match the CLI's.
QString vulkanProblem(int vulkanDevice) {
    std::string error;
    if (createBackend("vulkan", &error, vulkanDevice)) return {};
    return QString::fromStdString(error.empty() ? std::string("unknown reason") : error);
}

} // namespace

QString backendStatusText(const BackendStatus& s) {
    const QString dash = QStringLiteral(" \u2014 ");
    if (s.name == QLatin1String("vulkan"))
        return QStringLiteral("Backend: vulkan") + dash + s.device;
    QString text = QStringLiteral("Backend: ") + s.name + dash;
    if (!s.vulkanProblem.isEmpty() && !s.vulkanListed)
        return text + QStringLiteral("no Vulkan device (%1)").arg(s.vulkanProblem);
    text += s.device;
    if (!s.vulkanProblem.isEmpty())
        text += QStringLiteral("; Vulkan failed (%1)").arg(s.vulkanProblem);
    return text;
}

bool DevicesSnapshot::hasVulkan() const {
    return anyVulkan(devices);
}

JobFn makeBackendJob(const QString& name, int vulkanDevice) {
    return [name, vulkanDevice](JobContext& ctx) -> QVariant {
        ctx.progress(0.0, "starting the " + name.toStdString() + " backend");
        BackendStatus status;
        status.requested = name;
        status.vulkanListed = anyVulkan(listDevices());
        std::string error;
        std::unique_ptr<Backend> backend = createBackend(name.toStdString(), &error, vulkanDevice);
        if (!backend) {
            status.vulkanProblem = QString::fromStdString(error);
            backend = createBackend("cpu", &error);
            if (!backend) throw std::runtime_error(error);
        }
        ctx.checkCancelled();
        status.name = QString::fromStdString(backend->name());
        status.device = QString::fromStdString(backend->deviceName());
        // "auto" picks the CPU over a CPU Vulkan driver; say why only when Vulkan is missing.
        if (status.name == QLatin1String("cpu") && status.vulkanProblem.isEmpty() &&
            !status.vulkanListed)
            status.vulkanProblem = vulkanProblem(vulkanDevice);
        ctx.backend = std::move(backend);
        return QVariant::fromValue(status);
    };
}

JobFn makeDevicesJob() {
    return [](JobContext& ctx) -> QVariant {
        ctx.progress(0.0, "looking for devices");
        DevicesSnapshot snapshot;
        snapshot.devices = listDevices();
        if (!snapshot.hasVulkan()) snapshot.vulkanProblem = vulkanProblem(-1);
        return QVariant::fromValue(snapshot);
    };
}

JobFn makeOpCheckJob(int vulkanDevice) {
    return [vulkanDevice](JobContext& ctx) -> QVariant {
        ctx.progress(0.0, "starting the backends");
        std::string error;
        std::unique_ptr<Backend> cpu = createBackend("cpu", &error);
        if (!cpu) throw std::runtime_error(error);
        std::unique_ptr<Backend> vulkan = createBackend("vulkan", &error, vulkanDevice);
        if (!vulkan) throw std::runtime_error("no Vulkan device to check: " + error);
        ctx.checkCancelled();
        OpCheckSnapshot snapshot;
        snapshot.testDevice = QString::fromStdString(vulkan->deviceName());
        snapshot.results = checkOps(standardOpCases(), *cpu, *vulkan, ctx.progress, &ctx.cancel);
        return QVariant::fromValue(snapshot);
    };
}

JobFn makeBenchJob(std::vector<int> sizes, int reps, bool withVulkan, int vulkanDevice) {
    return [sizes = std::move(sizes), reps, withVulkan, vulkanDevice](JobContext& ctx) -> QVariant {
        ctx.progress(0.0, "starting the backends");
        std::string error;
        std::vector<std::unique_ptr<Backend>> backends;
        if (auto cpu = createBackend("cpu", &error)) backends.push_back(std::move(cpu));
        if (withVulkan) {
            auto vulkan = createBackend("vulkan", &error, vulkanDevice);
            if (!vulkan) throw std::runtime_error("Vulkan: " + error);
            backends.push_back(std::move(vulkan));
        }
        // One step per (backend, size), plus Eigen's GEMM per size.
        const double steps = double(sizes.size() * (backends.size() + 1));
        int done = 0;
        BenchSnapshot snapshot;
        for (int n : sizes) {
            for (auto& backend : backends) {
                ctx.checkCancelled();
                ctx.progress(done / steps,
                             "matmul " + std::to_string(n) + "\u00B3 on " + backend->name());
                snapshot.results.push_back(benchMatmul(*backend, n, reps));
                ++done;
            }
            ctx.checkCancelled();
            ctx.progress(done / steps, "matmul " + std::to_string(n) + "\u00B3 with Eigen");
            snapshot.results.push_back(benchEigenGemm(n, reps));
            ++done;
        }
        ctx.progress(1.0, "done");
        return QVariant::fromValue(snapshot);
    };
}

} // namespace llmlab::gui
