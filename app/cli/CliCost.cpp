// `llmlab-cli cost MODEL|7B|...`: what a model costs — weights at each storage type, the KV
// cache, a training step under full fine-tuning, LoRA and QLoRA, FLOPs a token — from its real
// tensors; `--table` prints the course's VRAM table beside ours; `--measure` runs the model and
// reports the resident memory it took beside the prediction.
#include "BackendFactory.h"
#include "Cli.h"
#include "cost/ModelCost.h"
#include "formats/ModelFile.h"
#include "model/LanguageModel.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmlab::cli {

namespace {

// Resident memory of this process (VmRSS), in bytes; 0 where /proc is not there.
double residentBytes() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
    return 0;
}

DType kvTypeOf(const std::string& name) {
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0})
        if (name == dtypeName(t)) return t;
    throw std::invalid_argument("--kv-type takes F32, F16, BF16, Q8_0 or Q4_0, not '" + name + "'");
}

} // namespace

int cost(const Args& args) {
    CostOptions o;
    auto whole = [&](const char* name, int fallback) {
        const std::string v = option(args, name);
        return v.empty() ? fallback : std::stoi(v);
    };
    o.context = whole("context", o.context);
    o.batch = whole("batch", o.batch);
    o.trainSeq = whole("train-seq", o.trainSeq);
    o.trainBatch = whole("train-batch", o.trainBatch);
    o.loraRank = whole("lora-rank", o.loraRank);
    o.loraTargets = option(args, "targets", o.loraTargets);
    o.checkpointing = !flag(args, "no-checkpointing");
    if (const std::string kv = option(args, "kv-type"); !kv.empty()) o.kvType = kvTypeOf(kv);
    const bool json = flag(args, "json");
    if (flag(args, "table")) {
        std::printf("%s", vramTable(o, json).c_str());
        return 0;
    }
    if (args.empty() || args.front().rfind("--", 0) == 0)
        throw std::invalid_argument("say which model: llmlab-cli cost MODEL (or a size: " +
                                    [] {
                                        std::string s;
                                        for (const std::string& n : typicalShapeNames())
                                            s += (s.empty() ? "" : ", ") + n;
                                        return s;
                                    }() +
                                    "), or --table");
    const std::string what = args.front();
    CostShape shape;
    std::shared_ptr<const ModelFile> model;
    if (!typicalShape(what, &shape)) {
        std::string error;
        model = ModelFile::open(what, &error);
        if (!model) throw std::runtime_error(error);
        shape = costShapeOf(model->spec(), model->tensors(), what);
    }
    const CostReport report = computeCost(shape, o);
    std::printf("%s", json ? (costReportJson(shape, o, report) + "\n").c_str()
                           : costReportText(shape, o, report).c_str());
    if (flag(args, "measure")) {
        if (!model) throw std::invalid_argument("--measure needs a model file, not a typical size");
        // Resident memory before and after the model runs a prompt that fills the context (the
        // model's own, when that is shorter), predicted for what the CPU backend holds: the
        // weights as stored and an F32 KV cache.
        CostOptions measured = o;
        if (model->spec().context > 0) measured.context = std::min(o.context, model->spec().context);
        measured.kvType = DType::F32;
        measured.batch = 1;
        const CostReport predicted = computeCost(shape, measured);
        const double before = residentBytes();
        std::string why;
        auto backend = createBackend("cpu", &why);
        if (!backend) throw std::runtime_error(why);
        InferenceSession session(model, *backend, measured.context);
        const std::vector<std::int32_t> tokens(std::size_t(measured.context), 1);
        session.prefillLast(tokens);
        const double after = residentBytes();
        const double grew = after - before;
        std::printf("# measured: resident memory grew by %.1f MB running %d tokens on the CPU; "
                    "predicted for inference with an F32 KV cache (what the CPU backend keeps): "
                    "%.1f MB (%+.1f%%); the rest is the pass's compute buffers\n",
                    grew / 1e6, measured.context, predicted.inferenceBytes / 1e6,
                    100.0 * (grew - predicted.inferenceBytes) / predicted.inferenceBytes);
    }
    return 0;
}

} // namespace llmlab::cli
