#include "LanguageModel.h"

#include "ForwardGraph.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace llmlab {

namespace {

std::string blk(int layer, const std::string& rest) {
    return "blk." + std::to_string(layer) + "." + rest;
}

} // namespace

struct InferenceSession::Impl {
    std::map<std::string, Tensor> weights; // canonical name -> tensor in [out, in] layout
    std::set<std::string> adjustable;      // weights compiled as parameters
    std::map<std::string, std::vector<float>> overrides; // their values set by setWeight
    std::unique_ptr<Plan> decode;                        // T = 1
    std::unique_ptr<Plan> prefill;                       // the last prompt length
    Plan* cacheOwner = nullptr; // the plan whose state holds the live KV cache
    // The cache in host memory while no plan holds it (its plan was replaced).
    std::vector<std::vector<float>> heldK, heldV;
    int heldContext = 0;
    std::vector<float> ones, zeros; // a hook left alone

    // Copies the cache out of `from` into host memory.
    void hold(const Plan& from) {
        heldK.clear();
        heldV.clear();
        for (std::size_t l = 0; l < from.kCache.size(); ++l) {
            heldK.push_back(from.exe->read(from.kCache[l]));
            heldV.push_back(from.exe->read(from.vCache[l]));
        }
        heldContext = from.context;
    }

    // Puts the held cache's first `rows` positions into `to` (whose context may differ).
    void give(Plan& to, int rows) {
        for (std::size_t l = 0; l < to.kCache.size() && l < heldK.size(); ++l)
            for (auto* pair : {&heldK, &heldV}) {
                const std::vector<float>& from = (*pair)[l];
                const std::size_t width = from.size() / std::size_t(heldContext);
                std::vector<float> v(std::size_t(to.context) * width, 0.0f);
                std::copy(from.begin(), from.begin() + std::ptrdiff_t(std::size_t(rows) * width),
                          v.begin());
                to.exe->setInput(pair == &heldK ? to.kCache[l] : to.vCache[l],
                                 std::span<const float>(v));
            }
    }
};

InferenceSession::InferenceSession(std::shared_ptr<const ModelFile> model, Backend& backend,
                                   int maxContext, CaptureOptions captures)
    : m_model(std::move(model)), m_backend(backend), m_maxContext(maxContext), m_options(captures),
      m_impl(std::make_unique<Impl>()) {
    const ModelSpec& s = spec();
    const std::string& path = m_model->path();
    if (s.family != ModelFamily::Llama && s.family != ModelFamily::Qwen2 &&
        s.family != ModelFamily::Gpt2)
        throw std::runtime_error(path + ": running " + std::string(familyName(s.family)) +
                                 " models is not supported (llama, qwen2 and gpt2 are)");
    if (s.layers <= 0 || s.width <= 0 || s.heads <= 0 || s.vocab <= 0)
        throw std::runtime_error(path + ": the file does not state the model's shape");
    if (s.context > 0) m_maxContext = std::min(m_maxContext, s.context);
    m_impl->weights = loadForwardWeights(*m_model);
}

InferenceSession::~InferenceSession() = default;

const ModelSpec& InferenceSession::spec() const {
    return m_model->spec();
}

std::vector<float> InferenceSession::prefill(std::span<const std::int32_t> tokens) {
    return run(tokens, false);
}

std::vector<float> InferenceSession::prefillLast(std::span<const std::int32_t> tokens) {
    // With the logit lens on, every position's logits are computed anyway.
    if (m_options.logitLens || m_options.hookGradients || tokens.size() <= 1) {
        std::vector<float> all = run(tokens, false);
        all.erase(all.begin(),
                  all.end() - std::min<std::ptrdiff_t>(std::ptrdiff_t(all.size()), spec().vocab));
        return all;
    }
    return run(tokens, true);
}

void InferenceSession::rewind(int position) {
    if (position < 0 || position > m_position)
        throw std::out_of_range("cannot rewind to position " + std::to_string(position) +
                                " of a conversation at " + std::to_string(m_position));
    m_position = position;
}

std::vector<float> InferenceSession::decode(std::int32_t token) {
    return run(std::span<const std::int32_t>(&token, 1), false);
}

std::vector<float> InferenceSession::run(std::span<const std::int32_t> tokens, bool lastOnly) {
    const int T = int(tokens.size());
    if (T == 0) return {};
    if (m_position + T > m_maxContext)
        throw std::length_error("the context is full (" + std::to_string(m_maxContext) +
                                " tokens): start a new conversation");
    for (std::int32_t id : tokens)
        if (id < 0 || id >= spec().vocab)
            throw std::out_of_range("token id " + std::to_string(id) +
                                    " is outside the vocabulary");
    Impl& I = *m_impl;
    const int context = contextFor(T);
    std::unique_ptr<Plan>& slot = T == 1 ? I.decode : I.prefill;
    if (!slot || slot->tokens != T || slot->context != context || slot->lastOnly != lastOnly) {
        if (slot && I.cacheOwner == slot.get()) {
            if (m_position > 0) I.hold(*slot); // the cache outlives the plan it was in
            I.cacheOwner = nullptr;
        }
        ForwardOptions o;
        o.tokens = T;
        o.context = context;
        o.lastOnly = lastOnly;
        o.capture = m_options;
        o.trainable = I.adjustable;
        auto plan = buildPlan(spec(), I.weights, m_model->path(), o);
        plan->exe = m_backend.compile(plan->graph);
        for (const auto& [name, values] : I.overrides)
            if (plan->adjustable.count(name))
                plan->exe->setInput(plan->adjustable.at(name), std::span<const float>(values));
        slot = std::move(plan);
    }
    Plan& p = *slot;
    // The KV cache lives in one plan's state; hand it over when another plan runs.
    if (m_position > 0 && I.cacheOwner != &p) {
        if (I.cacheOwner) I.hold(*I.cacheOwner);
        I.give(p, m_position);
    }
    I.cacheOwner = &p;

    std::vector<std::int32_t> pos(std::size_t(T), 0);
    std::vector<float> mask(std::size_t(T) * std::size_t(context),
                            -std::numeric_limits<float>::infinity());
    for (int t = 0; t < T; ++t) {
        pos[std::size_t(t)] = m_position + t;
        for (int j = 0; j <= m_position + t; ++j)
            mask[std::size_t(t) * std::size_t(context) + std::size_t(j)] = 0.0f;
    }
    if (!p.hooks.empty()) {
        for (const Intervention& iv : m_interventions) {
            const std::size_t want = hookSize(iv.point, T);
            if (iv.keep.size() != want || iv.add.size() != want)
                throw std::invalid_argument(
                    "an intervention at " + std::string(hookPointName(iv.point)) + " " +
                    std::to_string(iv.layer) + " holds " + std::to_string(iv.keep.size()) +
                    " values for a run that needs " + std::to_string(want));
        }
        for (const auto& [key, nodes] : p.hooks) {
            const auto point = HookPoint(key.first);
            const int layer = key.second;
            const Intervention* found = nullptr;
            for (const Intervention& iv : m_interventions)
                if (iv.point == point && iv.layer == layer) found = &iv;
            if (found) {
                p.exe->setInput(nodes.first, std::span<const float>(found->keep));
                p.exe->setInput(nodes.second, std::span<const float>(found->add));
            } else {
                const std::size_t n = hookSize(point, T);
                I.ones.resize(std::max(I.ones.size(), n), 1.0f);
                I.zeros.resize(std::max(I.zeros.size(), n), 0.0f);
                p.exe->setInput(nodes.first, std::span<const float>(I.ones.data(), n));
                p.exe->setInput(nodes.second, std::span<const float>(I.zeros.data(), n));
            }
        }
    }
    if (p.logitGradient >= 0) {
        const std::size_t n = std::size_t(T) * std::size_t(spec().vocab);
        if (!m_logitGradient.empty() && m_logitGradient.size() != n)
            throw std::invalid_argument("the logit gradient holds " +
                                        std::to_string(m_logitGradient.size()) +
                                        " values for a run that needs " + std::to_string(n));
        if (m_logitGradient.empty()) {
            I.zeros.resize(std::max(I.zeros.size(), n), 0.0f);
            p.exe->setInput(p.logitGradient, std::span<const float>(I.zeros.data(), n));
        } else {
            p.exe->setInput(p.logitGradient, std::span<const float>(m_logitGradient));
        }
    }
    p.exe->setInput(p.ids, tokens);
    p.exe->setInput(p.positions, std::span<const std::int32_t>(pos));
    p.exe->setInput(p.mask, std::span<const float>(mask));
    if (p.lastOnly) {
        const std::int32_t last = T - 1;
        p.exe->setInput(p.lastRow, std::span<const std::int32_t>(&last, 1));
    }
    p.exe->run();
    m_position += T;

    m_captures = {};
    m_captures.tokens = T;
    m_captures.context = context;
    for (NodeId id : p.attention) m_captures.attention.push_back(p.exe->read(id));
    for (NodeId id : p.residual) m_captures.residual.push_back(p.exe->read(id));
    for (NodeId id : p.lens) m_captures.logitLens.push_back(p.exe->read(id));
    for (const auto& [names, id] : p.inputs) m_captures.matmulInputs.push_back({names, p.exe->read(id)});
    for (NodeId id : p.heads) m_captures.headOutputs.push_back(p.exe->read(id));
    for (NodeId id : p.attnOut) m_captures.attnOutputs.push_back(p.exe->read(id));
    for (NodeId id : p.mlpOut) m_captures.mlpOutputs.push_back(p.exe->read(id));
    for (NodeId id : p.values) m_captures.values.push_back(p.exe->read(id));
    if (p.embedding >= 0) m_captures.embedding = p.exe->read(p.embedding);
    for (const auto& [key, id] : p.hookGrads) {
        auto& perLayer = m_captures.hookGradients[std::size_t(key.first)];
        if (perLayer.size() <= std::size_t(key.second)) perLayer.resize(std::size_t(spec().layers));
        perLayer[std::size_t(key.second)] = p.exe->read(id);
    }
    return p.exe->read(p.logits);
}

std::string_view hookPointName(HookPoint p) {
    switch (p) {
    case HookPoint::Residual:
        return "resid_post";
    case HookPoint::HeadOutput:
        return "head_out";
    case HookPoint::MlpHidden:
        return "mlp_hidden";
    case HookPoint::AttentionProbs:
        return "attn_probs";
    case HookPoint::Embedding:
        return "embed";
    }
    return "?";
}

int InferenceSession::hookWidth(HookPoint p) const {
    const ModelSpec& s = spec();
    switch (p) {
    case HookPoint::Residual:
        return s.width;
    case HookPoint::HeadOutput:
        return s.heads * (s.headDim > 0 ? s.headDim : s.width / s.heads);
    case HookPoint::MlpHidden:
        return int(m_impl->weights.at(blk(0, "ffn_down.weight")).shape().dim(1));
    case HookPoint::Embedding:
        return s.width;
    case HookPoint::AttentionProbs:
        return 0;
    }
    return 0;
}

int InferenceSession::contextFor(int tokens) const {
    // The cache spans the smallest power of two (from 64) that holds every position so far:
    // attention then costs what the conversation needs, not what the context limit allows.
    int context = 64;
    while (context < m_position + tokens) context *= 2;
    return std::min(context, m_maxContext);
}

std::size_t InferenceSession::hookSize(HookPoint p, int tokens) const {
    if (p == HookPoint::AttentionProbs)
        return std::size_t(spec().heads) * std::size_t(tokens) * std::size_t(contextFor(tokens));
    return std::size_t(tokens) * std::size_t(hookWidth(p));
}

void InferenceSession::setInterventions(std::vector<Intervention> interventions) {
    if (!m_options.interventions && !interventions.empty())
        throw std::logic_error("this session was not compiled with hooks (CaptureOptions::interventions)");
    for (const Intervention& iv : interventions)
        if (iv.layer < 0 || iv.layer >= (iv.point == HookPoint::Embedding ? 1 : spec().layers))
            throw std::invalid_argument("an intervention at layer " + std::to_string(iv.layer) +
                                        " of a " + std::to_string(spec().layers) + "-layer model");
    m_interventions = std::move(interventions);
}

std::vector<std::string> InferenceSession::weightNames() const {
    std::vector<std::string> names;
    for (const auto& [name, t] : m_impl->weights) names.push_back(name);
    return names;
}

void InferenceSession::makeAdjustable(const std::vector<std::string>& names) {
    for (const std::string& n : names)
        if (!m_impl->weights.count(n))
            throw std::invalid_argument(m_model->path() + ": has no weight '" + n + "'");
    m_impl->adjustable.insert(names.begin(), names.end());
    // Passes compiled before hold those weights as constants: they are made again.
    if (m_impl->cacheOwner && m_position > 0) m_impl->hold(*m_impl->cacheOwner);
    m_impl->cacheOwner = nullptr;
    m_impl->prefill.reset();
    m_impl->decode.reset();
}

std::vector<float> InferenceSession::originalWeight(const std::string& name, Shape* shape) const {
    const auto it = m_impl->weights.find(name);
    if (it == m_impl->weights.end())
        throw std::invalid_argument(m_model->path() + ": has no weight '" + name + "'");
    if (shape) *shape = it->second.shape();
    return it->second.toFloats();
}

void InferenceSession::setWeight(const std::string& name, std::span<const float> values) {
    Impl& I = *m_impl;
    if (!I.adjustable.count(name))
        throw std::invalid_argument("weight '" + name + "' was not made adjustable");
    if (std::int64_t(values.size()) != I.weights.at(name).numel())
        throw std::invalid_argument("weight '" + name + "' takes " +
                                    std::to_string(I.weights.at(name).numel()) + " values");
    I.overrides[name].assign(values.begin(), values.end());
    for (Plan* p : {I.prefill.get(), I.decode.get()})
        if (p && p->adjustable.count(name)) p->exe->setInput(p->adjustable.at(name), values);
}

} // namespace llmlab
