// `llmlab-cli finetune MODEL --data FILE [--method lora|full|top] [--rank 8] [--alpha 16]
// [--targets 'q_proj|v_proj'] [--lora-dropout P] [--top 2] [--steps 100] [--batch 4] [--seq 64]
// [--accumulate N] [--checkpointing] [--lr 1e-3]
// [--eval-every 20] [--reference FILE] [--out RUN] [--merge OUT.gguf|DIR]`: fine-tunes an opened
// model on a text, printing the training loss, the held-out loss (the text's last tenth) and,
// with --reference, the loss on another text (forgetting) as it goes; RUN gets config.json and
// metrics.csv, --merge a GGUF (or, from a Hugging Face folder, a folder) of the base with what
// was trained folded in. --method head trains
// a classifier on the frozen model's features from lines of "label<TAB>text" (--classify TEXT
// prints a text's class probabilities at the end).
#include "BackendFactory.h"
#include "Cli.h"
#include "TextFile.h"
#include "finetune/FineTune.h"
#include "finetune/PeftAdapter.h"
#include "formats/ModelFile.h"
#include "quant/ModelQuantizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace llmlab::cli {

int finetune(const Args& args) {
    const std::vector<std::string> pos = positionals("finetune", args);
    // --resume RUN: the run's config.json gives every option not given again, and the run goes
    // on from RUN/checkpoint.safetensors.
    const std::string resumeDir = option(args, "resume");
    nlohmann::json resumed;
    if (!resumeDir.empty()) {
        const std::string file = resumeDir + "/config.json";
        try {
            resumed = nlohmann::json::parse(readTextFile(file));
        } catch (const nlohmann::json::exception& e) {
            throw std::runtime_error(file + ": not JSON (" + e.what() + ")");
        }
    }
    auto opt = [&](const std::string& name, const std::string& fallback) -> std::string {
        if (std::string v = option(args, name); !v.empty()) return v;
        if (resumed.contains(name)) {
            const nlohmann::json& x = resumed[name];
            return x.is_string() ? x.get<std::string>() : x.dump();
        }
        return fallback;
    };
    const std::string modelPath = !pos.empty() ? pos.front() : opt("model", "");
    if (modelPath.empty())
        throw std::invalid_argument("say which model: llmlab-cli finetune MODEL --data FILE");
    const std::string data = opt("data", "");
    if (data.empty()) throw std::invalid_argument("say what to train on: --data FILE (a text)");
    std::string error;
    std::shared_ptr<const ModelFile> model = ModelFile::open(modelPath, &error);
    if (!model) throw std::runtime_error(error);
    const std::string out = resumeDir.empty() ? option(args, "out") : resumeDir;
    // --quant TYPE: QLoRA's base — the model quantized first (into RUN, or beside the system's
    // temporary files) and trained on packed; LoRA stays F32.
    const std::string quant = opt("quant", "");
    if (!quant.empty()) {
        model = quantizedBase(*model, quant, out, !resumeDir.empty());
        std::printf("the base quantized to %s: %s\n", quant.c_str(), model->path().c_str());
    }
    auto backend = createBackend(option(args, "backend", "cpu"), &error);
    if (!backend) throw std::runtime_error(error);
    const std::string methodName = opt("method", "lora");
    FineTuneConfig c;
    c.method = fineTuneMethod(methodName);
    c.rank = std::stoi(opt("rank", "8"));
    c.alpha = std::stof(opt("alpha", "16"));
    c.targets = opt("targets", "q_proj|v_proj");
    c.topLayers = std::stoi(opt("top", "2"));
    c.steps = std::stoll(opt("steps", "100"));
    c.loraDropout = std::stof(opt("lora-dropout", "0"));
    c.batch = std::stoi(opt("batch", "4"));
    c.seqLen = std::stoi(opt("seq", "64"));
    c.accumulate = std::stoi(opt("accumulate", "1"));
    c.checkpointing = flag(args, "checkpointing") || opt("checkpointing", "false") == "true";
    c.lr = std::stod(opt("lr", "1e-3"));
    c.seed = std::stoull(opt("seed", "1"));
    const std::string schedule = opt("schedule", "constant");
    if (schedule != "constant" && schedule != "cosine")
        throw std::invalid_argument("--schedule is constant or cosine, not '" + schedule + "'");
    c.cosine = schedule == "cosine";
    c.warmup = std::stoll(opt("warmup", c.cosine ? std::to_string(std::max<std::int64_t>(1, c.steps / 10)) : "0"));
    const int every = std::max(1, std::stoi(opt("eval-every", "20")));
    const std::string referencePath = opt("reference", "");
    const std::string reference = referencePath.empty() ? std::string() : readTextFile(referencePath);
    // --adapter DIR: go on from a PEFT adapter (its rank, alpha and matrices).
    LoraAdapter start;
    if (const std::string dir = option(args, "adapter"); !dir.empty()) {
        if (c.method != FineTuneMethod::Lora) throw std::invalid_argument("--adapter goes with --method lora");
        start = readPeftAdapter(dir, *model);
        c.rank = start.rank;
        c.alpha = start.alpha;
        c.targets.clear();
        for (const auto& [name, ab] : start.tensors) {
            std::string escaped;
            for (char ch : name) escaped += ch == '.' ? std::string("\\.") : std::string(1, ch);
            c.targets += (c.targets.empty() ? "^(" : "|") + escaped;
        }
        c.targets += ")$";
        c.initialAdapter = &start;
    }
    const bool head = c.method == FineTuneMethod::Head;
    if (head && (!referencePath.empty() || !option(args, "peft").empty() || !option(args, "merge").empty()))
        throw std::invalid_argument("a classification head leaves the model as it is: no --reference (forgetting), "
                                    "--peft or --merge; its values are in RUN/checkpoint.safetensors");
    FineTuner t(model, *backend, readTextFile(data), c);
    const std::string checkpoint = out.empty() ? std::string() : out + "/checkpoint.safetensors";
    if (!resumeDir.empty()) {
        t.loadCheckpoint(checkpoint);
        std::printf("resuming %s at step %lld\n", resumeDir.c_str(), static_cast<long long>(t.step()));
    }

    std::unique_ptr<FineTuneMetrics> metrics;
    if (!out.empty()) {
        std::filesystem::create_directories(out);
        if (resumeDir.empty())
            writeFineTuneRun(out + "/config.json", {modelPath, data, referencePath, quant, every, c}, t.trainableCount());
        metrics = std::make_unique<FineTuneMetrics>(out + "/metrics.csv", resumeDir.empty() ? -1 : t.step());
    }
    std::printf("fine-tuning %s (%s, %lld values trained) on %s: %lld steps of %d x %d x %d tokens%s\n",
                model->path().c_str(), methodName.c_str(), static_cast<long long>(t.trainableCount()),
                data.c_str(), static_cast<long long>(c.steps), c.accumulate, c.batch, c.seqLen,
                c.checkpointing ? ", checkpointing" : "");
    {
        // What the cost calculator predicts the configuration needs (16-bit weights, as on a
        // GPU), beside what this engine's compiled step holds.
        const FineTuneEstimate e = estimateFineTune(*model, c, quant, std::max<int>(2, int(t.classes().size())));
        const TrainingMemory& mem = e.memory;
        std::printf("the cost calculator, %s: %.3f GB (weights %.3f, adapters %.3f, gradients and Adam %.3f, "
                    "activations %.3f); this step's buffers: %.3f GB\n",
                    mem.method.c_str(), mem.total() / 1e9, mem.weights / 1e9, mem.adapters / 1e9,
                    (mem.gradients + mem.optimizer + mem.master) / 1e9, mem.activations / 1e9,
                    double(t.stepBufferBytes()) / 1e9);
    }
    auto evalLine = [&](std::int64_t step, double train, double rate) {
        const double held = t.evaluate(4);
        const double ref = reference.empty() ? std::nan("") : t.evaluate(4, &reference);
        const double accuracy = t.heldOutAccuracy();
        std::printf("step %5lld  train %.4f  held-out %.4f%s%s  lr %.2e  |g| %.3f  %.0f tokens/s\n",
                    static_cast<long long>(step), train, held,
                    reference.empty() ? "" : ("  reference " + std::to_string(ref)).c_str(),
                    std::isnan(accuracy) ? "" : ("  accuracy " + std::to_string(accuracy)).c_str(),
                    step > 0 ? t.learningRate(step) : 0.0, step > 0 ? t.lastGradientNorm() : 0.0, rate);
        std::fflush(stdout);
        if (metrics)
            metrics->add({step, train, held, ref, step > 0 ? rate : std::nan(""),
                          step > 0 ? t.learningRate(step) : std::nan(""),
                          step > 0 ? t.lastGradientNorm() : std::nan(""), accuracy});
        // After the row: a run killed now resumes from here and rewrites nothing it measured.
        if (!checkpoint.empty()) t.saveCheckpoint(checkpoint);
    };
    if (t.step() == 0) evalLine(0, std::nan(""), 0);
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    double sum = 0;
    int n = 0;
    for (std::int64_t s = t.step() + 1; s <= c.steps; ++s) {
        sum += t.trainStep();
        ++n;
        if (s % every == 0 || s == c.steps) {
            const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
            evalLine(s, sum / n, double(n) * c.accumulate * c.batch * c.seqLen / std::max(1e-9, secs));
            sum = 0;
            n = 0;
            t0 = Clock::now();
        }
    }
    if (const std::string text = option(args, "classify"); !text.empty()) {
        const std::vector<double> p = t.classify(text);
        std::printf("classify \"%s\":", text.c_str());
        for (std::size_t k = 0; k < p.size(); ++k) std::printf("  %s %.4f", t.classes()[k].c_str(), p[k]);
        std::printf("\n");
    }
    if (const std::string peft = option(args, "peft"); !peft.empty()) {
        if (c.method != FineTuneMethod::Lora) throw std::invalid_argument("--peft writes LoRA adapters: use --method lora");
        writePeftAdapter(peft, *model, t.adapter());
        std::printf("wrote %s: adapter_config.json and adapter_model.safetensors (PEFT's layout)\n", peft.c_str());
    }
    if (const std::string merge = option(args, "merge"); !merge.empty()) {
        // Under the file's names: GPT-2's q, k and v fused back into its attn_qkv.
        const std::map<std::string, std::vector<float>> values =
            weightsForFile(*model, c.method == FineTuneMethod::Lora ? t.mergedWeights() : t.trainable());
        if (merge.size() > 5 && merge.compare(merge.size() - 5, 5, ".gguf") == 0) {
            QuantizeOptions q;
            q.scheme = "F32";
            q.pure = true;
            q.replacements = &values;
            quantizeModel(*model, merge, q);
            std::printf("wrote %s: the base with what was trained folded in (F32)\n", merge.c_str());
        } else { // a Hugging Face folder, from a Hugging Face folder
            writeMergedHfFolder(*model, values, merge);
            std::printf("wrote %s: a Hugging Face folder of the base with what was trained folded in\n", merge.c_str());
        }
    }
    return 0;
}

// `llmlab-cli bench finetune MODEL --data FILE [--method lora|full|top] [--quant TYPE]
// [--targets P] [--rank R] [--batch B] [--seq T] [--steps N]`: training tokens/s (forward,
// backward, AdamW; the evaluation passes not counted), after one warm-up step.
int benchFinetune(const Args& args) {
    if (args.size() < 2) throw std::invalid_argument("say which model: bench finetune MODEL --data FILE");
    std::string error;
    std::shared_ptr<const ModelFile> model = ModelFile::open(args[1], &error);
    if (!model) throw std::runtime_error(error);
    const std::string data = option(args, "data");
    if (data.empty()) throw std::invalid_argument("say what to train on: --data FILE (a text)");
    if (const std::string quant = option(args, "quant"); !quant.empty()) model = quantizedBase(*model, quant, "", false);
    auto backend = createBackend(option(args, "backend", "cpu"), &error);
    if (!backend) throw std::runtime_error(error);
    FineTuneConfig c;
    c.method = fineTuneMethod(option(args, "method", "lora"));
    c.rank = std::stoi(option(args, "rank", "8"));
    c.targets = option(args, "targets", "q_proj|v_proj");
    c.batch = std::stoi(option(args, "batch", "8"));
    c.seqLen = std::stoi(option(args, "seq", "64"));
    c.accumulate = std::stoi(option(args, "accumulate", "1"));
    c.checkpointing = flag(args, "checkpointing");
    const int steps = std::max(1, std::stoi(option(args, "steps", "5")));
    FineTuner t(model, *backend, readTextFile(data), c);
    t.trainStep(); // warm-up: first-touch of the buffers
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) t.trainStep();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("finetune %s (%s%s, %lld values trained, %d x %d x %d tokens a step%s) on %s (%s): %.1f tokens/s, "
                "step buffers %.1f MB\n",
                args[1].c_str(), option(args, "method", "lora").c_str(),
                option(args, "quant").empty() ? "" : (" on " + option(args, "quant")).c_str(),
                static_cast<long long>(t.trainableCount()), c.accumulate, c.batch, c.seqLen,
                c.checkpointing ? ", checkpointing" : "", backend->name().c_str(), backend->deviceName().c_str(),
                double(steps) * c.accumulate * c.batch * c.seqLen / secs, double(t.stepBufferBytes()) / 1e6);
    return 0;
}

} // namespace llmlab::cli
