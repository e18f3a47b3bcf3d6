// A fine-tuning run's files and figures around the trainer: config.json and metrics.csv (the
// same for the CLI and the tab), the estimate shown before Start, QLoRA's quantized base.
#include "finetune/FineTune.h"

#include "TextFile.h"
#include "model/ForwardGraph.h"
#include "quant/ModelQuantizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace llmlab {
void writeFineTuneRun(const std::string& path, const FineTuneRun& run, std::int64_t trainable) {
    const FineTuneConfig& c = run.config;
    const nlohmann::json j{{"model", run.model}, {"data", run.data}, {"reference", run.reference},
                           {"quant", run.quant}, {"method", fineTuneMethodName(c.method)}, {"rank", c.rank},
                           {"alpha", c.alpha}, {"targets", c.targets}, {"lora-dropout", c.loraDropout},
                           {"top", c.topLayers}, {"steps", c.steps}, {"batch", c.batch}, {"seq", c.seqLen},
                           {"accumulate", c.accumulate}, {"checkpointing", c.checkpointing}, {"lr", c.lr},
                           {"seed", c.seed}, {"eval-every", run.evalEvery},
                           {"schedule", c.cosine ? "cosine" : "constant"}, {"warmup", c.warmup},
                           {"trainable", trainable}};
    std::ofstream out(path, std::ios::trunc);
    out << j.dump(1) << "\n";
    if (!out) throw std::runtime_error(path + ": cannot be written");
}

FineTuneRun readFineTuneRun(const std::string& path) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(readTextFile(path));
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(path + ": not JSON (" + e.what() + ")");
    }
    FineTuneRun r;
    FineTuneConfig& c = r.config;
    try {
        r.model = j.value("model", "");
        r.data = j.value("data", "");
        r.reference = j.value("reference", "");
        r.quant = j.value("quant", "");
        r.evalEvery = j.value("eval-every", 20);
        c.method = fineTuneMethod(j.value("method", "lora"));
        c.rank = j.value("rank", c.rank);
        c.alpha = j.value("alpha", c.alpha);
        c.targets = j.value("targets", c.targets);
        c.loraDropout = j.value("lora-dropout", c.loraDropout);
        c.topLayers = j.value("top", c.topLayers);
        c.steps = j.value("steps", c.steps);
        c.batch = j.value("batch", c.batch);
        c.seqLen = j.value("seq", c.seqLen);
        c.accumulate = j.value("accumulate", c.accumulate);
        c.checkpointing = j.value("checkpointing", c.checkpointing);
        c.lr = j.value("lr", c.lr);
        c.seed = j.value("seed", c.seed);
        c.cosine = j.value("schedule", "constant") == "cosine";
        c.warmup = j.value("warmup", c.warmup);
    } catch (const std::exception& e) { // a wrong type, or an unknown method
        throw std::runtime_error(path + ": not a fine-tuning run's configuration (" + e.what() + ")");
    }
    if (r.model.empty() || r.data.empty()) throw std::runtime_error(path + ": does not say the model and the data");
    return r;
}

FineTuneEstimate estimateFineTune(const ModelFile& model, const FineTuneConfig& c, const std::string& quant,
                                  int classes) {
    const ModelSpec& s = model.spec();
    FineTuneEstimate e;
    if (c.method == FineTuneMethod::Head) {
        // The head's values, F32 with their gradient and Adam's moments; the model's weights
        // as stored; a forward pass keeps one block's activations at a time.
        e.trainable = std::int64_t(std::max(2, classes)) * (s.width + 1);
        CostOptions o;
        o.trainSeq = c.seqLen;
        o.trainBatch = c.batch;
        o.checkpointing = true;
        const CostReport r = computeCost(costShapeOf(s, model.tensors(), model.path()), o);
        e.memory.method = "Head";
        e.memory.weights = r.storedBytes;
        e.memory.adapters = 16.0 * double(e.trainable);
        e.memory.activations = r.activationBytes / std::max(1, s.layers);
        return e;
    }
    std::set<std::string> kinds; // canonical matrix kinds adapted ("attn_q"), for the calculator
    for (const TensorInfo& t : model.tensors()) {
        const std::int64_t n = t.shape.numel();
        if (c.method == FineTuneMethod::Full) {
            e.trainable += n;
            continue;
        }
        if (c.method == FineTuneMethod::TopLayers) {
            bool take = t.name == "output_norm.weight" || t.name == "output_norm.bias";
            for (int l = s.layers - c.topLayers; l < s.layers; ++l)
                take = take || t.name.rfind("blk." + std::to_string(l) + ".", 0) == 0;
            if (take) e.trainable += n;
            continue;
        }
        if (t.shape.rank() != 2) continue;
        // LoRA on [out, in]: r (in + out) values; GPT-2's fused q/k/v is trained as three.
        std::vector<std::pair<std::string, std::int64_t>> parts; // (name, in + out)
        const std::size_t fused = t.name.find(".attn_qkv.");
        if (fused != std::string::npos && s.family == ModelFamily::Gpt2) {
            for (const char* part : {"attn_q", "attn_k", "attn_v"}) // each [width, width]
                parts.push_back({t.name.substr(0, fused + 1) + part + ".weight", 2 * std::int64_t(s.width)});
        } else {
            parts.push_back({t.name, t.shape.dim(0) + t.shape.dim(1)});
        }
        for (const auto& [name, sum] : parts) {
            if (!loraTargets(c.targets, name)) continue;
            e.trainable += std::int64_t(c.rank) * sum;
            ++e.matrices;
            const std::size_t a = name.find('.', 4), b = name.find('.', a + 1);
            kinds.insert(name.substr(a + 1, b - a - 1));
        }
    }
    CostOptions o;
    o.trainSeq = c.seqLen;
    o.trainBatch = c.batch;
    o.checkpointing = c.checkpointing;
    o.loraRank = c.rank;
    o.loraTargets.clear();
    for (const std::string& k : kinds) o.loraTargets += (o.loraTargets.empty() ? "\\.(" : "|") + k;
    o.loraTargets = kinds.empty() ? "^$" : o.loraTargets + ")\\.";
    if (s.family == ModelFamily::Gpt2 && (kinds.count("attn_q") || kinds.count("attn_k") || kinds.count("attn_v")))
        o.loraTargets = "attn_qkv|" + o.loraTargets; // the calculator sees the fused matrix
    const CostReport r = computeCost(costShapeOf(s, model.tensors(), model.path()), o);
    std::string row = "Full AMP";
    if (c.method == FineTuneMethod::Lora)
        row = quant.empty() ? "LoRA 16" : quant == "Q8_0" ? "QLoRA 8" : "QLoRA 4";
    for (const TrainingMemory& m : r.training)
        if (m.method == row) e.memory = m;
    return e;
}

std::shared_ptr<const ModelFile> quantizedBase(const ModelFile& model, const std::string& type,
                                               const std::string& dir, bool reuse, const CancelToken* cancel) {
    QuantizeOptions q;
    q.scheme = quantScheme(type).name;
    q.pure = true;
    const std::filesystem::path folder = dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(dir);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw std::runtime_error(folder.string() + ": cannot be created (" + ec.message() + ")");
    const std::string packed = (folder / ("base-" + q.scheme + ".gguf")).string();
    if (!reuse || !std::filesystem::exists(packed)) quantizeModel(model, packed, q, {}, cancel);
    std::string error;
    std::shared_ptr<const ModelFile> out = ModelFile::open(packed, &error);
    if (!out) throw std::runtime_error(error);
    return out;
}

FineTuneMetrics::FineTuneMetrics(std::string path, std::int64_t resumeAt) : m_path(std::move(path)) {
    std::string kept = "step,train_loss,held_out_loss,reference_loss,tokens_per_s,learning_rate,gradient_norm,"
                       "held_out_accuracy\n";
    if (resumeAt >= 0) {
        // One row a step: rows after the checkpoint were measured by the run that died.
        std::ifstream in(m_path);
        std::string line;
        for (bool header = true; std::getline(in, line); header = false)
            if (!header && !line.empty() && std::stoll(line.substr(0, line.find(','))) <= resumeAt) kept += line + "\n";
    }
    std::ofstream out(m_path, std::ios::trunc);
    out << kept;
    if (!out) throw std::runtime_error(m_path + ": cannot be written");
}

std::vector<FineTuneRow> readFineTuneMetrics(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    std::vector<FineTuneRow> rows;
    std::string line;
    for (bool header = true; std::getline(in, line); header = false) {
        if (header || line.empty()) continue;
        std::vector<double> cells;
        std::size_t at = 0;
        while (at <= line.size()) {
            const std::size_t comma = std::min(line.find(',', at), line.size());
            const std::string cell = line.substr(at, comma - at);
            char* end = nullptr;
            const double v = cell.empty() ? std::nan("") : std::strtod(cell.c_str(), &end);
            cells.push_back(!cell.empty() && end != cell.c_str() + cell.size() ? std::nan("") : v);
            at = comma + 1;
        }
        if (cells.size() == 7) cells.push_back(std::nan("")); // written before the accuracy column
        // A row cut short (a run killed as it wrote) or without its step is left out.
        if (cells.size() != 8 || !std::isfinite(cells[0])) continue;
        rows.push_back({std::int64_t(cells[0]), cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]});
    }
    return rows;
}

void FineTuneMetrics::add(const FineTuneRow& r) {
    auto cell = [](double v) {
        if (!std::isfinite(v)) return std::string();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.7g", v); // a learning rate of 1e-6 keeps its digits
        return std::string(buf);
    };
    std::ofstream out(m_path, std::ios::app);
    out << r.step << ',' << cell(r.train) << ',' << cell(r.heldOut) << ',' << cell(r.reference) << ','
        << cell(r.tokensPerSecond) << ',' << cell(r.learningRate) << ',' << cell(r.gradientNorm) << ','
        << cell(r.accuracy) << '\n';
    if (!out) throw std::runtime_error(m_path + ": cannot be written");
}

} // namespace llmlab
