#include "LandscapeJobs.h"

#include "cpu/CpuBackend.h"
#include "train/RunStore.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace llmlab::gui {

namespace {
// The backend the GUI chose, or the CPU before one was made.
Backend* jobBackend(JobContext& ctx, std::unique_ptr<Backend>& own) {
    if (ctx.backend) return ctx.backend.get();
    own = std::make_unique<CpuBackend>();
    return own.get();
}
} // namespace

std::int64_t nearestSnapshot(const QString& runDir, std::int64_t step) {
    const std::vector<std::int64_t> steps = RunStore(runDir.toStdString()).snapshotSteps();
    std::int64_t best = -1;
    for (std::int64_t s : steps)
        if (best < 0 || std::llabs(s - step) < std::llabs(best - step)) best = s;
    return best;
}

JobFn makeLandscapeJob(LandscapeRequest request) {
    return [request](JobContext& ctx) -> QVariant {
        const auto start = std::chrono::steady_clock::now();
        std::unique_ptr<Backend> own;
        Backend* backend = jobBackend(ctx, own);
        const std::string run = request.runDir.toStdString();
        LandscapeSnapshot snap;
        snap.compare = request.compare;
        LandscapeRunOptions o;
        o.cancel = &ctx.cancel;
        if (!request.compare) {
            o.progress = ctx.progress;
            snap.main = computeRunLandscape(run, request.spec, *backend, o);
        } else {
            const MetricsLog log = RunStore(run).loadMetrics();
            if (log.memorisedStep < 0)
                throw std::runtime_error(run + ": has not memorised its training set yet");
            if (log.grokkedStep < 0)
                throw std::runtime_error(run + ": has not grokked yet (validation accuracy "
                                               "never reached 99%); train it longer first");
            const std::int64_t steps[2] = {nearestSnapshot(request.runDir, log.memorisedStep),
                                           nearestSnapshot(request.runDir, log.grokkedStep)};
            if (steps[0] < 0 || steps[0] == steps[1])
                throw std::runtime_error(run + ": has no separate snapshots of its memorised and "
                                               "grokked weights (it was trained before llmlab "
                                               "kept a history)");
            RunLandscape* out[2] = {&snap.main, &snap.other};
            for (int k = 0; k < 2; ++k) {
                LandscapeSpec spec = request.spec;
                spec.centreStep = steps[k];
                o.progress = [&, k](double f, const std::string& what) {
                    ctx.progress(0.5 * (k + f), (k == 0 ? "memorised: " : "grokked: ") + what);
                };
                *out[k] = computeRunLandscape(run, spec, *backend, o);
            }
        }
        for (const RunLandscape* L : {&snap.main, &snap.other}) snap.passes += L->passesComputed;
        snap.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return QVariant::fromValue(snap);
    };
}

JobFn makeModelLandscapeJob(std::shared_ptr<const ModelFile> model, QString text,
                            ModelLandscapeSpec spec) {
    return [model, text, spec](JobContext& ctx) -> QVariant {
        const auto start = std::chrono::steady_clock::now();
        std::unique_ptr<Backend> own;
        Backend* backend = jobBackend(ctx, own);
        ModelLandscapeOptions o;
        o.cancel = &ctx.cancel;
        std::string estimate;
        o.onEstimate = [&](std::int64_t passes, double perPass) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "%lld forward passes × %.1f ms ≈ %.0f s",
                          (long long)passes, perPass * 1e3, double(passes) * perPass);
            estimate = buf;
            ctx.progress(0.0, estimate);
        };
        o.progress = [&](double f, const std::string& what) {
            ctx.progress(f, what + " (estimated: " + estimate + ")");
        };
        LandscapeSnapshot snap;
        snap.main = computeModelLandscape(model, text.toStdString(), spec, *backend, o);
        snap.passes = snap.main.passesComputed + 2; // and the two timed passes at the centre
        snap.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return QVariant::fromValue(snap);
    };
}

JobFn makeOpenLandscapeJob(QString csvPath) {
    return [csvPath](JobContext&) -> QVariant {
        LandscapeSnapshot snap;
        snap.main = readLandscape(csvPath.toStdString());
        snap.opened = true;
        return QVariant::fromValue(snap);
    };
}

} // namespace llmlab::gui
