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
            model = quantizedBase(*model, request.quant, request.outDir, false, &ctx.cancel);
        }
        const std::string text = readTextFile(request.dataPath);
        const std::string reference = request.referencePath.empty() ? std::string() : readTextFile(request.referencePath);
        ctx.progress(0.0, "compiling the training step");
        FineTuner t(model, *backend, text, request.config);
        const FineTuneConfig& c = request.config;
        const char* method = c.method == FineTuneMethod::Lora ? "LoRA" : c.method == FineTuneMethod::Full ? "full" : "top layers";
        const Tokenizer tok = tokenizerFor(*model); // once: every sample uses it
        const std::string base = sample(model, *backend, tok, {}, request.samplePrompt, request.sampleTokens);
        {
            std::lock_guard lock(live->mutex);
            live->trainable = t.trainableCount();
            live->method = method;
            live->samples.push_back({0, base});
            ++live->version;
        }
        std::unique_ptr<FineTuneMetrics> metrics;
        if (!request.outDir.empty()) {
            const char* methodName = c.method == FineTuneMethod::Lora ? "lora" : c.method == FineTuneMethod::Full ? "full" : "top";
            nlohmann::json j{{"model", request.model->path()}, {"data", request.dataPath}, {"method", methodName},
                             {"quant", request.quant}, {"rank", c.rank}, {"alpha", c.alpha}, {"targets", c.targets},
                             {"top", c.topLayers}, {"steps", c.steps}, {"batch", c.batch}, {"seq", c.seqLen},
                             {"lr", c.lr}, {"seed", c.seed}, {"eval-every", request.evalEvery},
                             {"schedule", c.cosine ? "cosine" : "constant"}, {"warmup", c.warmup},
                             {"trainable", t.trainableCount()}, {"reference", request.referencePath}};
            std::ofstream(request.outDir + "/config.json") << j.dump(1) << "\n";
            metrics = std::make_unique<FineTuneMetrics>(request.outDir + "/metrics.csv");
        }
        FineTuneSummary summary;
        auto record = [&](std::int64_t step, double train, double rate) {
            const double held = t.evaluate(4);
            const double ref = reference.empty() ? std::nan("") : t.evaluate(4, &reference);
            const std::string s = step == 0 ? std::string()
                                            : sample(model, *backend, tok,
                                                     c.method == FineTuneMethod::Lora ? t.mergedWeights() : t.trainable(),
                                                     request.samplePrompt, request.sampleTokens);
            if (step == 0) summary.firstHeldOut = held;
            summary.lastHeldOut = held;
            std::lock_guard lock(live->mutex);
            live->steps.push_back(double(step));
            live->train.push_back(train);
            live->heldOut.push_back(held);
            live->reference.push_back(ref);
            live->tokensPerSecond.push_back(rate);
            live->gradientNorm.push_back(step == 0 ? std::nan("") : t.lastGradientNorm());
            live->learningRate.push_back(step == 0 ? std::nan("") : t.learningRate(step));
            if (step > 0) live->samples.push_back({step, s});
            ++live->version;
            if (metrics)
                metrics->add({step, train, held, ref, step > 0 ? rate : std::nan(""),
                              step > 0 ? t.learningRate(step) : std::nan(""),
                              step > 0 ? t.lastGradientNorm() : std::nan("")});
            // The run is safe on disk at every evaluation (llmlab-cli finetune --resume goes on).
            if (!request.outDir.empty()) t.saveCheckpoint(request.outDir + "/checkpoint.safetensors");
        };
        record(0, std::nan(""), 0);
        auto since = std::chrono::steady_clock::now();
        double sum = 0;
        int n = 0;
        for (std::int64_t s = 1; s <= c.steps; ++s) {
            ctx.checkCancelled(); // what was measured stays in the live record and metrics.csv
            sum += t.trainStep();
            ++n;
            summary.steps = s;
            ctx.progress(double(s) / double(c.steps), "step " + std::to_string(s));
            if (s % std::max(1, request.evalEvery) == 0 || s == c.steps) {
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
                record(s, sum / n, double(n) * c.batch * c.seqLen / std::max(1e-9, secs));
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
