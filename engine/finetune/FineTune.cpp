#include "finetune/FineTune.h"

#include "cpu/CpuGradOps.h"
#include "formats/SafetensorsReader.h"
#include "formats/SafetensorsWriter.h"
#include "model/ForwardGraph.h"
#include "model/Generator.h"
#include "train/Autodiff.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>

namespace llmlab {

FineTuneMethod fineTuneMethod(const std::string& name) {
    if (name == "full") return FineTuneMethod::Full;
    if (name == "top") return FineTuneMethod::TopLayers;
    if (name == "lora") return FineTuneMethod::Lora;
    if (name == "head") return FineTuneMethod::Head;
    throw std::invalid_argument("the method is full, top, lora or head, not '" + name + "'");
}

const char* fineTuneMethodName(FineTuneMethod method) {
    switch (method) {
    case FineTuneMethod::Full: return "full";
    case FineTuneMethod::TopLayers: return "top";
    case FineTuneMethod::Lora: return "lora";
    case FineTuneMethod::Head: return "head";
    }
    return "lora";
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
    ForwardOptions options;     // the training step's
    ForwardOptions evalOptions; // the same without dropout
    std::unique_ptr<Plan> step;
    // Gradient accumulation: per parameter, the input carrying the earlier micro-batches'
    // gradient sum and the captured sum with this micro-batch's.
    std::map<std::string, std::pair<NodeId, NodeId>> carry;
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
    // Head: the examples (tokens, class), split into training and held-out indices; each
    // pass's pooled rows are its Plan::lastRow input, its class logits below.
    bool head = false;
    std::vector<std::string> classes;
    std::vector<std::vector<std::int32_t>> examples;
    std::vector<int> exampleClass;
    std::vector<std::size_t> trainExamples, heldExamples;
    std::vector<std::int32_t> poolRows;
    NodeId evalHead = -1;

    // A linear head on a features pass: the last real token's row of each sequence, times
    // head.weight [C, width], plus head.bias; both parameters, zero at first.
    NodeId appendHead(Plan& p, int B, int width) {
        Graph& g = p.graph;
        p.lastRow = g.input("pool_rows", Shape{B}, DType::I32);
        const NodeId features = g.embedding(p.logits, p.lastRow);
        const std::int64_t C = std::int64_t(classes.size());
        const NodeId w = g.parameter("head.weight", Tensor::fromFloats(Shape{C, width}, std::vector<float>(std::size_t(C * width), 0.0f)));
        const NodeId b = g.parameter("head.bias", Tensor::fromFloats(Shape{C}, std::vector<float>(std::size_t(C), 0.0f)));
        p.adjustable["head.weight"] = w;
        p.adjustable["head.bias"] = b;
        return g.add(g.matmul(features, w, true), b);
    }

    // B examples padded to T tokens (the pad never reaches the pooled row: attention is
    // causal), at random from `from` (the first `skip` draws passed over) or, with
    // `sequential`, batch `seed` in order, label -1 (not counted) past the end.
    void fillHead(const std::vector<std::size_t>& from, std::uint64_t seed, bool sequential, int B, int T, int skip = 0) {
        tokens.assign(std::size_t(B) * std::size_t(T), 0);
        labelValues.assign(std::size_t(B), -1);
        poolRows.assign(std::size_t(B), 0);
        std::mt19937_64 rng(seed);
        rng.discard(unsigned(skip));
        for (int b = 0; b < B; ++b) {
            const std::size_t k = sequential ? std::size_t(seed) * std::size_t(B) + std::size_t(b) : std::size_t(rng() % from.size());
            if (k >= from.size()) continue; // sequential, past the end
            const std::vector<std::int32_t>& ex = examples[from[k]];
            const std::size_t n = std::min(ex.size(), std::size_t(T));
            std::copy_n(ex.begin(), n, tokens.begin() + std::ptrdiff_t(std::size_t(b) * std::size_t(T)));
            poolRows[std::size_t(b)] = std::int32_t(std::size_t(b) * std::size_t(T) + n - 1);
            labelValues[std::size_t(b)] = exampleClass[from[k]];
        }
    }

    void setBatch(Plan& p, NodeId labelNode) {
        p.exe->setInput(p.ids, std::span<const std::int32_t>(tokens));
        p.exe->setInput(labelNode, std::span<const std::int32_t>(labelValues));
        if (head) p.exe->setInput(p.lastRow, std::span<const std::int32_t>(poolRows));
    }

    // Head's data: one "label<TAB>text" example a line.
    void readExamples(const std::string& text, const Tokenizer& tok, std::uint64_t seed) {
        std::vector<std::pair<std::string, std::string>> lines;
        std::size_t at = 0;
        while (at < text.size()) {
            std::size_t end = text.find('\n', at);
            if (end == std::string::npos) end = text.size();
            std::string line = text.substr(at, end - at);
            at = end + 1;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            const std::size_t tab = line.find('\t');
            if (tab == std::string::npos || tab == 0 || tab + 1 >= line.size())
                throw std::runtime_error("a classification head trains on lines of label<TAB>text; this line is not one: '" +
                                         line.substr(0, 60) + "'");
            lines.push_back({line.substr(0, tab), line.substr(tab + 1)});
        }
        std::set<std::string> names;
        for (const auto& [label, body] : lines) names.insert(label);
        classes.assign(names.begin(), names.end());
        if (classes.size() < 2 || classes.size() > 4096)
            throw std::runtime_error("a classification head needs 2 to 4096 classes; the data names " +
                                     std::to_string(classes.size()));
        if (lines.size() < 10)
            throw std::runtime_error("a classification head needs at least 10 labelled lines (a tenth is held out); the data has " +
                                     std::to_string(lines.size()));
        for (const auto& [label, body] : lines) {
            examples.push_back(tok.encode(body, {.addSpecial = true}));
            if (examples.back().empty()) examples.back().push_back(0);
            exampleClass.push_back(int(std::lower_bound(classes.begin(), classes.end(), label) - classes.begin()));
        }
        std::vector<std::size_t> order(lines.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
        const std::size_t held = std::max<std::size_t>(1, order.size() / 10);
        trainExamples.assign(order.begin(), order.end() - std::ptrdiff_t(held));
        heldExamples.assign(order.end() - std::ptrdiff_t(held), order.end());
    }

    void setPositions(Plan& p, int B, int T) {
        std::vector<std::int32_t> pos(std::size_t(B) * std::size_t(T));
        for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = std::int32_t(i % std::size_t(T));
        p.exe->setInput(p.positions, std::span<const std::int32_t>(pos));
    }

    // Windows of T + 1 tokens of `from`, at random starts (seeded by `seed`, the first `skip`
    // starts passed over: the micro-batches of one step) or, with `sequential`, one after
    // another from the start.
    void fill(const std::vector<std::int32_t>& from, std::uint64_t seed, bool sequential, int B, int T,
              int skip = 0) {
        tokens.assign(std::size_t(B) * std::size_t(T), 0);
        labelValues.assign(tokens.size(), -1);
        std::mt19937_64 rng(seed);
        rng.discard(unsigned(skip));
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

    // LoRA dropout's masks for one micro-batch: each input value kept with probability 1 - p
    // and scaled by 1 / (1 - p), drawn from (seed, step, micro-batch) so a resumed run draws
    // the same.
    void fillDropout(float p, std::uint64_t seed) {
        std::mt19937_64 rng(seed);
        std::bernoulli_distribution keep(1.0 - double(p));
        const float kept = 1.0f / (1.0f - p);
        for (const auto& [name, mask] : step->loraDropout) {
            std::vector<float> m(std::size_t(step->graph.node(mask).shape.numel()));
            for (float& v : m) v = keep(rng) ? kept : 0.0f;
            step->exe->setInput(mask, std::span<const float>(m));
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
    if (c.accumulate < 1 || c.accumulate > 1024)
        throw std::invalid_argument("gradient accumulation takes 1 to 1024 micro-batches");
    if (!(c.loraDropout >= 0 && c.loraDropout < 1)) throw std::invalid_argument("LoRA dropout must be in [0, 1)");
    if (c.method == FineTuneMethod::Lora && (c.rank < 1 || c.rank > 1024))
        throw std::invalid_argument("the LoRA rank must be 1 to 1024");
    if (c.method == FineTuneMethod::TopLayers && (c.topLayers < 1 || c.topLayers > s.layers))
        throw std::invalid_argument("top layers must be 1 to " + std::to_string(s.layers));
    Impl& I = *m_impl;
    I.backend = &backend;
    I.weights = loadForwardWeights(*m_model);
    const Tokenizer tok = tokenizerFor(*m_model);
    I.head = c.method == FineTuneMethod::Head;
    if (I.head) {
        I.readExamples(text, tok, c.seed);
    } else {
        const std::vector<std::int32_t> ids = tok.encode(text, {.addSpecial = false});
        const std::size_t cut = ids.size() * 9 / 10;
        if (ids.size() - cut < std::size_t(c.seqLen) + 2 || cut < std::size_t(c.seqLen) + 2)
            throw std::runtime_error("the text gives " + std::to_string(ids.size()) + " tokens: too few for sequences of " +
                                     std::to_string(c.seqLen) + " (a tenth is held out)");
        I.train.assign(ids.begin(), ids.begin() + std::ptrdiff_t(cut));
        I.held.assign(ids.begin() + std::ptrdiff_t(cut), ids.end());
    }

    ForwardOptions& o = I.options;
    o.tokens = c.seqLen;
    o.batch = c.batch;
    o.features = I.head;
    if (I.head) {
        // Nothing of the model is trained: the head is appended to the plan below.
    } else if (c.method == FineTuneMethod::Lora) {
        o.lora.rank = c.rank;
        o.lora.alpha = c.alpha;
        o.lora.targets = c.targets;
        o.lora.seed = c.seed;
        o.lora.dropout = c.loraDropout > 0;
        if (c.initialAdapter) {
            if (c.initialAdapter->rank != c.rank)
                throw std::invalid_argument("the adapter has rank " + std::to_string(c.initialAdapter->rank) +
                                            ", not " + std::to_string(c.rank));
            if (!c.initialAdapter->scales.empty())
                throw std::invalid_argument("the adapter scales some matrices on their own (PEFT's rank_pattern or "
                                            "alpha_pattern): it can be applied (run --adapter), not trained on here");
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
    I.evalOptions = o;
    I.evalOptions.lora.dropout = false;
    ForwardOptions stepOptions = o;
    stepOptions.captureLogits = false; // a step reads its loss only
    I.step = buildPlan(s, I.weights, m_model->path(), stepOptions);
    Graph& g = I.step->graph;
    const int B = c.batch, T = c.seqLen;
    const NodeId out = I.head ? I.appendHead(*I.step, B, s.width) : I.step->logits;
    I.params = paramsOf(*I.step);
    if (I.params.empty())
        throw std::invalid_argument("'" + c.targets + "' names none of " + m_model->path() + "'s matrices");
    const int labelled = I.head ? B : B * T; // labels a micro-batch
    I.labels = g.input("labels", Shape{labelled}, DType::I32);
    I.scalars = g.input("adamw_scalars", Shape{kAdamWScalars});
    I.loss = g.crossEntropy(out, I.labels);
    g.capture(I.loss);
    // The mean over every micro-batch's tokens (examples, for a head).
    const NodeId seed = g.crossEntropyGrad(out, I.labels, 1.0f / float(labelled * c.accumulate));
    std::vector<NodeId> ps;
    for (const auto& [name, id] : I.params) ps.push_back(id);
    auto grads = appendBackward(g, out, seed, ps,
                                c.checkpointing ? I.step->blocks : std::vector<std::pair<NodeId, NodeId>>{});
    if (c.accumulate > 1)
        for (const auto& [name, id] : I.params) {
            const NodeId in = g.input("grad_carry." + name, g.node(id).shape);
            const NodeId sum = g.add(grads.at(id), in);
            g.capture(sum);
            I.carry[name] = {in, sum};
            grads[id] = sum;
        }
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

std::uint64_t FineTuner::stepBufferBytes() const {
    return m_impl->step->exe->bufferBytes();
}

double FineTuner::trainStep() {
    Impl& I = *m_impl;
    const FineTuneConfig& c = m_config;
    const std::int64_t t = m_step + 1;
    float c1 = 1, c2 = 1;
    cpu::adamwBiasCorrections(0.9f, 0.999f, t, &c1, &c2);
    double sum = 0;
    std::size_t count = 0;
    for (int micro = 0; micro < c.accumulate; ++micro) {
        // The micro-batches of a step draw the windows one batch of B * accumulate would.
        if (I.head)
            I.fillHead(I.trainExamples, c.seed * 1000003u + std::uint64_t(t), false, c.batch, c.seqLen, micro * c.batch);
        else
            I.fill(I.train, c.seed * 1000003u + std::uint64_t(t), false, c.batch, c.seqLen, micro * c.batch);
        I.setBatch(*I.step, I.labels);
        if (!I.step->loraDropout.empty())
            I.fillDropout(c.loraDropout, (c.seed * 1000003u + std::uint64_t(t)) * 1024u + std::uint64_t(micro));
        for (const auto& [name, nodes] : I.carry) { // the sum so far: zero, then the last sum
            const std::vector<float> carried = micro == 0
                ? std::vector<float>(std::size_t(I.step->graph.node(nodes.first).shape.numel()), 0.0f)
                : I.step->exe->read(nodes.second);
            I.step->exe->setInput(nodes.first, std::span<const float>(carried));
        }
        const bool last = micro + 1 == c.accumulate; // AdamW steps on the last micro-batch only
        const std::vector<float> scalars = {float(learningRate(t)), c1, c2, last ? 0.0f : 1.0f};
        I.step->exe->setInput(I.scalars, std::span<const float>(scalars));
        I.step->exe->run();
        for (float v : I.step->exe->read(I.loss)) {
            sum += v;
            ++count;
        }
    }
    if (I.normSq >= 0) m_gradNorm = std::sqrt(double(I.step->exe->read(I.normSq).front()));
    m_step = t;
    return count ? sum / double(count) : 0.0;
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
        I.eval = buildPlan(m_model->spec(), I.weights, m_model->path(), I.evalOptions);
        Graph& g = I.eval->graph;
        const NodeId out = I.head ? I.appendHead(*I.eval, B, m_model->spec().width) : I.eval->logits;
        I.evalLabels = g.input("labels", Shape{I.head ? B : std::int64_t(B) * T}, DType::I32);
        I.evalLoss = g.crossEntropy(out, I.evalLabels);
        g.capture(I.evalLoss);
        if (I.head) {
            g.capture(out);
            I.evalHead = out;
        }
        I.eval->exe = I.backend->compile(g);
        I.setPositions(*I.eval, B, T);
    }
    I.copyParams(*I.eval);
}

double FineTuner::evaluate(int batches, const std::string* otherText) {
    Impl& I = *m_impl;
    const int T = m_config.seqLen, B = m_config.batch;
    compileEvaluation();
    if (I.head) {
        if (otherText)
            throw std::invalid_argument("a classification head leaves the model as it is: there is no forgetting to measure");
        const std::size_t C = I.classes.size();
        double sum = 0;
        std::size_t n = 0, right = 0;
        for (std::uint64_t b = 0; b * std::uint64_t(B) < I.heldExamples.size(); ++b) {
            I.fillHead(I.heldExamples, b, true, B, T);
            I.setBatch(*I.eval, I.evalLabels);
            I.eval->exe->run();
            const std::vector<float> loss = I.eval->exe->read(I.evalLoss);
            const std::vector<float> logits = I.eval->exe->read(I.evalHead);
            for (int r = 0; r < B; ++r) {
                const int label = I.labelValues[std::size_t(r)];
                if (label < 0) continue;
                sum += loss[std::size_t(r)];
                ++n;
                const float* row = logits.data() + std::size_t(r) * C;
                right += std::size_t(std::max_element(row, row + C) - row) == std::size_t(label);
            }
        }
        m_accuracy = n ? double(right) / double(n) : std::nan("");
        return n ? sum / double(n) : 0.0;
    }
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
        I.setBatch(*I.eval, I.evalLabels);
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
        I.grad = buildPlan(m_model->spec(), I.weights, m_model->path(), I.evalOptions);
        Graph& g = I.grad->graph;
        const NodeId out = I.head ? I.appendHead(*I.grad, B, m_model->spec().width) : I.grad->logits;
        const int labelled = I.head ? B : B * T;
        I.gradLabels = g.input("labels", Shape{labelled}, DType::I32);
        I.gradLoss = g.crossEntropy(out, I.gradLabels);
        g.capture(I.gradLoss);
        const NodeId seed = g.crossEntropyGrad(out, I.gradLabels, 1.0f / float(labelled));
        const std::map<std::string, NodeId> ps = paramsOf(*I.grad);
        std::vector<NodeId> ids;
        for (const auto& [name, id] : ps) ids.push_back(id);
        const auto grads = appendBackward(g, out, seed, ids,
                                          m_config.checkpointing ? I.grad->blocks
                                                                 : std::vector<std::pair<NodeId, NodeId>>{});
        for (const auto& [name, id] : ps) {
            g.capture(grads.at(id));
            I.gradNodes[name] = grads.at(id);
        }
        I.grad->exe = I.backend->compile(g);
        I.setPositions(*I.grad, B, T);
    }
    I.copyParams(*I.grad);
    if (I.head)
        I.fillHead(I.heldExamples, std::uint64_t(index), true, B, T);
    else
        I.fill(I.held, std::uint64_t(index), true, B, T);
    I.setBatch(*I.grad, I.gradLabels);
    I.grad->exe->run();
    if (gradient) {
        gradient->clear();
        for (const auto& [name, id] : I.gradNodes) (*gradient)[name] = I.grad->exe->read(id);
    }
    double sum = 0;
    const std::vector<float> loss = I.grad->exe->read(I.gradLoss);
    for (float v : loss) sum += v;
    return sum / double(loss.size()); // the mean the gradient is of (unlabelled rows count 0)
}

const std::vector<std::string>& FineTuner::classes() const {
    return m_impl->classes;
}

std::vector<double> FineTuner::classify(const std::string& text) {
    Impl& I = *m_impl;
    if (!I.head) throw std::invalid_argument("classify needs a classification head (method head)");
    const int B = m_config.batch, T = m_config.seqLen;
    compileEvaluation();
    std::vector<std::int32_t> ids = tokenizerFor(*m_model).encode(text, {.addSpecial = true});
    if (ids.empty()) ids.push_back(0);
    ids.resize(std::min(ids.size(), std::size_t(T)));
    I.tokens.assign(std::size_t(B) * std::size_t(T), 0);
    std::copy(ids.begin(), ids.end(), I.tokens.begin());
    I.labelValues.assign(std::size_t(B), -1);
    I.poolRows.assign(std::size_t(B), 0);
    I.poolRows[0] = std::int32_t(ids.size() - 1);
    I.setBatch(*I.eval, I.evalLabels);
    I.eval->exe->run();
    const std::vector<float> logits = I.eval->exe->read(I.evalHead);
    const std::size_t C = I.classes.size();
    const float top = *std::max_element(logits.begin(), logits.begin() + std::ptrdiff_t(C));
    std::vector<double> p(C);
    double z = 0;
    for (std::size_t k = 0; k < C; ++k) z += p[k] = std::exp(double(logits[k]) - top);
    for (double& v : p) v /= z;
    return p;
}

std::vector<float> FineTuner::logits(const std::vector<std::int32_t>& tokens) {
    Impl& I = *m_impl;
    const int B = m_config.batch, T = m_config.seqLen;
    if (I.head) throw std::invalid_argument("a classification head gives classes, not next-token logits (classify)");
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

} // namespace llmlab
