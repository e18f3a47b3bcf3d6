// The GPT-2 path (learned positions, LayerNorm, fused QKV stored [in, out], GELU, tied
// unembedding) on hf/tiny-random-gpt2, against a plain float64 forward written here from the
// GPT-2 definition, on the CPU and on Vulkan, prompt and KV-cached decoding both.
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "model/LanguageModel.h"

#include <QtTest>

#include <cmath>

using namespace llmlab;

namespace {

using Mat = std::vector<double>;

// The float64 reference: every position of `tokens`, logits [T, vocab].
Mat referenceLogits(const ModelFile& f, const std::vector<std::int32_t>& tokens) {
    const ModelSpec& s = f.spec();
    const int T = int(tokens.size()), d = s.width, H = s.heads, hd = d / H, V = s.vocab;
    auto W = [&](const std::string& name) {
        const auto v = f.tensor(name).toFloats();
        return Mat(v.begin(), v.end());
    };
    auto layerNorm = [&](const Mat& x, const std::string& prefix) {
        const Mat g = W(prefix + ".weight"), b = W(prefix + ".bias");
        Mat y(x.size());
        for (int t = 0; t < T; ++t) {
            double mean = 0, var = 0;
            for (int i = 0; i < d; ++i) mean += x[std::size_t(t * d + i)] / d;
            for (int i = 0; i < d; ++i) var += std::pow(x[std::size_t(t * d + i)] - mean, 2) / d;
            for (int i = 0; i < d; ++i)
                y[std::size_t(t * d + i)] = (x[std::size_t(t * d + i)] - mean) /
                                                std::sqrt(var + s.normEps) * g[std::size_t(i)] +
                                            b[std::size_t(i)];
        }
        return y;
    };
    // x [T, in] times w stored [in, out] (Conv1D), plus b.
    auto conv1d = [&](const Mat& x, const std::string& prefix, int in, int out) {
        const Mat w = W(prefix + ".weight"), b = W(prefix + ".bias");
        Mat y(std::size_t(T * out));
        for (int t = 0; t < T; ++t)
            for (int o = 0; o < out; ++o) {
                double acc = b[std::size_t(o)];
                for (int i = 0; i < in; ++i)
                    acc += x[std::size_t(t * in + i)] * w[std::size_t(i * out + o)];
                y[std::size_t(t * out + o)] = acc;
            }
        return y;
    };
    const Mat wte = W("token_embd.weight"), wpe = W("position_embd.weight");
    Mat x(std::size_t(T * d));
    for (int t = 0; t < T; ++t)
        for (int i = 0; i < d; ++i)
            x[std::size_t(t * d + i)] =
                wte[std::size_t(tokens[std::size_t(t)] * d + i)] + wpe[std::size_t(t * d + i)];
    for (int l = 0; l < s.layers; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        const Mat qkv = conv1d(layerNorm(x, b + "attn_norm"), b + "attn_qkv", d, 3 * d);
        Mat att(std::size_t(T * d), 0.0);
        for (int h = 0; h < H; ++h)
            for (int i = 0; i < T; ++i) {
                std::vector<double> p(std::size_t(i + 1));
                double mx = -1e300, sum = 0;
                for (int j = 0; j <= i; ++j) {
                    double dot = 0;
                    for (int e = 0; e < hd; ++e)
                        dot += qkv[std::size_t(i * 3 * d + h * hd + e)] *
                               qkv[std::size_t(j * 3 * d + d + h * hd + e)];
                    p[std::size_t(j)] = dot / std::sqrt(double(hd));
                    mx = std::max(mx, p[std::size_t(j)]);
                }
                for (double& v : p) sum += (v = std::exp(v - mx));
                for (int j = 0; j <= i; ++j)
                    for (int e = 0; e < hd; ++e)
                        att[std::size_t(i * d + h * hd + e)] +=
                            p[std::size_t(j)] / sum *
                            qkv[std::size_t(j * 3 * d + 2 * d + h * hd + e)];
            }
        const Mat o = conv1d(att, b + "attn_output", d, d);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
        Mat m = conv1d(layerNorm(x, b + "ffn_norm"), b + "ffn_up", d, s.ffnWidth);
        for (double& v : m)
            v = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        const Mat down = conv1d(m, b + "ffn_down", s.ffnWidth, d);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += down[i];
    }
    const Mat y = layerNorm(x, "output_norm");
    Mat logits(std::size_t(T * V));
    for (int t = 0; t < T; ++t)
        for (int v = 0; v < V; ++v) {
            double acc = 0;
            for (int i = 0; i < d; ++i)
                acc += y[std::size_t(t * d + i)] * wte[std::size_t(v * d + i)];
            logits[std::size_t(t * V + v)] = acc;
        }
    return logits;
}

} // namespace

class TestGpt2 : public QObject {
    Q_OBJECT

    void check(Backend& backend, double tolerance) {
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", path);
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        QCOMPARE(model->spec().family, ModelFamily::Gpt2);
        const std::vector<std::int32_t> tokens = {0, 17, 345, 999, 5, 98, 640, 3, 77, 12};
        const Mat ref = referenceLogits(*model, tokens);
        const std::size_t V = std::size_t(model->spec().vocab);
        InferenceSession session(model, backend, 64);
        // The first 7 tokens as one prompt, then one token at a time through the KV cache.
        std::vector<float> got = session.prefill(std::span<const std::int32_t>(tokens.data(), 7));
        for (std::size_t t = 7; t < tokens.size(); ++t) {
            const std::vector<float> step = session.decode(tokens[t]);
            got.insert(got.end(), step.begin(), step.end());
        }
        QCOMPARE(got.size(), ref.size());
        double maxErr = 0;
        for (std::size_t i = 0; i < got.size(); ++i)
            maxErr = std::max(maxErr, std::fabs(got[i] - ref[i]));
        qInfo("max |logit - float64 reference| = %.2e over %zu tokens x %zu", maxErr, tokens.size(),
              V);
        QVERIFY2(maxErr <= tolerance, qPrintable(QString("max error %1").arg(maxErr)));

        // A conversation that goes on with a second prompt of another length: the cache moves
        // from one compiled graph to the next and nothing is lost on the way.
        InferenceSession again(model, backend, 64);
        again.prefill(std::span<const std::int32_t>(tokens.data(), 4));
        std::vector<float> more =
            again.prefill(std::span<const std::int32_t>(tokens.data() + 4, 3));
        for (std::size_t t = 7; t < tokens.size(); ++t) {
            const std::vector<float> step = again.decode(tokens[t]);
            more.insert(more.end(), step.begin(), step.end());
        }
        double contErr = 0;
        for (std::size_t i = 0; i < more.size(); ++i)
            contErr = std::max(contErr, std::fabs(more[i] - ref[4 * V + i]));
        QVERIFY2(contErr <= tolerance,
                 qPrintable(QString("continued prompt: max error %1").arg(contErr)));
        QCOMPARE(test::validationErrors(backend), std::size_t(0));
    }

private slots:
    void cpu() {
        CpuBackend backend;
        check(backend, 1e-4);
    }
    void vulkan() {
        std::string why;
        auto backend = test::makeVulkanBackend(&why);
        if (!backend) {
            if (test::runningInCi()) QFAIL(why.c_str());
            QSKIP(why.c_str());
        }
        check(*backend, 1e-3);
    }
};

QTEST_GUILESS_MAIN(TestGpt2)
#include "tst_gpt2.moc"
