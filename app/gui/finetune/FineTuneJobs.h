// The fine-tuning lab's engine job: a FineTuner run on the worker, its curves and sample
// generations written into a shared live record the pane polls (the run can be long; the
// pane redraws as it goes), and metrics.csv / config.json in the run folder.
#pragma once

#include "JobRunner.h"

#include "finetune/FineTune.h"

#include <QMetaType>
#include <QString>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace llmlab {
class ModelFile;
}

namespace llmlab::gui {

struct FineTuneRequest {
    std::shared_ptr<const ModelFile> model;
    std::string dataPath;
    std::string referencePath; ///< optional: the forgetting curve's text
    FineTuneConfig config;
    std::string quant;         ///< empty, or a type the base is quantized to first (QLoRA)
    int evalEvery = 10;
    std::string samplePrompt = "Once upon a time";
    int sampleTokens = 32;
    std::string outDir;        ///< the run folder (created); empty: none written
    /// Go on from outDir's checkpoint (a run stopped, cancelled or killed): its config.json gave
    /// the rest of this request, its metrics.csv the curves so far.
    bool resume = false;
};

/// What the running job has measured so far; the pane copies it under the mutex.
struct FineTuneLive {
    std::mutex mutex;
    std::vector<double> steps, train, heldOut, reference, tokensPerSecond;
    std::vector<double> gradientNorm, learningRate; ///< at the last step before each evaluation
    std::vector<std::pair<std::int64_t, std::string>> samples; ///< (step, text); step 0: the base
    std::int64_t trainable = 0;
    std::string method;
    int version = 0; ///< bumped at every change
};

struct FineTuneSummary {
    std::int64_t steps = 0;
    double firstHeldOut = 0, lastHeldOut = 0;
    double seconds = 0;
    std::uint64_t stepBytes = 0; ///< the compiled step's buffers, as the backend measures them
    QString outDir;
};

JobFn makeFineTuneJob(FineTuneRequest request, std::shared_ptr<FineTuneLive> live);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::FineTuneSummary)
