#include "interp/Attribution.h"

#include "Sampling.h"
#include "model/LanguageModel.h"
#include "tokenizers/Tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace llmlab {

namespace {

std::string blk(int layer, const std::string& rest) {
    return "blk." + std::to_string(layer) + "." + rest;
}

std::span<const float> row(const std::vector<float>& m, int r, int width) {
    return {m.data() + std::size_t(r) * std::size_t(width), std::size_t(width)};
}

double logitDiffAt(const std::vector<float>& logits, int position, int vocab, std::int32_t a,
                   std::int32_t b) {
    const float* l = logits.data() + std::size_t(position) * std::size_t(vocab);
    return double(l[a]) - double(l[b]);
}

double meanLoss(const std::vector<float>& logits, const std::vector<std::int32_t>& ids, int vocab) {
    double sum = 0;
    for (std::size_t t = 0; t + 1 < ids.size(); ++t)
        sum += rowLoss(std::span<const float>(logits.data() + t * std::size_t(vocab), std::size_t(vocab)),
                       ids[t + 1])
                   .loss;
    return ids.size() > 1 ? sum / double(ids.size() - 1) : 0;
}

void checkIds(const ModelFile& m, const std::vector<std::int32_t>& ids, std::int32_t target,
              std::int32_t versus) {
    if (ids.empty()) throw std::invalid_argument("the prompt gives no tokens");
    for (std::int32_t t : {target, versus})
        if (t < 0 || t >= m.spec().vocab)
            throw std::invalid_argument("token id " + std::to_string(t) + " is outside " +
                                        m.path() + "'s vocabulary");
}

// A clean and a corrupted prompt patching can pair: valid ids, the same length.
void checkPair(const ModelFile& m, const std::vector<std::int32_t>& clean,
               const std::vector<std::int32_t>& corrupt, std::int32_t target, std::int32_t versus) {
    checkIds(m, clean, target, versus);
    if (clean.size() != corrupt.size())
        throw std::invalid_argument("the clean prompt has " + std::to_string(clean.size()) +
                                    " tokens and the corrupted one " + std::to_string(corrupt.size()) +
                                    ": patching needs the same length");
}

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

double LogitAttribution::total() const {
    double s = embedding + normBias;
    for (const auto& l : heads)
        for (double h : l) s += h;
    for (double b : attnBias) s += b;
    for (double m : mlp) s += m;
    return s;
}

LogitAttribution directLogitAttribution(std::shared_ptr<const ModelFile> model, Backend& backend,
                                        const std::vector<std::int32_t>& tokens,
                                        std::int32_t target, std::int32_t versus, int position) {
    checkIds(*model, tokens, target, versus);
    const ModelSpec& s = model->spec();
    const int T = int(tokens.size()), W = s.width, V = s.vocab;
    const int hd = s.headDim > 0 ? s.headDim : W / s.heads;
    CaptureOptions cap;
    cap.components = true;
    cap.residual = true;
    InferenceSession session(model, backend, T, cap);
    const std::vector<float> logits = session.prefill(tokens);
    const ForwardCaptures& c = session.captures();
    LogitAttribution a;
    a.position = position < 0 ? T - 1 : position;
    if (a.position >= T) throw std::invalid_argument("position " + std::to_string(position) + " is past the prompt");
    a.target = target;
    a.versus = versus;
    a.logitDiff = logitDiffAt(logits, a.position, V, target, versus);

    // The direction in the residual stream that the final norm and the unembedding turn into
    // the logit difference: u = g * (W_U[target] - W_U[versus]).
    const std::string unembedName = model->find("output.weight") ? "output.weight" : "token_embd.weight";
    const std::vector<float> wu = session.originalWeight(unembedName);
    const std::vector<float> g = session.originalWeight("output_norm.weight");
    const bool layerNorm = s.norm == NormKind::LayerNorm;
    std::vector<double> u(static_cast<std::size_t>(W)), diff(static_cast<std::size_t>(W));
    double sumU = 0;
    for (int i = 0; i < W; ++i) {
        diff[std::size_t(i)] = double(wu[std::size_t(target) * W + i]) - wu[std::size_t(versus) * W + i];
        u[std::size_t(i)] = diff[std::size_t(i)] * g[std::size_t(i)];
        sumU += u[std::size_t(i)];
    }
    // The norm's scale, frozen at this run's final residual.
    const std::span<const float> xf = row(c.residual.back(), a.position, W);
    double mean = 0, sq = 0;
    for (float v : xf) mean += v;
    mean /= W;
    for (float v : xf) sq += layerNorm ? (v - mean) * (v - mean) : double(v) * v;
    const double inv = 1.0 / std::sqrt(sq / W + s.normEps);
    auto share = [&](std::span<const float> v) {
        double dot = 0, m = 0;
        for (int i = 0; i < W; ++i) {
            dot += u[std::size_t(i)] * v[std::size_t(i)];
            m += v[std::size_t(i)];
        }
        return inv * (layerNorm ? dot - (m / W) * sumU : dot);
    };
    if (layerNorm && model->find("output_norm.bias")) {
        const std::vector<float> b = session.originalWeight("output_norm.bias");
        for (int i = 0; i < W; ++i) a.normBias += diff[std::size_t(i)] * b[std::size_t(i)];
    }
    a.embedding = share(row(c.embedding, a.position, W));
    std::vector<float> v(static_cast<std::size_t>(W));
    for (int l = 0; l < s.layers; ++l) {
        Shape shape;
        const std::vector<float> wo = session.originalWeight(blk(l, "attn_output.weight"), &shape);
        const int in = int(shape.dim(1));
        const std::span<const float> z = row(c.headOutputs[std::size_t(l)], a.position, in);
        std::vector<double> heads(static_cast<std::size_t>(s.heads));
        double headSum = 0;
        for (int h = 0; h < s.heads; ++h) {
            for (int o = 0; o < W; ++o) {
                double acc = 0;
                for (int j = h * hd; j < (h + 1) * hd; ++j)
                    acc += double(wo[std::size_t(o) * in + j]) * z[std::size_t(j)];
                v[std::size_t(o)] = float(acc);
            }
            heads[std::size_t(h)] = share(v);
            headSum += heads[std::size_t(h)];
        }
        a.heads.push_back(heads);
        a.attnBias.push_back(share(row(c.attnOutputs[std::size_t(l)], a.position, W)) - headSum);
        a.mlp.push_back(share(row(c.mlpOutputs[std::size_t(l)], a.position, W)));
        a.residualByLayer.push_back(share(row(c.residual[std::size_t(l)], a.position, W)) + a.normBias);
    }
    return a;
}

PatchingResult activationPatching(std::shared_ptr<const ModelFile> model, Backend& backend,
                                  const std::vector<std::int32_t>& clean,
                                  const std::vector<std::int32_t>& corrupt, std::int32_t target,
                                  std::int32_t versus, const ProgressFn& progress,
                                  const CancelToken* cancel) {
    checkPair(*model, clean, corrupt, target, versus);
    const auto t0 = std::chrono::steady_clock::now();
    const ModelSpec& s = model->spec();
    const int T = int(clean.size()), W = s.width, V = s.vocab, L = s.layers;
    CaptureOptions cap;
    cap.components = true;
    cap.residual = true;
    cap.interventions = true;
    InferenceSession session(model, backend, T, cap);
    PatchingResult r;
    auto runDiff = [&](const std::vector<std::int32_t>& ids) {
        session.reset();
        ++r.runs;
        return logitDiffAt(session.prefill(ids), T - 1, V, target, versus);
    };
    r.cleanDiff = runDiff(clean);
    const std::vector<std::vector<float>> cleanResid = session.captures().residual;
    const std::vector<std::vector<float>> cleanHeads = session.captures().headOutputs;
    r.corruptDiff = runDiff(corrupt);
    const double span = r.cleanDiff - r.corruptDiff;
    auto recovered = [&](double d) { return span != 0 ? (d - r.corruptDiff) / span : 0.0; };
    const int hw = session.hookWidth(HookPoint::HeadOutput), hd = hw / s.heads;
    const double total = double(L) * (T + s.heads);
    double done = 0;
    r.residual.assign(std::size_t(L), std::vector<double>(std::size_t(T), 0.0));
    r.heads.assign(std::size_t(L), std::vector<double>(std::size_t(s.heads), 0.0));
    for (int l = 0; l < L; ++l) {
        for (int p = 0; p < T; ++p) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            Intervention iv{HookPoint::Residual, l, std::vector<float>(std::size_t(T) * W, 1.0f),
                            std::vector<float>(std::size_t(T) * W, 0.0f)};
            for (int i = 0; i < W; ++i) {
                iv.keep[std::size_t(p) * W + i] = 0.0f;
                iv.add[std::size_t(p) * W + i] = cleanResid[std::size_t(l)][std::size_t(p) * W + i];
            }
            session.setInterventions({iv});
            r.residual[std::size_t(l)][std::size_t(p)] = recovered(runDiff(corrupt));
            if (progress) progress(++done / total, "patching the residual stream");
        }
        for (int h = 0; h < s.heads; ++h) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            Intervention iv{HookPoint::HeadOutput, l, std::vector<float>(std::size_t(T) * hw, 1.0f),
                            std::vector<float>(std::size_t(T) * hw, 0.0f)};
            for (int t = 0; t < T; ++t)
                for (int j = h * hd; j < (h + 1) * hd; ++j) {
                    iv.keep[std::size_t(t) * hw + j] = 0.0f;
                    iv.add[std::size_t(t) * hw + j] = cleanHeads[std::size_t(l)][std::size_t(t) * hw + j];
                }
            session.setInterventions({iv});
            r.heads[std::size_t(l)][std::size_t(h)] = recovered(runDiff(corrupt));
            if (progress) progress(++done / total, "patching head outputs");
        }
    }
    session.setInterventions({});
    r.seconds = seconds(t0);
    return r;
}

PatchingResult attributionPatching(std::shared_ptr<const ModelFile> model, Backend& backend,
                                   const std::vector<std::int32_t>& clean,
                                   const std::vector<std::int32_t>& corrupt, std::int32_t target,
                                   std::int32_t versus) {
    checkPair(*model, clean, corrupt, target, versus);
    const auto t0 = std::chrono::steady_clock::now();
    const ModelSpec& s = model->spec();
    const int T = int(clean.size()), W = s.width, V = s.vocab, L = s.layers;
    CaptureOptions cap;
    cap.residual = true;
    cap.components = true;
    cap.interventions = true;
    cap.hookGradients = true;
    InferenceSession session(model, backend, T, cap);
    std::vector<float> dLogits(std::size_t(T) * std::size_t(V), 0.0f);
    dLogits[std::size_t(T - 1) * V + std::size_t(target)] += 1.0f;
    dLogits[std::size_t(T - 1) * V + std::size_t(versus)] -= 1.0f;
    PatchingResult r;
    r.cleanDiff = logitDiffAt(session.prefill(clean), T - 1, V, target, versus);
    const ForwardCaptures cleanRun = session.captures();
    session.reset();
    session.setLogitGradient(std::move(dLogits));
    r.corruptDiff = logitDiffAt(session.prefill(corrupt), T - 1, V, target, versus);
    r.runs = 2;
    const ForwardCaptures& c = session.captures();
    const double span = r.cleanDiff - r.corruptDiff;
    auto fraction = [&](double estimate) { return span != 0 ? estimate / span : 0.0; };
    const auto& residualGrad = c.hookGradients[std::size_t(HookPoint::Residual)];
    const auto& headGrad = c.hookGradients[std::size_t(HookPoint::HeadOutput)];
    const int hw = session.hookWidth(HookPoint::HeadOutput), hd = hw / s.heads;
    r.residual.assign(std::size_t(L), std::vector<double>(std::size_t(T), 0.0));
    r.heads.assign(std::size_t(L), std::vector<double>(std::size_t(s.heads), 0.0));
    for (int l = 0; l < L; ++l) {
        const std::vector<float>& gr = residualGrad.at(std::size_t(l));
        const std::vector<float>& xc = cleanRun.residual[std::size_t(l)];
        const std::vector<float>& xk = c.residual[std::size_t(l)];
        for (int p = 0; p < T; ++p) {
            double dot = 0;
            for (std::size_t i = std::size_t(p) * W; i < std::size_t(p + 1) * W; ++i)
                dot += double(gr[i]) * (double(xc[i]) - xk[i]);
            r.residual[std::size_t(l)][std::size_t(p)] = fraction(dot);
        }
        const std::vector<float>& gh = headGrad.at(std::size_t(l));
        const std::vector<float>& zc = cleanRun.headOutputs[std::size_t(l)];
        const std::vector<float>& zk = c.headOutputs[std::size_t(l)];
        for (int h = 0; h < s.heads; ++h) {
            double dot = 0;
            for (int t = 0; t < T; ++t)
                for (int j = h * hd; j < (h + 1) * hd; ++j) {
                    const std::size_t i = std::size_t(t) * hw + std::size_t(j);
                    dot += double(gh[i]) * (double(zc[i]) - zk[i]);
                }
            r.heads[std::size_t(l)][std::size_t(h)] = fraction(dot);
        }
    }
    r.seconds = seconds(t0);
    return r;
}

double gridCorrelation(const std::vector<std::vector<double>>& a,
                       const std::vector<std::vector<double>>& b) {
    std::vector<double> x, y;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        for (std::size_t j = 0; j < a[i].size() && j < b[i].size(); ++j) {
            x.push_back(a[i][j]);
            y.push_back(b[i][j]);
        }
    const double n = double(x.size());
    if (n < 2) return 0;
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

AblationResult headAblation(std::shared_ptr<const ModelFile> model, Backend& backend,
                            const std::vector<std::int32_t>& tokens, std::int32_t target,
                            std::int32_t versus, AblationKind kind, const ProgressFn& progress,
                            const CancelToken* cancel,
                            const std::vector<std::vector<std::int32_t>>& reference) {
    checkIds(*model, tokens, target, versus);
    const auto t0 = std::chrono::steady_clock::now();
    const ModelSpec& s = model->spec();
    const int T = int(tokens.size()), V = s.vocab, L = s.layers;
    CaptureOptions cap;
    cap.components = true;
    cap.interventions = true;
    InferenceSession session(model, backend, T, cap);
    AblationResult r;
    session.reset();
    std::vector<float> logits = session.prefill(tokens);
    ++r.runs;
    r.baseDiff = logitDiffAt(logits, T - 1, V, target, versus);
    r.baseLoss = meanLoss(logits, tokens, V);
    const std::vector<std::vector<float>> z = session.captures().headOutputs;
    const int hw = session.hookWidth(HookPoint::HeadOutput), hd = hw / s.heads;
    // Each head dimension's mean: over the prompt, or over every position of the references.
    std::vector<std::vector<double>> mean(std::size_t(L), std::vector<double>(std::size_t(hw), 0.0));
    if (kind == AblationKind::Mean) {
        std::size_t positions = 0;
        auto addRun = [&](const std::vector<std::vector<float>>& heads, int rows) {
            for (int l = 0; l < L; ++l)
                for (int t = 0; t < rows; ++t)
                    for (int j = 0; j < hw; ++j) mean[std::size_t(l)][std::size_t(j)] += heads[std::size_t(l)][std::size_t(t) * hw + j];
            positions += std::size_t(rows);
        };
        if (reference.empty()) {
            addRun(z, T);
        } else {
            CaptureOptions refCap;
            refCap.components = true;
            std::size_t longest = 0;
            for (const auto& r : reference) longest = std::max(longest, r.size());
            InferenceSession ref(model, backend, int(longest), refCap);
            for (const auto& r : reference) {
                if (r.empty()) continue;
                ref.reset();
                ref.prefill(r);
                addRun(ref.captures().headOutputs, int(r.size()));
            }
            if (positions == 0) throw std::invalid_argument("the reference prompts give no tokens");
        }
        for (auto& layer : mean)
            for (double& v : layer) v /= double(positions);
    }
    r.diffChange.assign(std::size_t(L), std::vector<double>(std::size_t(s.heads), 0.0));
    r.lossChange = r.diffChange;
    for (int l = 0; l < L; ++l)
        for (int h = 0; h < s.heads; ++h) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            Intervention iv{HookPoint::HeadOutput, l, std::vector<float>(std::size_t(T) * hw, 1.0f),
                            std::vector<float>(std::size_t(T) * hw, 0.0f)};
            for (int j = h * hd; j < (h + 1) * hd; ++j)
                for (int t = 0; t < T; ++t) {
                    iv.keep[std::size_t(t) * hw + j] = 0.0f;
                    if (kind == AblationKind::Mean)
                        iv.add[std::size_t(t) * hw + j] = float(mean[std::size_t(l)][std::size_t(j)]);
                }
            session.setInterventions({iv});
            session.reset();
            logits = session.prefill(tokens);
            ++r.runs;
            r.diffChange[std::size_t(l)][std::size_t(h)] = logitDiffAt(logits, T - 1, V, target, versus) - r.baseDiff;
            r.lossChange[std::size_t(l)][std::size_t(h)] = meanLoss(logits, tokens, V) - r.baseLoss;
            if (progress) progress(double(l * s.heads + h + 1) / double(L * s.heads), "ablating heads");
        }
    session.setInterventions({});
    r.seconds = seconds(t0);
    return r;
}

std::int32_t likeliestOther(std::shared_ptr<const ModelFile> model, Backend& backend,
                            const std::vector<std::int32_t>& tokens, std::int32_t target) {
    checkIds(*model, tokens, target, target);
    InferenceSession s(model, backend, int(tokens.size()));
    const std::vector<float> last = s.prefillLast(tokens);
    for (const auto& [id, logit] : topK(last, 2))
        if (std::int32_t(id) != target) return std::int32_t(id);
    return target == 0 ? 1 : 0;
}

std::int32_t singleToken(const Tokenizer& tokenizer, const std::string& text) {
    const std::vector<std::int32_t> ids = tokenizer.encode(text);
    if (ids.size() == 1) return ids.front();
    std::string pieces;
    for (std::int32_t id : ids) pieces += (pieces.empty() ? "'" : ", '") + tokenizer.tokenPiece(id) + "'";
    throw std::invalid_argument("'" + text + "' is " + std::to_string(ids.size()) +
                                " tokens (" + pieces + "), not one: pick a word that is a single token");
}

} // namespace llmlab
