#include "finetune/FineTune.h"

#include "cpu/CpuGradOps.h"
#include "formats/SafetensorsReader.h"
#include "formats/SafetensorsWriter.h"
#include "model/ForwardGraph.h"
#include "quant/ModelQuantizer.h"
#include "model/Generator.h"
#include "train/Autodiff.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace llmlab {

FineTuneMethod fineTuneMethod(const std::string& name) {
    if (name == "full") return FineTuneMethod::Full;
    if (name == "top") return FineTuneMethod::TopLayers;
    if (name == "lora") return FineTuneMethod::Lora;
    throw std::invalid_argument("the method is full, top or lora, not '" + name + "'");
}

namespace {

// Everything a pass trains, by name: adjustable weights under their own names, adapters as
// lora_a.NAME / lora_b.NAME.
std::map<std::string, NodeId> paramsOf(const Plan& p) {
    std::map<std::string, NodeId> out(p.adjustable.begin(), p.adjustable.end());
    for (const auto& [name, ab] : p.lora) {
        out["lora_a." + name] = ab.first;
        out["lora_b." + name] = ab.second;
    }
    return out;
}

} // namespace

struct FineTuner::Impl {
    std::map<std::string, Tensor> weights;
    std::vector<std::int32_t> train, held; // the text's tokens: first nine tenths, last tenth
    Backend* backend = nullptr;
    ForwardOptions options;
    std::unique_ptr<Plan> step;
    std::map<std::string, NodeId> params;
    std::map<std::string, std::pair<NodeId, NodeId>> moments; // AdamW's m and v, by param name
    NodeId labels = -1, scalars = -1, loss = -1, normSq = -1;
    std::unique_ptr<Plan> eval;   // forward and loss only
    NodeId evalLabels = -1, evalLoss = -1;
    std::unique_ptr<Plan> grad;   // forward, loss and gradients, no step
    NodeId gradLabels = -1, gradLoss = -1;
    std::map<std::string, NodeId> gradNodes;
    std::vector<std::int32_t> tokens, labelValues;
    std::string referenceText;                  // the last reference text evaluated on
    std::vector<std::int32_t> referenceTokens;  // and its tokens

    void setPositions(Plan& p, int B, int T) {
        std::vector<std::int32_t> pos(std::size_t(B) * std::size_t(T));
        for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = std::int32_t(i % std::size_t(T));
        p.exe->setInput(p.positions, std::span<const std::int32_t>(pos));
    }

    // Windows of T + 1 tokens of `from`, at random starts (seeded by `seed`) or, with
    // `sequential`, one after another from the start.
    void fill(const std::vector<std::int32_t>& from, std::uint64_t seed, bool sequential, int B, int T) {
        tokens.assign(std::size_t(B) * std::size_t(T), 0);
        labelValues.assign(tokens.size(), -1);
        std::mt19937_64 rng(seed);
        const std::size_t span = from.size() - std::size_t(T);
        for (int b = 0; b < B; ++b) {
            const std::size_t start = sequential ? (std::size_t(seed) * std::size_t(B) + std::size_t(b)) * std::size_t(T) % span
                                                 : std::size_t(rng() % span);
            for (int t = 0; t < T; ++t) {
                tokens[std::size_t(b) * T + t] = from[start + std::size_t(t)];
                labelValues[std::size_t(b) * T + t] = from[start + std::size_t(t) + 1];
            }
        }
    }

    // The current trained values into another pass of the same options.
    void copyParams(Plan& to) {
        for (const auto& [name, id] : paramsOf(to)) {
            const std::vector<float> v = step->exe->read(params.at(name));
            to.exe->setInput(id, std::span<const float>(v));
        }
    }
};

FineTuner::FineTuner(std::shared_ptr<const ModelFile> model, Backend& backend, const std::string& text,
                     FineTuneConfig config)
    : m_model(std::move(model)), m_config(std::move(config)), m_impl(std::make_unique<Impl>()) {
    const FineTuneConfig& c = m_config;
    const ModelSpec& s = m_model->spec();
    if (c.batch < 1 || c.batch > 1024) throw std::invalid_argument("the batch must be 1 to 1024 sequences");
    if (c.seqLen < 2 || c.seqLen > 8192) throw std::invalid_argument("sequences must be 2 to 8192 tokens");
    if (s.context > 0 && c.seqLen > s.context)
        throw std::invalid_argument("sequences of " + std::to_string(c.seqLen) + " tokens are longer than " +
                                    m_model->path() + "'s context of " + std::to_string(s.context));
    if (!(c.lr > 0) || c.lr > 1) throw std::invalid_argument("the learning rate must be in (0, 1]");
    if (c.method == FineTuneMethod::Lora && (c.rank < 1 || c.rank > 1024))
        throw std::invalid_argument("the LoRA rank must be 1 to 1024");
    if (c.method == FineTuneMethod::TopLayers && (c.topLayers < 1 || c.topLayers > s.layers))
        throw std::invalid_argument("top layers must be 1 to " + std::to_string(s.layers));
    Impl& I = *m_impl;
    I.backend = &backend;
    I.weights = loadForwardWeights(*m_model);
    const Tokenizer tok = tokenizerFor(*m_model);
    const std::vector<std::int32_t> ids = tok.encode(text, {.addSpecial = false});
    const std::size_t cut = ids.size() * 9 / 10;
    if (ids.size() - cut < std::size_t(c.seqLen) + 2 || cut < std::size_t(c.seqLen) + 2)
        throw std::runtime_error("the text gives " + std::to_string(ids.size()) + " tokens: too few for sequences of " +
                                 std::to_string(c.seqLen) + " (a tenth is held out)");
    I.train.assign(ids.begin(), ids.begin() + std::ptrdiff_t(cut));
    I.held.assign(ids.begin() + std::ptrdiff_t(cut), ids.end());

    ForwardOptions& o = I.options;
    o.tokens = c.seqLen;
    o.batch = c.batch;
    if (c.method == FineTuneMethod::Lora) {
        o.lora.rank = c.rank;
        o.lora.alpha = c.alpha;
        o.lora.targets = c.targets;
        o.lora.seed = c.seed;
        if (c.initialAdapter) {
            if (c.initialAdapter->rank != c.rank)
                throw std::invalid_argument("the adapter has rank " + std::to_string(c.initialAdapter->rank) +
                                            ", not " + std::to_string(c.rank));
            o.lora.initial = c.initialAdapter->tensors;
        }
    } else {
        const std::string top = "blk.";
        for (const auto& [name, t] : I.weights) {
            bool take = true;
            if (c.method == FineTuneMethod::TopLayers) {
                take = name == "output_norm.weight" || name == "output_norm.bias";
                for (int l = s.layers - c.topLayers; l < s.layers; ++l)
                    take = take || name.rfind(top + std::to_string(l) + ".", 0) == 0;
            }
            if (take) o.trainable.insert(name);
        }
    }
    I.step = buildPlan(s, I.weights, m_model->path(), o);
    Graph& g = I.step->graph;
    I.params = paramsOf(*I.step);
    if (I.params.empty())
        throw std::invalid_argument("'" + c.targets + "' names none of " + m_model->path() + "'s matrices");
    const int B = c.batch, T = c.seqLen;
    I.labels = g.input("labels", Shape{std::int64_t(B) * T}, DType::I32);
    I.scalars = g.input("adamw_scalars", Shape{kAdamWScalars});
    I.loss = g.crossEntropy(I.step->logits, I.labels);
    g.capture(I.loss);
    const NodeId seed = g.crossEntropyGrad(I.step->logits, I.labels, 1.0f / float(B * T));
    std::vector<NodeId> ps;
    for (const auto& [name, id] : I.params) ps.push_back(id);
    const auto grads = appendBackward(g, I.step->logits, seed, ps);
    NodeId normSq = -1;
    if (c.clipNorm > 0)
        for (NodeId p : ps) {
            const NodeId q = g.sumSquares(grads.at(p));
            normSq = normSq < 0 ? q : g.add(normSq, q);
        }
    if (normSq >= 0) {
        g.capture(normSq);
        I.normSq = normSq;
    }
    for (const auto& [name, id] : I.params) {
        OpParams ap;
        ap.beta1 = 0.9f;
        ap.beta2 = 0.999f;
        ap.eps = 1e-8f;
        ap.weightDecay = g.node(id).shape.rank() == 2 ? float(c.weightDecay) : 0.0f;
        ap.clipNorm = float(c.clipNorm);
        const NodeId m = g.state("adam_m." + name, g.node(id).shape);
        const NodeId v = g.state("adam_v." + name, g.node(id).shape);
        g.adamw(id, grads.at(id), m, v, I.scalars, normSq, ap);
        I.moments[name] = {m, v};
    }
    I.step->exe = backend.compile(g);
    I.setPositions(*I.step, B, T);
}

FineTuner::~FineTuner() = default;

std::vector<std::string> FineTuner::trainableNames() const {
    std::vector<std::string> names;
    for (const auto& [name, id] : m_impl->params) names.push_back(name);
    return names;
}

std::int64_t FineTuner::trainableCount() const {
    std::int64_t n = 0;
    for (const auto& [name, id] : m_impl->params) n += m_impl->step->graph.node(id).shape.numel();
    return n;
}

double FineTuner::trainStep() {
    Impl& I = *m_impl;
    const std::int64_t t = m_step + 1;
    I.fill(I.train, m_config.seed * 1000003u + std::uint64_t(t), false, m_config.batch, m_config.seqLen);
    I.step->exe->setInput(I.step->ids, std::span<const std::int32_t>(I.tokens));
    I.step->exe->setInput(I.labels, std::span<const std::int32_t>(I.labelValues));
    float c1 = 1, c2 = 1;
    cpu::adamwBiasCorrections(0.9f, 0.999f, t, &c1, &c2);
    const std::vector<float> scalars = {float(learningRate(t)), c1, c2, 0.0f};
    I.step->exe->setInput(I.scalars, std::span<const float>(scalars));
    I.step->exe->run();
    const std::vector<float> loss = I.step->exe->read(I.loss);
    if (I.normSq >= 0) m_gradNorm = std::sqrt(double(I.step->exe->read(I.normSq).front()));
    m_step = t;
    double sum = 0;
    for (float v : loss) sum += v;
    return loss.empty() ? 0.0 : sum / double(loss.size());
}

double FineTuner::learningRate(std::int64_t t) const {
    const FineTuneConfig& c = m_config;
    if (!c.cosine) return c.lr;
    const std::int64_t warmup = std::min(c.warmup, c.steps / 5);
    if (warmup > 0 && t <= warmup) return c.lr * double(t) / double(warmup);
    const double f = c.steps > warmup ? double(t - warmup) / double(c.steps - warmup) : 1.0;
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::clamp(f, 0.0, 1.0)));
    return c.lr * (c.minLrFraction + (1.0 - c.minLrFraction) * cosine);
}

void FineTuner::compileEvaluation() {
    Impl& I = *m_impl;
    const int B = m_config.batch, T = m_config.seqLen;
    if (!I.eval) {
        I.eval = buildPlan(m_model->spec(), I.weights, m_model->path(), I.options);
        Graph& g = I.eval->graph;
        I.evalLabels = g.input("labels", Shape{std::int64_t(B) * T}, DType::I32);
        I.evalLoss = g.crossEntropy(I.eval->logits, I.evalLabels);
        g.capture(I.evalLoss);
        I.eval->exe = I.backend->compile(g);
        I.setPositions(*I.eval, B, T);
    }
    I.copyParams(*I.eval);
}

double FineTuner::evaluate(int batches, const std::string* otherText) {
    Impl& I = *m_impl;
    const int T = m_config.seqLen, B = m_config.batch;
    compileEvaluation();
    if (otherText && *otherText != I.referenceText) { // encoded once, not at every evaluation
        I.referenceTokens = tokenizerFor(*m_model).encode(*otherText, {.addSpecial = false});
        I.referenceText = *otherText;
        if (I.referenceTokens.size() < std::size_t(T) + 2)
            throw std::runtime_error("the reference text gives too few tokens for sequences of " + std::to_string(T));
    }
    const std::vector<std::int32_t>& from = otherText ? I.referenceTokens : I.held;
    double sum = 0;
    std::size_t n = 0;
    for (int b = 0; b < std::max(1, batches); ++b) {
        I.fill(from, std::uint64_t(b), true, B, T);
        I.eval->exe->setInput(I.eval->ids, std::span<const std::int32_t>(I.tokens));
        I.eval->exe->setInput(I.evalLabels, std::span<const std::int32_t>(I.labelValues));
        I.eval->exe->run();
        for (float v : I.eval->exe->read(I.evalLoss)) {
            sum += v;
            ++n;
        }
    }
    return n ? sum / double(n) : 0.0;
}

std::map<std::string, std::vector<float>> FineTuner::trainable() const {
    std::map<std::string, std::vector<float>> out;
    for (const auto& [name, id] : m_impl->params) out[name] = m_impl->step->exe->read(id);
    return out;
}

void FineTuner::setTrainable(const std::string& name, const std::vector<float>& values) {
    const auto it = m_impl->params.find(name);
    if (it == m_impl->params.end()) throw std::invalid_argument("nothing trained is called '" + name + "'");
    m_impl->step->exe->setInput(it->second, std::span<const float>(values));
}

double FineTuner::lossAndGradient(int index, std::map<std::string, std::vector<float>>* gradient) {
    Impl& I = *m_impl;
    const int B = m_config.batch, T = m_config.seqLen;
    if (!I.grad) {
        I.grad = buildPlan(m_model->spec(), I.weights, m_model->path(), I.options);
        Graph& g = I.grad->graph;
        I.gradLabels = g.input("labels", Shape{std::int64_t(B) * T}, DType::I32);
        I.gradLoss = g.crossEntropy(I.grad->logits, I.gradLabels);
        g.capture(I.gradLoss);
        const NodeId seed = g.crossEntropyGrad(I.grad->logits, I.gradLabels, 1.0f / float(B * T));
        const std::map<std::string, NodeId> ps = paramsOf(*I.grad);
        std::vector<NodeId> ids;
        for (const auto& [name, id] : ps) ids.push_back(id);
        const auto grads = appendBackward(g, I.grad->logits, seed, ids);
        for (const auto& [name, id] : ps) {
            g.capture(grads.at(id));
            I.gradNodes[name] = grads.at(id);
        }
        I.grad->exe = I.backend->compile(g);
        I.setPositions(*I.grad, B, T);
    }
    I.copyParams(*I.grad);
    I.fill(I.held, std::uint64_t(index), true, B, T);
    I.grad->exe->setInput(I.grad->ids, std::span<const std::int32_t>(I.tokens));
    I.grad->exe->setInput(I.gradLabels, std::span<const std::int32_t>(I.labelValues));
    I.grad->exe->run();
    if (gradient) {
        gradient->clear();
        for (const auto& [name, id] : I.gradNodes) (*gradient)[name] = I.grad->exe->read(id);
    }
    double sum = 0;
    const std::vector<float> loss = I.grad->exe->read(I.gradLoss);
    for (float v : loss) sum += v;
    return sum / double(loss.size());
}

std::vector<float> FineTuner::logits(const std::vector<std::int32_t>& tokens) {
    Impl& I = *m_impl;
    const int B = m_config.batch, T = m_config.seqLen;
    compileEvaluation(); // and takes the current values
    I.tokens.assign(std::size_t(B) * std::size_t(T), 0);
    std::copy_n(tokens.begin(), std::min(tokens.size(), std::size_t(T)), I.tokens.begin());
    I.eval->exe->setInput(I.eval->ids, std::span<const std::int32_t>(I.tokens));
    I.eval->exe->run();
    const std::vector<float> all = I.eval->exe->read(I.eval->logits);
    const std::size_t V = std::size_t(m_model->spec().vocab);
    return std::vector<float>(all.begin(), all.begin() + std::ptrdiff_t(std::size_t(T) * V));
}

LoraAdapter FineTuner::adapter() const {
    LoraAdapter a;
    a.rank = m_config.rank;
    a.alpha = m_config.alpha;
    for (const auto& [name, ab] : m_impl->step->lora)
        a.tensors[name] = {m_impl->step->exe->read(ab.first), m_impl->step->exe->read(ab.second)};
    return a;
}

void FineTuner::saveCheckpoint(const std::string& path) const {
    const Impl& I = *m_impl;
    SafetensorsWriter w;
    std::vector<std::vector<float>> keep;
    keep.reserve(I.params.size() * 3);
    for (const auto& [name, id] : I.params) {
        const auto& [m, v] = I.moments.at(name);
        for (const auto& [prefix, node] : {std::pair<std::string, NodeId>{"", id}, {"adam_m.", m}, {"adam_v.", v}}) {
            keep.push_back(I.step->exe->read(node));
            w.addTensor(prefix + name, DType::F32, I.step->graph.node(node).shape, keep.back().data());
        }
    }
    w.addMetadata("llmlab.finetune.step", std::to_string(m_step));
    w.addMetadata("llmlab.finetune.model", m_model->path());
    const std::string part = path + ".part";
    std::string error;
    if (!w.write(part, &error)) throw std::runtime_error(error);
    std::error_code ec;
    std::filesystem::rename(part, path, ec); // atomic on one file system
    if (ec) throw std::runtime_error(path + ": cannot be written (" + ec.message() + ")");
}

void FineTuner::loadCheckpoint(const std::string& path) {
    Impl& I = *m_impl;
    const RawModel raw = readSafetensorsFile(path); // FormatError (a runtime_error) names the file
    std::map<std::string, const TensorInfo*> byName;
    for (const TensorInfo& t : raw.tensors) byName[t.sourceName.empty() ? t.name : t.sourceName] = &t;
    auto put = [&](const std::string& name, NodeId node) {
        const auto it = byName.find(name);
        if (it == byName.end()) throw std::runtime_error(path + ": the checkpoint has no '" + name + "'");
        const TensorInfo& t = *it->second;
        if (t.dtype != DType::F32 || t.shape.numel() != I.step->graph.node(node).shape.numel())
            throw std::runtime_error(path + ": '" + name + "' does not fit this run (another configuration?)");
        const Tensor x = Tensor::borrow(t.dtype, t.shape, raw.files[std::size_t(t.file)]->data() + t.offset, nullptr);
        const std::vector<float> v = x.toFloats();
        I.step->exe->setInput(node, std::span<const float>(v));
    };
    for (const auto& [name, id] : I.params) {
        put(name, id);
        put("adam_m." + name, I.moments.at(name).first);
        put("adam_v." + name, I.moments.at(name).second);
    }
    const MetaValue* step = raw.metadata.find("safetensors.llmlab.finetune.step");
    if (!step) throw std::runtime_error(path + ": the checkpoint does not say its step");
    const std::string* text = step->asString();
    if (!text) throw std::runtime_error(path + ": the checkpoint's step is not a string");
    m_step = std::stoll(*text);
}

std::map<std::string, std::vector<float>> FineTuner::mergedWeights() const {
    std::map<std::string, std::vector<float>> out;
    const Impl& I = *m_impl;
    const float scale = m_config.alpha / float(std::max(1, m_config.rank));
    for (const auto& [name, ab] : I.step->lora) {
        const Tensor& base = I.weights.at(name); // GPT-2's q/k/v already split, as trained
        std::vector<float> w = base.toFloats();
        addLoraUpdate(w, base.shape().dim(0), base.shape().dim(1), I.step->exe->read(ab.first),
                      I.step->exe->read(ab.second), m_config.rank, scale);
        out[name] = std::move(w);
    }
    return out;
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
    std::string kept = "step,train_loss,held_out_loss,reference_loss,tokens_per_s,learning_rate,gradient_norm\n";
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

void FineTuneMetrics::add(const FineTuneRow& r) {
    auto cell = [](double v) {
        if (!std::isfinite(v)) return std::string();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.7g", v); // a learning rate of 1e-6 keeps its digits
        return std::string(buf);
    };
    std::ofstream out(m_path, std::ios::app);
    out << r.step << ',' << cell(r.train) << ',' << cell(r.heldOut) << ',' << cell(r.reference) << ','
        << cell(r.tokensPerSecond) << ',' << cell(r.learningRate) << ',' << cell(r.gradientNorm) << '\n';
    if (!out) throw std::runtime_error(m_path + ": cannot be written");
}

} // namespace llmlab
