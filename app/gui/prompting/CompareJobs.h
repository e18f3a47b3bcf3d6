// The prompting lab's engine job: a comparison on the worker thread, its cells streamed to
// the pane as they finish (through a shared inbox the pane drains on each progress report).
#pragma once

#include "JobRunner.h"

#include "prompting/CompareRun.h"

#include <QMetaType>

#include <memory>
#include <mutex>

namespace llmlab::gui {

/// Cells the job has finished (or, partial, grown by a sample) and the pane not yet shown.
struct CompareInbox {
    std::mutex mutex;
    std::vector<CompareCell> cells;
    std::vector<CompareCell> take() {
        std::lock_guard<std::mutex> lock(mutex);
        return std::exchange(cells, {});
    }
};

struct CompareSnapshot {
    CompareResult result;
    double seconds = 0;
};

/// Runs `set` under `options` on `model` (the worker's backend, else the CPU). Returns a
/// CompareSnapshot; cancelling returns nothing (the cells shown so far stay).
JobFn makeCompareJob(std::shared_ptr<const ModelFile> model, TaskSet set, CompareOptions options,
                     std::shared_ptr<CompareInbox> inbox);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::CompareSnapshot)
