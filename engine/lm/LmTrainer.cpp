#include "LmTrainer.h"

#include "LmTokenizer.h"
#include "cpu/CpuGradOps.h"
#include "formats/GgufWriter.h"
#include "formats/Metadata.h"
#include "train/Autodiff.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace llmlab {

struct LmTrainer::Impl {
    Graph g;
    LmForward f;
    NodeId labels = -1, scalars = -1, loss = -1;
    std::unique_ptr<Executable> exe;
    std::unique_ptr<LmData> data;
    std::vector<std::int32_t> tokens, labelValues;
    std::map<std::string, std::pair<NodeId, NodeId>> moments; ///< param name -> (m, v) states
    Backend* backend = nullptr;
    // The forward pass alone, compiled at the first evaluation.
    Graph evalGraph;
    LmForward evalModel;
    NodeId evalLabels = -1, evalLoss = -1;
    std::unique_ptr<Executable> evalExe;
};

LmTrainer::LmTrainer(const LmTrainConfig& config, Backend& backend) : m_config(config) {
    if (m_config.batch < 1 || m_config.batch > 4096)
        throw std::invalid_argument("the batch must be 1 to 4096 sequences");
    if (m_config.seqLen < 4 || m_config.seqLen > 4096)
        throw std::invalid_argument("sequences must be 4 to 4096 tokens");
    if (m_config.steps < 1) throw std::invalid_argument("training needs at least one step");
    if (!(m_config.lr > 0) || m_config.lr > 1)
        throw std::invalid_argument("the learning rate must be in (0, 1]");
    const Tokenizer tok = lmTokenizer(m_config.tokenizer, m_config.bpeVocab, m_config.textPath);
    m_config.model.vocab = tok.vocabSize();
    m_config.model.context = std::max(m_config.model.context, m_config.seqLen);
    validateLmConfig(m_config.model);
    m_impl = std::make_unique<Impl>();
    Impl& I = *m_impl;
    I.data = makeLmData(m_config.task, m_config.textPath, tok, m_config.seed);
    I.backend = &backend;

    Graph& g = I.g;
    const int B = m_config.batch, T = m_config.seqLen;
    I.f = buildLmForward(g, m_config.model, initLmParams(m_config.model, m_config.seed), B, T);
    I.labels = g.input("labels", Shape{std::int64_t(B) * T}, DType::I32);
    I.scalars = g.input("adamw_scalars", Shape{kAdamWScalars});
    I.loss = g.crossEntropy(I.f.logits, I.labels);
    g.capture(I.loss);
    // Gradient of the mean over all positions; unlabelled ones add nothing. Adam does not mind
    // the constant factor that a varying count of labelled positions would bring.
    const NodeId seed = g.crossEntropyGrad(I.f.logits, I.labels, 1.0f / float(B * T));
    std::vector<NodeId> params;
    for (const auto& [name, id] : I.f.params) params.push_back(id);
    const auto grads = appendBackward(g, I.f.logits, seed, params);
    NodeId normSq = -1;
    if (m_config.clipNorm > 0)
        for (NodeId p : params) {
            const NodeId s = g.sumSquares(grads.at(p));
            normSq = normSq < 0 ? s : g.add(normSq, s);
        }
    for (const auto& [name, id] : I.f.params) {
        OpParams ap;
        ap.beta1 = 0.9f;
        ap.beta2 = 0.99f;
        ap.eps = 1e-8f;
        // Decay the matrices only: norm gains and embeddings keep their scale.
        const bool matrix = g.node(id).shape.rank() == 2 && name != "token_embd.weight";
        ap.weightDecay = matrix ? float(m_config.weightDecay) : 0.0f;
        ap.clipNorm = float(m_config.clipNorm);
        const NodeId m = g.state("adam_m." + name, g.node(id).shape);
        const NodeId v = g.state("adam_v." + name, g.node(id).shape);
        g.adamw(id, grads.at(id), m, v, I.scalars, normSq, ap);
        I.moments[name] = {m, v};
    }
    I.exe = backend.compile(g);
    std::vector<std::int32_t> pos(std::size_t(B) * std::size_t(T));
    for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = std::int32_t(i % std::size_t(T));
    I.exe->setInput(I.f.positions, std::span<const std::int32_t>(pos));
}

LmTrainer::~LmTrainer() = default;

double LmTrainer::learningRate(std::int64_t t) const {
    const LmTrainConfig& c = m_config;
    // The warm-up takes at most a fifth of the run: the short runs of a scaling sweep would
    // otherwise spend most of their steps warming up.
    const std::int64_t warmup = std::min(c.warmup, c.steps / 5);
    if (warmup > 0 && t <= warmup) return c.lr * double(t) / double(warmup);
    const double f = c.steps > warmup ? double(t - warmup) / double(c.steps - warmup) : 1.0;
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, std::max(0.0, f))));
    return c.lr * (c.minLrFraction + (1.0 - c.minLrFraction) * cosine);
}

double LmTrainer::trainStep() {
    Impl& I = *m_impl;
    const std::int64_t t = m_step + 1;
    I.data->fill(std::uint64_t(t), m_config.batch, m_config.seqLen, I.tokens, I.labelValues);
    I.exe->setInput(I.f.tokens, std::span<const std::int32_t>(I.tokens));
    I.exe->setInput(I.labels, std::span<const std::int32_t>(I.labelValues));
    float c1 = 1, c2 = 1;
    cpu::adamwBiasCorrections(0.9f, 0.99f, t, &c1, &c2);
    const std::vector<float> scalars = {float(learningRate(t)), c1, c2, 0.0f};
    I.exe->setInput(I.scalars, std::span<const float>(scalars));
    I.exe->run();
    const std::vector<float> loss = I.exe->read(I.loss);
    double sum = 0;
    std::size_t counted = 0;
    for (std::size_t i = 0; i < loss.size(); ++i)
        if (I.labelValues[i] >= 0) {
            sum += loss[i];
            ++counted;
        }
    m_step = t;
    return counted ? sum / double(counted) : 0.0;
}

ToyParams LmTrainer::parameters() const {
    ToyParams p;
    for (const auto& [name, id] : m_impl->f.params) {
        p.shapes[name] = m_impl->g.node(id).shape;
        p.values[name] = m_impl->exe->read(id);
    }
    return p;
}

ToyParams LmTrainer::optimizerState() const {
    ToyParams s;
    for (const auto& [name, mv] : m_impl->moments)
        for (NodeId id : {mv.first, mv.second}) {
            const Node& node = m_impl->g.node(id);
            s.shapes[node.name] = node.shape;
            s.values[node.name] = m_impl->exe->read(id);
        }
    return s;
}

void LmTrainer::restore(std::int64_t step, const ToyParams& params, const ToyParams& state) {
    Impl& I = *m_impl;
    auto put = [&](NodeId id, const std::map<std::string, std::vector<float>>& values) {
        const Node& node = I.g.node(id);
        const auto it = values.find(node.name);
        if (it == values.end())
            throw std::invalid_argument("the checkpoint has no '" + node.name + "'");
        if (std::int64_t(it->second.size()) != node.shape.numel())
            throw std::invalid_argument("the checkpoint's '" + node.name + "' has the wrong size");
        I.exe->setInput(id, std::span<const float>(it->second));
    };
    for (const auto& [name, id] : I.f.params) {
        put(id, params.values);
        put(I.moments.at(name).first, state.values);
        put(I.moments.at(name).second, state.values);
    }
    m_step = step;
}

LmTrainer::Evaluation LmTrainer::evaluate(int batches) {
    Impl& I = *m_impl;
    const int B = m_config.batch, T = m_config.seqLen;
    if (!I.evalExe) {
        I.evalModel = buildLmForward(I.evalGraph, m_config.model, parameters(), B, T);
        I.evalLabels = I.evalGraph.input("labels", Shape{std::int64_t(B) * T}, DType::I32);
        I.evalLoss = I.evalGraph.crossEntropy(I.evalModel.logits, I.evalLabels);
        I.evalGraph.capture(I.evalLoss);
        I.evalGraph.capture(I.evalModel.logits);
        I.evalExe = I.backend->compile(I.evalGraph);
        std::vector<std::int32_t> pos(std::size_t(B) * std::size_t(T));
        for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = std::int32_t(i % std::size_t(T));
        I.evalExe->setInput(I.evalModel.positions, std::span<const std::int32_t>(pos));
    }
    for (const auto& [name, id] : I.f.params) {
        const std::vector<float> v = I.exe->read(id);
        I.evalExe->setInput(I.evalModel.params.at(name), std::span<const float>(v));
    }
    const int vocab = m_config.model.vocab;
    double lossSum = 0;
    std::int64_t counted = 0, right = 0;
    std::vector<std::int32_t> tokens, labels;
    for (int b = 0; b < std::max(1, batches); ++b) {
        I.data->fillValidation(std::uint64_t(b), B, T, tokens, labels);
        I.evalExe->setInput(I.evalModel.tokens, std::span<const std::int32_t>(tokens));
        I.evalExe->setInput(I.evalLabels, std::span<const std::int32_t>(labels));
        I.evalExe->run();
        const std::vector<float> loss = I.evalExe->read(I.evalLoss);
        const std::vector<float> logits = I.evalExe->read(I.evalModel.logits); // [B*T, vocab]
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] < 0) continue;
            lossSum += loss[i];
            ++counted;
            const float* row = logits.data() + i * std::size_t(vocab);
            right += std::max_element(row, row + vocab) - row == labels[i];
        }
    }
    if (counted == 0) return {};
    return {lossSum / double(counted), double(right) / double(counted)};
}

bool exportLmGguf(const std::string& path, const LmTrainConfig& c, const ToyParams& params,
                  std::string* error) {
    auto u32 = [](std::int64_t v) { return MetaValue::integer(MetaType::UInt32, v); };
    const LmConfig& m = c.model;
    GgufWriter w;
    w.addMetadata("general.architecture", MetaValue::string("llama"));
    w.addMetadata("general.name", MetaValue::string("llmlab tiny llama (" + c.task + ")"));
    w.addMetadata("llama.block_count", u32(m.layers));
    w.addMetadata("llama.embedding_length", u32(m.dModel));
    w.addMetadata("llama.attention.head_count", u32(m.heads));
    w.addMetadata("llama.attention.head_count_kv", u32(m.heads));
    w.addMetadata("llama.feed_forward_length", u32(m.ffnWidth()));
    w.addMetadata("llama.context_length", u32(m.context));
    w.addMetadata("llama.vocab_size", u32(m.vocab));
    w.addMetadata("llama.rope.dimension_count", u32(m.headDim()));
    w.addMetadata("llama.rope.freq_base", MetaValue::real(MetaType::Float32, m.ropeTheta));
    w.addMetadata("llama.attention.layer_norm_rms_epsilon",
                  MetaValue::real(MetaType::Float32, m.normEps));
    for (auto& [k, v] : lmTokenizerMetadata(c.tokenizer, c.bpeVocab, c.textPath))
        w.addMetadata(k, v);
    w.addMetadata("llmlab.train.task", MetaValue::string(c.task));
    w.addMetadata("llmlab.train.steps", u32(c.steps));
    w.addMetadata("llmlab.train.batch", u32(c.batch));
    w.addMetadata("llmlab.train.seq_len", u32(c.seqLen));
    w.addMetadata("llmlab.train.lr", MetaValue::real(MetaType::Float32, c.lr));
    w.addMetadata("llmlab.train.seed", u32(std::int64_t(c.seed)));
    for (const auto& [name, values] : params.values)
        w.addTensor(name, DType::F32, params.shapes.at(name), values.data());
    return w.write(path, error);
}

LmTrainReport trainLanguageModel(const LmTrainConfig& config, Backend& backend,
                                 const std::string& outPath,
                                 const std::function<void(std::int64_t, double)>& onStep,
                                 const CancelToken* cancel) {
    const auto start = std::chrono::steady_clock::now();
    LmTrainer trainer(config, backend);
    LmTrainReport r;
    std::vector<double> recent;
    for (std::int64_t s = 0; s < config.steps; ++s) {
        if (cancel && cancel->cancelled()) {
            r.cancelled = true;
            break;
        }
        const double loss = trainer.trainStep();
        if (s == 0) r.firstLoss = loss;
        recent.push_back(loss);
        if (recent.size() > 20) recent.erase(recent.begin());
        if (onStep) onStep(trainer.step(), loss);
    }
    r.steps = trainer.step();
    r.finalLoss = recent.empty() ? 0.0
                                 : std::accumulate(recent.begin(), recent.end(), 0.0) /
                                       double(recent.size());
    std::string error;
    LmTrainConfig saved = trainer.config();
    saved.steps = r.steps;
    if (!exportLmGguf(outPath, saved, trainer.parameters(), &error))
        throw std::runtime_error(error);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace llmlab
