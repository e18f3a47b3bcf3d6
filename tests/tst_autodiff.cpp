// Gradients against finite differences. Each backward op of the CPU reference is checked
// against central differences of a float64 forward written here, for L = sum(w * f(x)) with
// random w (so dL/dy = w); then the whole toy transformer built by Autodiff is checked along
// random directions.
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "cpu/CpuGradOps.h"
#include "cpu/CpuOps.h"
#include "train/Autodiff.h"
#include "lm/LmModel.h"
#include "train/ToyModel.h"

#include <QtTest>

#include <cmath>
#include <functional>
#include <random>

using namespace llmlab;

namespace {

using Vec = std::vector<double>;

std::vector<float> randomFloats(std::mt19937_64& rng, std::size_t n, float scale = 1.0f) {
    std::uniform_real_distribution<float> d(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

// Relative error of the analytic gradient `g` against central differences of `f` at `x`.
double gradError(const std::function<double(const Vec&)>& f, const std::vector<float>& x,
                 const std::vector<float>& g) {
    const double h = 1e-6;
    double num = 0, den = 0;
    Vec xd(x.begin(), x.end());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double keep = xd[i];
        xd[i] = keep + h;
        const double up = f(xd);
        xd[i] = keep - h;
        const double down = f(xd);
        xd[i] = keep;
        const double fd = (up - down) / (2 * h);
        num += (fd - g[i]) * (fd - g[i]);
        den += fd * fd;
    }
    return std::sqrt(num / std::max(den, 1e-30));
}

double dot(const Vec& y, const std::vector<float>& w) {
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * w[i];
    return s;
}

// float64 forwards, written from the formulas.
Vec gelu64(const Vec& x) {
    Vec y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        y[i] = 0.5 * x[i] *
               (1 + std::tanh(std::sqrt(2 / M_PI) * (x[i] + 0.044715 * std::pow(x[i], 3))));
    return y;
}
Vec softmax64(const Vec& x, std::size_t rows, std::size_t n, double scale) {
    Vec y(x.size());
    for (std::size_t r = 0; r < rows; ++r) {
        double mx = -1e300, s = 0;
        for (std::size_t j = 0; j < n; ++j) mx = std::max(mx, scale * x[r * n + j]);
        for (std::size_t j = 0; j < n; ++j) s += std::exp(scale * x[r * n + j] - mx);
        for (std::size_t j = 0; j < n; ++j) y[r * n + j] = std::exp(scale * x[r * n + j] - mx) / s;
    }
    return y;
}
Vec norm64(const Vec& x, const std::vector<float>& w, std::size_t rows, std::size_t d, bool rms) {
    Vec y(x.size());
    for (std::size_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        if (!rms)
            for (std::size_t i = 0; i < d; ++i) mean += x[r * d + i] / double(d);
        for (std::size_t i = 0; i < d; ++i) var += std::pow(x[r * d + i] - mean, 2) / double(d);
        const double inv = 1 / std::sqrt(var + 1e-5);
        for (std::size_t i = 0; i < d; ++i) y[r * d + i] = (x[r * d + i] - mean) * inv * w[i];
    }
    return y;
}
// scores[h,i,j] = s * q[i,h] . k[j,h/g]
Vec scores64(const Vec& q, const Vec& k, int tq, int tk, int H, int Hkv, int hd, double s) {
    Vec out(std::size_t(H * tq * tk));
    for (int h = 0; h < H; ++h)
        for (int i = 0; i < tq; ++i)
            for (int j = 0; j < tk; ++j) {
                double acc = 0;
                for (int d = 0; d < hd; ++d)
                    acc += q[std::size_t(i * H * hd + h * hd + d)] *
                           k[std::size_t(j * Hkv * hd + (h / (H / Hkv)) * hd + d)];
                out[std::size_t((h * tq + i) * tk + j)] = s * acc;
            }
    return out;
}
Vec values64(const Vec& p, const Vec& v, int tq, int tk, int H, int Hkv, int hd) {
    Vec out(std::size_t(tq * H * hd), 0.0);
    for (int h = 0; h < H; ++h)
        for (int i = 0; i < tq; ++i)
            for (int j = 0; j < tk; ++j)
                for (int d = 0; d < hd; ++d)
                    out[std::size_t(i * H * hd + h * hd + d)] +=
                        p[std::size_t((h * tq + i) * tk + j)] *
                        v[std::size_t(j * Hkv * hd + (h / (H / Hkv)) * hd + d)];
    return out;
}

// Checks a compiled gradient along random directions: (L(p + h u) - L(p - h u)) / 2h against
// g . u. Odd trials move only the attention's q/k weights (where RoPE and the mask act) when
// `attentionTrials` is set. Returns "" or what failed.
QString directionalMismatch(Executable& exe, const std::map<std::string, NodeId>& params,
                            const std::unordered_map<NodeId, NodeId>& grads,
                            const std::function<double()>& meanLoss, std::mt19937_64& rng,
                            int trials, bool attentionTrials) {
    meanLoss();
    std::map<NodeId, std::vector<float>> grad, base;
    for (const auto& [name, p] : params) {
        grad[p] = exe.read(grads.at(p));
        base[p] = exe.read(p);
    }
    for (int trial = 0; trial < trials; ++trial) {
        std::map<NodeId, std::vector<float>> dir;
        double analytic = 0;
        for (const auto& [name, p] : params) {
            const bool attn = name.find("attn_q") != std::string::npos ||
                              name.find("attn_k") != std::string::npos;
            const bool moves = !attentionTrials || trial % 2 == 0 || attn;
            dir[p] = randomFloats(rng, base[p].size(), moves ? 1.0f : 0.0f);
            for (std::size_t i = 0; i < base[p].size(); ++i) analytic += grad[p][i] * dir[p][i];
        }
        auto lossAt = [&](double h) {
            for (const auto& [name, p] : params) {
                std::vector<float> v = base[p];
                for (std::size_t i = 0; i < v.size(); ++i) v[i] += float(h) * dir[p][i];
                exe.setInput(p, std::span<const float>(v));
            }
            return meanLoss();
        };
        const double h = 1e-3;
        const double numeric = (lossAt(h) - lossAt(-h)) / (2 * h);
        // float32 forward passes: differences carry ~1e-7/h relative noise, hence 1e-2.
        if (!(std::fabs(numeric - analytic) <= 1e-2 * std::fabs(analytic) + 1e-4))
            return QString("trial %1: numeric %2, analytic %3").arg(trial).arg(numeric).arg(analytic);
    }
    return {};
}

} // namespace

class TestAutodiff : public QObject {
    Q_OBJECT

    std::mt19937_64 m_rng{42};
    static constexpr double kBound = 1e-3;

private slots:
    void activations() {
        const std::size_t n = 37;
        const auto x = randomFloats(m_rng, n, 3), w = randomFloats(m_rng, n);
        std::vector<float> g(n);
        cpu::geluGrad(w.data(), x.data(), g.data(), n);
        QVERIFY(gradError([&](const Vec& v) { return dot(gelu64(v), w); }, x, g) < kBound);
        cpu::siluGrad(w.data(), x.data(), g.data(), n);
        auto silu = [&](const Vec& v) {
            Vec y(v.size());
            for (std::size_t i = 0; i < v.size(); ++i) y[i] = v[i] / (1 + std::exp(-v[i]));
            return dot(y, w);
        };
        QVERIFY(gradError(silu, x, g) < kBound);
        cpu::reluGrad(w.data(), x.data(), g.data(), n);
        auto relu = [&](const Vec& v) {
            Vec y(v.size());
            for (std::size_t i = 0; i < v.size(); ++i) y[i] = std::max(0.0, v[i]);
            return dot(y, w);
        };
        QVERIFY(gradError(relu, x, g) < kBound);
    }

    void softmax() {
        const std::size_t rows = 5, n = 7;
        const auto x = randomFloats(m_rng, rows * n, 2), w = randomFloats(m_rng, rows * n);
        std::vector<float> y(rows * n), g(rows * n);
        cpu::softmax(x.data(), nullptr, y.data(), std::int64_t(rows * n), 1, std::int64_t(n), false,
                     1.5f);
        cpu::softmaxGrad(w.data(), y.data(), g.data(), rows, n, 1.5f);
        QVERIFY(gradError([&](const Vec& v) { return dot(softmax64(v, rows, n, 1.5), w); }, x, g) <
                kBound);
    }

    void norms() {
        const std::size_t rows = 3, d = 11;
        const auto x = randomFloats(m_rng, rows * d, 2), w = randomFloats(m_rng, rows * d);
        const auto gamma = randomFloats(m_rng, d);
        std::vector<float> g(rows * d);
        cpu::layerNormGrad(w.data(), x.data(), gamma.data(), g.data(), rows, d, 1e-5f);
        QVERIFY(gradError([&](const Vec& v) { return dot(norm64(v, gamma, rows, d, false), w); }, x,
                          g) < kBound);
        cpu::rmsNormGrad(w.data(), x.data(), gamma.data(), g.data(), rows, d, 1e-5f);
        QVERIFY(gradError([&](const Vec& v) { return dot(norm64(v, gamma, rows, d, true), w); }, x,
                          g) < kBound);
    }

    void attentionWithGroupedHeads() {
        const int tq = 4, tk = 5, H = 4, Hkv = 2, hd = 3;
        const double s = 0.7;
        const auto q = randomFloats(m_rng, std::size_t(tq * H * hd));
        const auto k = randomFloats(m_rng, std::size_t(tk * Hkv * hd));
        const auto p = randomFloats(m_rng, std::size_t(H * tq * tk));
        const auto v = randomFloats(m_rng, std::size_t(tk * Hkv * hd));
        const auto wS = randomFloats(m_rng, p.size()), wO = randomFloats(m_rng, q.size());
        const Vec qd(q.begin(), q.end()), kd(k.begin(), k.end()), pd(p.begin(), p.end()),
            vd(v.begin(), v.end());
        std::vector<float> gq(q.size()), gk(k.size()), gp(p.size()), gv(v.size());
        cpu::attnScoresGradQ(wS.data(), k.data(), gq.data(), tq, tk, H, Hkv, hd, float(s));
        cpu::attnScoresGradK(wS.data(), q.data(), gk.data(), tq, tk, H, Hkv, hd, float(s));
        cpu::attnValuesGradP(wO.data(), v.data(), gp.data(), tq, tk, H, Hkv, hd);
        cpu::attnValuesGradV(wO.data(), p.data(), gv.data(), tq, tk, H, Hkv, hd);
        QVERIFY(
            gradError([&](const Vec& x) { return dot(scores64(x, kd, tq, tk, H, Hkv, hd, s), wS); },
                      q, gq) < kBound);
        QVERIFY(
            gradError([&](const Vec& x) { return dot(scores64(qd, x, tq, tk, H, Hkv, hd, s), wS); },
                      k, gk) < kBound);
        QVERIFY(
            gradError([&](const Vec& x) { return dot(values64(x, vd, tq, tk, H, Hkv, hd), wO); }, p,
                      gp) < kBound);
        QVERIFY(
            gradError([&](const Vec& x) { return dot(values64(pd, x, tq, tk, H, Hkv, hd), wO); }, v,
                      gv) < kBound);
    }

    void crossEntropy() {
        const std::size_t rows = 4, n = 9;
        const auto x = randomFloats(m_rng, rows * n, 3);
        const std::vector<std::int32_t> labels = {3, 0, -1, 8}; // -1: an ignored row
        std::vector<float> g(rows * n);
        cpu::crossEntropyGrad(x.data(), labels.data(), g.data(), rows, n, 0.25f);
        auto loss = [&](const Vec& v) {
            double total = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                if (labels[r] < 0) continue;
                double mx = -1e300, s = 0;
                for (std::size_t j = 0; j < n; ++j) mx = std::max(mx, v[r * n + j]);
                for (std::size_t j = 0; j < n; ++j) s += std::exp(v[r * n + j] - mx);
                total += mx + std::log(s) - v[r * n + std::size_t(labels[r])];
            }
            return 0.25 * total;
        };
        QVERIFY(gradError(loss, x, g) < kBound);
    }

    // RoPE is a rotation: its backward pass is the inverse rotation.
    void ropeBackward() {
        const int T = 3, H = 2, hd = 6;
        const auto x = randomFloats(m_rng, std::size_t(T * H * hd)), w = randomFloats(m_rng, x.size());
        const std::vector<std::int32_t> pos = {0, 5, 17};
        std::vector<float> g(x.size());
        cpu::rope(w.data(), pos.data(), g.data(), T, H, hd, hd, 100.0f, RopeLayout::Interleaved,
                  true);
        auto f = [&](const Vec& v) {
            Vec y(v.size());
            for (int t = 0; t < T; ++t)
                for (int h = 0; h < H; ++h)
                    for (int i = 0; i < hd / 2; ++i) {
                        const double a = pos[std::size_t(t)] * std::pow(100.0, -2.0 * i / hd);
                        const std::size_t b = std::size_t(t * H * hd + h * hd + 2 * i);
                        y[b] = v[b] * std::cos(a) - v[b + 1] * std::sin(a);
                        y[b + 1] = v[b] * std::sin(a) + v[b + 1] * std::cos(a);
                    }
            return dot(y, w);
        };
        QVERIFY(gradError(f, x, g) < kBound);
    }

    // The tiny llama's gradient (RMSNorm, RoPE, causal batched attention, SwiGLU) along random
    // directions, as for the toy transformer below.
    void lmDirectionalDerivatives() {
        LmConfig c;
        c.layers = 2;
        c.dModel = 16;
        c.heads = 2;
        c.vocab = 13;
        c.context = 5;
        const int batch = 2, T = 5;
        Graph g;
        const LmForward f = buildLmForward(g, c, initLmParams(c, 3), batch, T);
        const NodeId labels = g.input("labels", Shape{batch * T}, DType::I32);
        const NodeId loss = g.crossEntropy(f.logits, labels);
        g.capture(loss);
        const NodeId seed = g.crossEntropyGrad(f.logits, labels, 1.0f / (batch * T));
        std::vector<NodeId> params;
        for (const auto& [name, id] : f.params) params.push_back(id);
        const auto grads = appendBackward(g, f.logits, seed, params);
        for (const auto& [p, gr] : grads) g.capture(gr);
        QCOMPARE(grads.size(), params.size());
        CpuBackend cpu(1);
        auto exe = cpu.compile(g);
        exe->setInput(f.tokens, std::span<const std::int32_t>(std::vector<std::int32_t>{
                                    1, 4, 7, 2, 9, 1, 3, 3, 12, 0}));
        exe->setInput(f.positions, std::span<const std::int32_t>(std::vector<std::int32_t>{
                                       0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
        exe->setInput(labels, std::span<const std::int32_t>(std::vector<std::int32_t>{
                                  4, 7, 2, 9, -1, 3, 3, 12, 0, 5}));
        auto meanLoss = [&] {
            exe->run();
            double s = 0;
            for (float l : exe->read(loss)) s += l;
            return s / (batch * T);
        };
        const QString bad = directionalMismatch(*exe, f.params, grads, meanLoss, m_rng, 6, true);
        QVERIFY2(bad.isEmpty(), qPrintable(bad));
    }

    // The toy transformer's full gradient (Autodiff over the graph) along random directions:
    // (L(p + h u) - L(p - h u)) / 2h against g . u.
    void toyTransformerDirectionalDerivatives() {
        ToyModelConfig c;
        c.layers = 2;
        c.dModel = 16;
        c.heads = 2;
        c.dMlp = 24;
        c.layerNorm = true;
        c.activation = ToyActivation::Gelu;
        c.vocab = 11;
        const int batch = 3;
        const ToyParams init = initToyParams(c, 5);
        Graph g;
        const ToyForward f = buildToyForward(g, c, init, batch);
        const NodeId labels = g.input("labels", Shape{batch}, DType::I32);
        const NodeId loss = g.crossEntropy(f.logits, labels);
        g.capture(loss);
        const NodeId seed = g.crossEntropyGrad(f.logits, labels, 1.0f / batch);
        std::vector<NodeId> params;
        for (const auto& [name, id] : f.params) params.push_back(id);
        const auto grads = appendBackward(g, f.logits, seed, params);
        for (const auto& [p, gr] : grads) g.capture(gr);
        QCOMPARE(grads.size(), params.size());

        CpuBackend cpu(1);
        auto exe = cpu.compile(g);
        exe->setInput(f.tokens, std::span<const std::int32_t>(
                                    std::vector<std::int32_t>{1, 2, 10, 4, 7, 10, 9, 0, 10}));
        exe->setInput(f.positions, std::span<const std::int32_t>(toyPositions(batch, 3)));
        exe->setInput(f.answerRows, std::span<const std::int32_t>(toyAnswerRows(batch, 3)));
        exe->setInput(labels, std::span<const std::int32_t>(std::vector<std::int32_t>{3, 0, 9}));
        auto meanLoss = [&] {
            exe->run();
            double s = 0;
            for (float l : exe->read(loss)) s += l;
            return s / batch;
        };
        const QString bad = directionalMismatch(*exe, f.params, grads, meanLoss, m_rng, 4, false);
        QVERIFY2(bad.isEmpty(), qPrintable(bad));
    }
};

QTEST_GUILESS_MAIN(TestAutodiff)
#include "tst_autodiff.moc"
