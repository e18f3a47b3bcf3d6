#include "CompareJobs.h"

#include "cpu/CpuBackend.h"

#include <chrono>

namespace llmlab::gui {

JobFn makeCompareJob(std::shared_ptr<const ModelFile> model, TaskSet set, CompareOptions options,
                     std::shared_ptr<CompareInbox> inbox) {
    return [model, set = std::move(set), options, inbox](JobContext& ctx) -> QVariant {
        const auto t0 = std::chrono::steady_clock::now();
        // On the CPU, batch-invariant kernels: the prefix cache then changes no bit.
        std::unique_ptr<CpuBackend> own;
        if (!ctx.backend || dynamic_cast<CpuBackend*>(ctx.backend.get())) {
            own = std::make_unique<CpuBackend>();
            own->setBatchInvariant(true);
        }
        Backend& backend = own ? *own : *ctx.backend;
        ctx.progress(0.0, "loading the model");
        PromptRunner runner(model, backend, tokenizerFor(*model));
        CompareSnapshot snap;
        double fraction = 0;
        snap.result = runComparison(
            runner, set, options,
            [&](const CompareCell& cell, bool partial) {
                {
                    std::lock_guard<std::mutex> lock(inbox->mutex);
                    inbox->cells.push_back(cell);
                }
                // A progress report wakes the pane to show the growing cell.
                if (partial)
                    ctx.progress(fraction, "sample " + std::to_string(cell.samples.size() + 1) +
                                               " of question " + std::to_string(cell.item + 1));
            },
            [&](double f, const std::string& what) {
                fraction = f;
                ctx.progress(f, what);
            },
            &ctx.cancel);
        if (snap.result.cancelled) throw Cancelled();
        snap.result.model = model->path();
        snap.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return QVariant::fromValue(snap);
    };
}

} // namespace llmlab::gui
