#include "finetune/FineTuneJobs.h"

#include "TextFile.h"
#include "cpu/CpuBackend.h"
#include "formats/ModelFile.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "quant/ModelQuantizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace llmlab::gui {

namespace {

// Greedy continuation of `prompt` by the model with `weights` put in place of its own.
std::string sample(std::shared_ptr<const ModelFile> model, Backend& backend, const Tokenizer& tok,
                   const std::map<std::string, std::vector<float>>& weights, const std::string& prompt,
                   int tokens) {
    std::vector<std::int32_t> ids = tok.encode(prompt, {.addSpecial = true});
    InferenceSession s(model, backend, int(ids.size()) + tokens + 1);
    if (!weights.empty()) {
        std::vector<std::string> names;
        for (const auto& [name, w] : weights) names.push_back(name);
        s.makeAdjustable(names);
        for (const auto& [name, w] : weights) s.setWeight(name, w);
    }
    const std::size_t promptLength = ids.size();
    std::vector<float> last = s.prefillLast(ids);
    for (int i = 0; i < tokens; ++i) {
        const std::int32_t next = std::int32_t(std::max_element(last.begin(), last.end()) - last.begin());
        if (next == tok.eosId()) break;
        ids.push_back(next);
        last = s.decode(next);
    }
    return tok.decode(std::span<const std::int32_t>(ids).subspan(promptLength));
}

} // namespace

JobFn makeFineTuneJob(FineTuneRequest request, std::shared_ptr<FineTuneLive> live) {
    return [request, live](JobContext& ctx) -> QVariant {
        std::unique_ptr<Backend> fallback;
        Backend* backend = ctx.backend.get();
        if (!backend) {
            fallback = std::make_unique<CpuBackend>();
            backend = fallback.get();
        }
        const auto t0 = std::chrono::steady_clock::now();
        std::shared_ptr<const ModelFile> model = request.model;
        if (!request.outDir.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(request.outDir, ec);
            if (ec) throw std::runtime_error(request.outDir + ": cannot be created (" + ec.message() + ")");
        }
        if (!request.quant.empty()) {
            ctx.progress(0.0, "quantizing the base to " + request.quant);
            model = quantizedBase(*model, request.quant, request.outDir, request.resume, &ctx.cancel);
        }
        const std::string text = readTextFile(request.dataPath);
        // A head changes nothing of the model: no forgetting curve to draw.
        const std::string reference = request.referencePath.empty() || request.config.method == FineTuneMethod::Head
                                          ? std::string()
                                          : readTextFile(request.referencePath);
        ctx.progress(0.0, "compiling the training step");
        FineTuner t(model, *backend, text, request.config);
        const FineTuneConfig& c = request.config;
        const std::string checkpoint = request.outDir.empty() ? std::string() : request.outDir + "/checkpoint.safetensors";
        std::vector<FineTuneRow> earlier; // a resumed run's rows up to its checkpoint
        if (request.resume) {
            t.loadCheckpoint(checkpoint);
            for (const FineTuneRow& r : readFineTuneMetrics(request.outDir + "/metrics.csv"))
                if (r.step <= t.step()) earlier.push_back(r);
        }
        const char* method = c.method == FineTuneMethod::Lora   ? "LoRA"
                             : c.method == FineTuneMethod::Full ? "full"
                             : c.method == FineTuneMethod::Head ? "classification head"
                                                                : "top layers";
        const Tokenizer tok = tokenizerFor(*model); // once: every sample uses it
        const bool head = c.method == FineTuneMethod::Head;
        // A head's "sample": the prompt's class probabilities and the held-out accuracy.
        auto classified = [&] {
            const std::vector<double> p = t.classify(request.samplePrompt);
            std::string out = " → ";
            char buf[64];
            for (std::size_t k = 0; k < p.size(); ++k) {
                std::snprintf(buf, sizeof buf, "%s%s %.3f", k ? ", " : "", t.classes()[k].c_str(), p[k]);
                out += buf;
            }
            std::snprintf(buf, sizeof buf, " (held-out accuracy %.3f)", t.heldOutAccuracy());
            return out + buf;
        };
        const std::string base = head ? std::string(" → (a head learns classes from the model's features)")
                                      : sample(model, *backend, tok, {}, request.samplePrompt, request.sampleTokens);
        {
            std::lock_guard lock(live->mutex);
            live->trainable = t.trainableCount();
            live->method = method;
            if (!head) live->samples.push_back({0, base});
            for (const FineTuneRow& r : earlier) {
                live->steps.push_back(double(r.step));
                live->train.push_back(r.train);
                live->heldOut.push_back(r.heldOut);
                live->reference.push_back(r.reference);
                live->tokensPerSecond.push_back(r.tokensPerSecond);
                live->gradientNorm.push_back(r.gradientNorm);
                live->learningRate.push_back(r.learningRate);
            }
            ++live->version;
        }
        std::unique_ptr<FineTuneMetrics> metrics;
        if (!request.outDir.empty()) {
            if (!request.resume)
                writeFineTuneRun(request.outDir + "/config.json",
                                 {request.model->path(), request.dataPath, request.referencePath, request.quant,
                                  request.evalEvery, c},
                                 t.trainableCount());
            metrics = std::make_unique<FineTuneMetrics>(request.outDir + "/metrics.csv", request.resume ? t.step() : -1);
        }
        FineTuneSummary summary;
        if (!earlier.empty()) summary.firstHeldOut = earlier.front().heldOut;
        summary.stepBytes = t.stepBufferBytes();
        auto record = [&](std::int64_t step, double train, double rate) {
            const double held = t.evaluate(4);
            const double ref = reference.empty() ? std::nan("") : t.evaluate(4, &reference);
            const std::string s = head ? classified()
                                  : step == 0 ? std::string()
                                              : sample(model, *backend, tok,
                                                       c.method == FineTuneMethod::Lora ? t.mergedWeights() : t.trainable(),
                                                       request.samplePrompt, request.sampleTokens);
            if (step == 0 || (summary.firstHeldOut == 0 && earlier.empty())) summary.firstHeldOut = held;
            summary.lastHeldOut = held;
            std::lock_guard lock(live->mutex);
            live->steps.push_back(double(step));
            live->train.push_back(train);
            live->heldOut.push_back(held);
            live->reference.push_back(ref);
            live->tokensPerSecond.push_back(rate);
            live->gradientNorm.push_back(step == 0 ? std::nan("") : t.lastGradientNorm());
            live->learningRate.push_back(step == 0 ? std::nan("") : t.learningRate(step));
            if (step > 0 || head) live->samples.push_back({step, s});
            ++live->version;
            if (metrics)
                metrics->add({step, train, held, ref, step > 0 ? rate : std::nan(""),
                              step > 0 ? t.learningRate(step) : std::nan(""),
                              step > 0 ? t.lastGradientNorm() : std::nan(""), t.heldOutAccuracy()});
            // The run is safe on disk at every evaluation (llmlab-cli finetune --resume goes on).
            if (!checkpoint.empty()) t.saveCheckpoint(checkpoint);
        };
        if (t.step() == 0) record(0, std::nan(""), 0);
        auto since = std::chrono::steady_clock::now();
        double sum = 0;
        int n = 0;
        for (std::int64_t s = t.step() + 1; s <= c.steps; ++s) {
            ctx.checkCancelled(); // what was measured stays in the live record and metrics.csv
            sum += t.trainStep();
            ++n;
            summary.steps = s;
            ctx.progress(double(s) / double(c.steps), "step " + std::to_string(s));
            if (s % std::max(1, request.evalEvery) == 0 || s == c.steps) {
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
                record(s, sum / n, double(n) * c.accumulate * c.batch * c.seqLen / std::max(1e-9, secs));
                sum = 0;
                n = 0;
                since = std::chrono::steady_clock::now();
            }
        }
        summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        summary.outDir = QString::fromStdString(request.outDir);
        return QVariant::fromValue(summary);
    };
}

} // namespace llmlab::gui
