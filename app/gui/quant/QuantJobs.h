// The quantization lab's engine jobs: writing a ladder of quantized files from a model (with
// an importance matrix measured first when asked), and comparing a ladder on a text.
#pragma once

#include "JobRunner.h"

#include "quant/QuantCompare.h"

#include <QMetaType>
#include <QStringList>

#include <memory>

namespace llmlab {
class ModelFile;
}

namespace llmlab::gui {

struct LadderRequest {
    std::string outDir;
    std::vector<std::string> schemes; ///< "Q8_0", "Q4_K_M", ...
    bool pure = false;
    std::string importanceText; ///< a calibration text file, or empty for none
    int importanceTokens = 4096;
};

struct LadderSnapshot {
    QStringList paths; ///< the files written, in the order asked
    QString summary;   ///< a line a file: type, size, time
};

/// Writes `model` once per scheme into outDir (named MODEL-SCHEME.gguf). Cancelling keeps the
/// files already finished; the one in progress is never left half written.
JobFn makeLadderJob(std::shared_ptr<const ModelFile> model, LadderRequest request);

/// compareQuantizations on the worker (the CPU backend: the ladder's speeds then compare).
JobFn makeQuantCompareJob(std::string reference, std::vector<std::string> files, std::string text,
                          QuantCompareOptions options);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::LadderSnapshot)
Q_DECLARE_METATYPE(llmlab::QuantCompareResult)
