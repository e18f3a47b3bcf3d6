#include "Trainer.h"

#include "Autodiff.h"
#include "analysis/ProgressMeasures.h"
#include "Sampling.h"
#include "cpu/CpuGradOps.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace llmlab {

namespace {

// A parameter's training nodes.
struct ParamNodes {
    NodeId param = -1, grad = -1, m = -1, v = -1, ema = -1;
};

std::string componentOf(const std::string& name) {
    if (name.rfind("token_embd", 0) == 0 || name.rfind("position_embd", 0) == 0) return "embed";
    if (name.find(".attn_norm") != std::string::npos ||
        name.find(".ffn_norm") != std::string::npos || name.rfind("output_norm", 0) == 0)
        return "norms";
    if (name.find(".attn_") != std::string::npos) return "attn";
    if (name.find(".ffn_") != std::string::npos) return "mlp";
    return "unembed";
}
} // namespace

struct Trainer::Impl {
    int batch = 0;
    Graph train;
    ToyForward trainModel;
    NodeId labels = -1, scalars = -1, loss = -1;
    std::map<std::string, ParamNodes> nodes;
    std::unique_ptr<Executable> trainExe;

    Graph eval;
    ToyForward evalModel;
    std::unique_ptr<Executable> evalExe;
    std::vector<Example> evalExamples; // train set, then validation set
};

Trainer::Trainer(const TrainConfig& config, Backend& backend) : m_config(config) {
    m_config.fitModelToTask();
    m_task = makeTask(m_config.task);
    if (m_task.train.empty() || m_task.validation.empty())
        throw std::invalid_argument("the train fraction leaves no training or no validation data");
    const ToyParams init = initToyParams(m_config.model, m_config.modelSeed);
    m_impl = std::make_unique<Impl>();
    Impl& I = *m_impl;
    const int full = int(m_task.train.size());
    I.batch = m_config.optim.batchSize > 0 ? std::min(m_config.optim.batchSize, full) : full;

    // The training step: forward, mean cross-entropy at the answer position, backward, update.
    Graph& g = I.train;
    I.trainModel = buildToyForward(g, m_config.model, init, I.batch);
    I.labels = g.input("labels", Shape{I.batch}, DType::I32); // the answers
    I.scalars = g.input("adamw_scalars", Shape{kAdamWScalars});
    I.loss = g.crossEntropy(I.trainModel.logits, I.labels);
    g.capture(I.loss);
    const NodeId seed = g.crossEntropyGrad(I.trainModel.logits, I.labels, 1.0f / float(I.batch));
    std::vector<NodeId> params;
    for (const auto& [name, id] : I.trainModel.params) params.push_back(id);
    const auto grads = appendBackward(g, I.trainModel.logits, seed, params);

    const OptimConfig& o = m_config.optim;
    NodeId normSq = -1;
    for (const auto& [name, id] : I.trainModel.params) {
        ParamNodes& n = I.nodes[name];
        n.param = id;
        n.grad = grads.at(id);
        if (o.grokfast) {
            n.ema = g.state("grokfast." + name, g.node(id).shape);
            n.grad = g.gradEma(n.grad, n.ema, float(o.grokfastAlpha), float(o.grokfastLambda));
        }
        if (o.clipNorm > 0) {
            const NodeId s = g.sumSquares(n.grad);
            normSq = normSq < 0 ? s : g.add(normSq, s);
        }
    }
    OpParams ap;
    ap.beta1 = float(o.beta1);
    ap.beta2 = float(o.beta2);
    ap.eps = float(o.eps);
    ap.weightDecay = float(o.weightDecay);
    ap.clipNorm = float(o.clipNorm);
    for (auto& [name, n] : I.nodes) {
        n.m = g.state("adam_m." + name, g.node(n.param).shape);
        n.v = g.state("adam_v." + name, g.node(n.param).shape);
        g.adamw(n.param, n.grad, n.m, n.v, I.scalars, normSq, ap);
    }
    I.trainExe = backend.compile(g);
    const int T = m_config.model.seqLen;
    I.trainExe->setInput(I.trainModel.positions,
                         std::span<const std::int32_t>(toyPositions(I.batch, T)));
    I.trainExe->setInput(I.trainModel.answerRows,
                         std::span<const std::int32_t>(toyAnswerRows(I.batch, T)));
    if (I.batch == full) fillBatch(0); // full batch: the inputs never change

    // Evaluation: one forward pass over every example.
    I.evalExamples = m_task.train;
    I.evalExamples.insert(I.evalExamples.end(), m_task.validation.begin(), m_task.validation.end());
    const int n = int(I.evalExamples.size());
    I.evalModel = buildToyForward(I.eval, m_config.model, init, n);
    I.eval.capture(I.evalModel.logits);
    for (NodeId p : I.evalModel.attentionProbs) I.eval.capture(p);
    I.evalExe = backend.compile(I.eval);
    std::vector<std::int32_t> tokens;
    for (const Example& e : I.evalExamples)
        tokens.insert(tokens.end(), {e.a, e.b, m_task.equalsToken});
    I.evalExe->setInput(I.evalModel.tokens, std::span<const std::int32_t>(tokens));
    I.evalExe->setInput(I.evalModel.positions, std::span<const std::int32_t>(toyPositions(n, T)));
    I.evalExe->setInput(I.evalModel.answerRows, std::span<const std::int32_t>(toyAnswerRows(n, T)));
}

Trainer::~Trainer() = default;

void Trainer::fillBatch(std::int64_t step) {
    Impl& I = *m_impl;
    const auto& train = m_task.train;
    std::vector<std::int32_t> tokens, labels;
    tokens.reserve(std::size_t(I.batch) * 3);
    labels.reserve(std::size_t(I.batch) * 3);
    // Mini-batches are drawn from the step number alone, so a resumed run sees the same ones.
    std::mt19937_64 rng(m_config.task.seed * 1000003ULL + std::uint64_t(step));
    for (int i = 0; i < I.batch; ++i) {
        const Example& e = I.batch == int(train.size()) ? train[std::size_t(i)]
                                                        : train[std::size_t(rng() % train.size())];
        tokens.insert(tokens.end(), {e.a, e.b, m_task.equalsToken});
        labels.push_back(e.answer);
    }
    I.trainExe->setInput(I.trainModel.tokens, std::span<const std::int32_t>(tokens));
    I.trainExe->setInput(I.labels, std::span<const std::int32_t>(labels));
}

double Trainer::learningRate(std::int64_t t) const {
    const OptimConfig& o = m_config.optim;
    double lr = o.lr;
    if (o.warmupSteps > 0 && t <= o.warmupSteps) return lr * double(t) / double(o.warmupSteps);
    if (o.cosineDecay && m_config.maxSteps > o.warmupSteps) {
        const double f = double(t - o.warmupSteps) / double(m_config.maxSteps - o.warmupSteps);
        lr *= 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, f)));
    }
    return lr;
}

double Trainer::trainStep() {
    Impl& I = *m_impl;
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t t = m_step + 1;
    if (I.batch != int(m_task.train.size())) fillBatch(t);
    float c1 = 1, c2 = 1;
    cpu::adamwBiasCorrections(float(m_config.optim.beta1), float(m_config.optim.beta2), t, &c1,
                              &c2);
    const std::vector<float> scalars = {float(learningRate(t)), c1, c2, 0.0f};
    I.trainExe->setInput(I.scalars, std::span<const float>(scalars));
    I.trainExe->run();
    const std::vector<float> loss = I.trainExe->read(I.loss);
    double sum = 0;
    for (float l : loss) sum += l;
    m_step = t;
    m_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return sum / double(I.batch);
}

TrainMetrics Trainer::evaluate() {
    Impl& I = *m_impl;
    // One read of the weights serves both the evaluation graph and the norms below.
    std::map<std::string, double> comp;
    double total = 0;
    m_spectrum.clear();
    for (const auto& [name, n] : I.nodes) {
        const std::vector<float> v = I.trainExe->read(n.param);
        if (name == "token_embd.weight" && m_config.task.kind != TaskKind::S5Compose)
            m_spectrum = fourierSpectrum(v, m_task.operands, m_config.model.dModel);
        I.evalExe->setInput(I.evalModel.params.at(name), std::span<const float>(v));
        double sq = 0;
        for (float x : v) sq += double(x) * x;
        comp[componentOf(name)] += sq;
        total += sq;
    }
    I.evalExe->run();
    const std::vector<float> logits = I.evalExe->read(I.evalModel.logits);
    const std::size_t vocab = std::size_t(m_config.model.vocab);
    const std::size_t nTrain = m_task.train.size();
    double loss[2] = {0, 0}, correct[2] = {0, 0};
    for (std::size_t e = 0; e < I.evalExamples.size(); ++e) {
        // Logits exist at the answer row only.
        const RowLoss r = rowLoss({logits.data() + e * vocab, vocab}, I.evalExamples[e].answer);
        const int set = e < nTrain ? 0 : 1;
        loss[set] += r.loss;
        correct[set] += r.correct ? 1 : 0;
    }
    TrainMetrics m;
    m.step = m_step;
    m.trainLoss = loss[0] / double(nTrain);
    m.trainAcc = correct[0] / double(nTrain);
    m.valLoss = loss[1] / double(m_task.validation.size());
    m.valAcc = correct[1] / double(m_task.validation.size());
    m.lr = learningRate(std::max<std::int64_t>(1, m_step));
    m.seconds = m_seconds;

    m.weightNorm = std::sqrt(total);
    for (const auto& [name, s] : comp) m.componentNorms.emplace_back(name, std::sqrt(s));
    const ProgressMeasures pm =
        progressMeasures(m_config.task.kind, m_task.operands, logits, int(vocab), I.evalExamples,
                         nTrain, m_spectrum);
    m.restrictedLoss = pm.restrictedLoss;
    m.excludedLoss = pm.excludedLoss;
    m.fourierGini = pm.gini;
    m.keyFrequencies = pm.keyFrequencies;

    // Attention of the "=" query, averaged over the validation examples.
    const int heads = m_config.model.heads, T = m_config.model.seqLen;
    m_attention = {m_config.model.layers, heads, T, {}};
    m_attention.probs.assign(std::size_t(m_attention.layers * heads * T), 0.0f);
    for (int l = 0; l < m_attention.layers; ++l) {
        const NodeId probs = I.evalModel.attentionProbs[std::size_t(l)];
        const std::vector<float> p = I.evalExe->read(probs);
        // [n * heads, Tq, T]: Tq is T in early layers (query row T-1 wanted), 1 in the last.
        const auto tq = std::size_t(I.eval.node(probs).shape.dim(1));
        for (std::size_t e = nTrain; e < I.evalExamples.size(); ++e)
            for (int h = 0; h < heads; ++h)
                for (int j = 0; j < T; ++j)
                    m_attention.probs[std::size_t((l * heads + h) * T + j)] +=
                        p[((e * std::size_t(heads) + std::size_t(h)) * tq + tq - 1) *
                              std::size_t(T) +
                          std::size_t(j)];
    }
    for (float& x : m_attention.probs) x /= float(m_task.validation.size());
    return m;
}

ToyParams Trainer::parameters() const {
    ToyParams p;
    for (const auto& [name, n] : m_impl->nodes) {
        p.shapes[name] = m_impl->train.node(n.param).shape;
        p.values[name] = m_impl->trainExe->read(n.param);
    }
    return p;
}

ToyParams Trainer::optimizerState() const {
    ToyParams s;
    for (const auto& [name, n] : m_impl->nodes)
        for (NodeId id : {n.m, n.v, n.ema}) {
            if (id < 0) continue;
            const Node& node = m_impl->train.node(id);
            s.shapes[node.name] = node.shape;
            s.values[node.name] = m_impl->trainExe->read(id);
        }
    return s;
}

void Trainer::restore(std::int64_t step, double seconds, const ToyParams& params,
                      const ToyParams& state) {
    Impl& I = *m_impl;
    auto put = [&](NodeId id, const std::map<std::string, std::vector<float>>& values) {
        const Node& node = I.train.node(id);
        const auto it = values.find(node.name);
        if (it == values.end())
            throw std::invalid_argument("the checkpoint has no '" + node.name + "'");
        if (std::int64_t(it->second.size()) != node.shape.numel())
            throw std::invalid_argument("the checkpoint's '" + node.name + "' has the wrong size");
        I.trainExe->setInput(id, std::span<const float>(it->second));
    };
    for (const auto& [name, n] : I.nodes) {
        put(n.param, params.values);
        for (NodeId id : {n.m, n.v, n.ema})
            if (id >= 0) put(id, state.values);
    }
    m_step = step;
    m_seconds = seconds;
}

} // namespace llmlab
