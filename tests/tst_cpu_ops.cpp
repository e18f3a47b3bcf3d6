// The CPU reference against values worked out by hand: it is the spec the shaders are held to,
// so it is checked on its own first.
#include "Half.h"
#include "Sampling.h"
#include "TestSupport.h"
#include "cpu/CpuOps.h"

#include <QtTest>

#include <cmath>
#include <vector>

using namespace llmlab;

namespace {
bool near(float a, float b, float tol = 1e-5f) {
    return std::fabs(a - b) <= tol;
}
} // namespace

class TestCpuOps : public QObject {
    Q_OBJECT

private slots:
    void matmulPlainAndTransposed() {
        const std::vector<float> a = {1, 2, 3, 4, 5, 6}; // [2,3]
        const std::vector<float> b = {1, 0, 0, 1, 1, 1}; // [3,2]
        std::vector<float> c(4);
        cpu::matmul(a.data(), b.data(), c.data(), 2, 3, 2, false);
        QCOMPARE(c, (std::vector<float>{4, 5, 10, 11}));
        const std::vector<float> bt = {1, 0, 1, 0, 1, 1}; // the same b stored [2,3]
        cpu::matmul(a.data(), bt.data(), c.data(), 2, 3, 2, true);
        QCOMPARE(c, (std::vector<float>{4, 5, 10, 11}));
    }

    void addBroadcastsARow() {
        const std::vector<float> a = {1, 2, 3, 4, 5, 6}, row = {10, 20, 30};
        std::vector<float> out(6);
        cpu::add(a.data(), row.data(), out.data(), 6, 3);
        QCOMPARE(out, (std::vector<float>{11, 22, 33, 14, 25, 36}));
        cpu::mul(a.data(), row.data(), out.data(), 6, 3);
        QCOMPARE(out, (std::vector<float>{10, 40, 90, 40, 100, 180}));
    }

    void embeddingGathersRowsAndZeroesBadIds() {
        const std::vector<float> table = {1, 2, 3, 4, 5, 6}; // 3 tokens, dim 2
        const std::vector<std::int32_t> ids = {2, 0, 7, -1};
        std::vector<float> out(8, -9);
        cpu::embedding(table.data(), 3, 2, ids.data(), 4, out.data());
        QCOMPARE(out, (std::vector<float>{5, 6, 1, 2, 0, 0, 0, 0}));
    }

    void rmsNormMatchesTheFormula() {
        const std::vector<float> x = {3, 4}, w = {1, 2};
        std::vector<float> out(2);
        cpu::rmsNorm(x.data(), w.data(), out.data(), 1, 2, 0.0f);
        const float rms = std::sqrt((9.0f + 16.0f) / 2.0f);
        QVERIFY(near(out[0], 3 / rms) && near(out[1], 2 * 4 / rms));
    }

    void layerNormCentresAndScales() {
        const std::vector<float> x = {1, 2, 3, 4}, w = {1, 1, 1, 1}, b = {0, 0, 0, 1};
        std::vector<float> out(4);
        cpu::layerNorm(x.data(), w.data(), b.data(), out.data(), 1, 4, 0.0f);
        const float sd = std::sqrt(1.25f);
        QVERIFY(near(out[0], -1.5f / sd) && near(out[3], 1.5f / sd + 1));
    }

    void ropeRotatesPairsByPositionTimesFrequency() {
        // One head of 4 dims; pair 0 turns by pos * 1, pair 1 by pos * theta^(-2/4) = pos / 100.
        const std::vector<float> x = {1, 0, 1, 0};
        const std::vector<std::int32_t> pos = {3};
        std::vector<float> out(4);
        cpu::rope(x.data(), pos.data(), out.data(), 1, 1, 4, 4, 10000.0f, RopeLayout::Interleaved);
        QVERIFY(near(out[0], std::cos(3.0f)) && near(out[1], std::sin(3.0f)));
        QVERIFY(near(out[2], std::cos(0.03f)) && near(out[3], std::sin(0.03f)));
    }

    void ropeLayoutsAgreeUpToThePermutation() {
        // Rotate-half on a vector permuted from pairs to halves equals the permuted
        // interleaved result: this is why HF q/k weights are stored permuted.
        const int hd = 6;
        const std::vector<float> x = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f};
        std::vector<float> perm(hd);
        for (int i = 0; i < hd / 2; ++i) {
            perm[std::size_t(i)] = x[std::size_t(2 * i)];
            perm[std::size_t(i + hd / 2)] = x[std::size_t(2 * i + 1)];
        }
        const std::vector<std::int32_t> pos = {17};
        std::vector<float> a(hd), b(hd);
        cpu::rope(x.data(), pos.data(), a.data(), 1, 1, hd, hd, 500.0f, RopeLayout::Interleaved);
        cpu::rope(perm.data(), pos.data(), b.data(), 1, 1, hd, hd, 500.0f, RopeLayout::RotateHalf);
        for (int i = 0; i < hd / 2; ++i) {
            QVERIFY(near(a[std::size_t(2 * i)], b[std::size_t(i)]));
            QVERIFY(near(a[std::size_t(2 * i + 1)], b[std::size_t(i + hd / 2)]));
        }
    }

    void softmaxCausalAndMasked() {
        // Tq=2, Tk=3: query 0 sees keys 0..1, query 1 sees keys 0..2.
        const std::vector<float> x = {0, 0, 5, 0, 0, 0};
        std::vector<float> out(6);
        cpu::softmax(x.data(), nullptr, out.data(), 6, 2, 3, true, 1.0f);
        QVERIFY(near(out[0], 0.5f) && near(out[1], 0.5f) && out[2] == 0.0f);
        QVERIFY(near(out[3], 1.0f / 3));
        const std::vector<float> mask = {-INFINITY, -INFINITY, -INFINITY, 0, std::log(3.0f), 0};
        cpu::softmax(x.data(), mask.data(), out.data(), 6, 2, 3, false, 1.0f);
        QCOMPARE(out[0] + out[1] + out[2], 0.0f); // nothing allowed: zeros, not NaN
        QVERIFY(near(out[4], 0.6f) && near(out[3], 0.2f));
    }

    void attentionUsesGroupedKeyValueHeads() {
        // 2 query heads share 1 KV head; head dim 1; Tq = Tk = 2.
        const std::vector<float> q = {1, 2, 3, 4}; // [Tq, 2 heads]
        const std::vector<float> k = {1, -1};      // [Tk, 1 head]
        std::vector<float> s(8);
        cpu::attnScores(q.data(), k.data(), s.data(), 2, 2, 2, 1, 1, 0.5f);
        QCOMPARE(s, (std::vector<float>{0.5f, -0.5f, 1.5f, -1.5f, 1, -1, 2, -2}));
        const std::vector<float> p = {1, 0, 0.5f, 0.5f, 0, 1, 0.25f, 0.75f};
        const std::vector<float> v = {10, 20};
        std::vector<float> o(4);
        cpu::attnValues(p.data(), v.data(), o.data(), 2, 2, 2, 1, 1);
        QCOMPARE(o, (std::vector<float>{10, 20, 15, 17.5f}));
    }

    void activations() {
        const std::vector<float> x = {-1, 0, 1};
        std::vector<float> out(3);
        cpu::gelu(x.data(), out.data(), 3);
        QVERIFY(near(out[2], 0.841192f) && near(out[0], -0.158808f) && out[1] == 0.0f);
        cpu::silu(x.data(), out.data(), 3);
        QVERIFY(near(out[2], 0.731059f) && near(out[0], -0.268941f));
        cpu::relu(x.data(), out.data(), 3);
        QCOMPARE(out, (std::vector<float>{0, 0, 1}));
        const std::vector<float> up = {2, 2, 2};
        cpu::swiglu(x.data(), up.data(), out.data(), 3);
        QVERIFY(near(out[2], 2 * 0.731059f));
    }

    void halfRoundTripsEveryValue() {
        for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
            const auto h = std::uint16_t(bits);
            const float f = halfToFloat(h);
            if (std::isnan(f)) continue;
            QCOMPARE(floatToHalf(f), h);
        }
        // The bulk conversion (F16C where the CPU has it) gives the scalar one's values.
        std::vector<std::uint16_t> all(0x10000);
        for (std::uint32_t b = 0; b < 0x10000; ++b) all[b] = std::uint16_t(b);
        std::vector<float> bulk(all.size());
        halfToFloat(all.data(), bulk.data(), all.size() - 3); // an odd tail too
        for (std::uint32_t b = 0; b + 3 < 0x10000; ++b)
            if (!std::isnan(bulk[b])) QCOMPARE(bulk[b], halfToFloat(all[b]));
        QCOMPARE(halfToFloat(0x3c00), 1.0f);
        QCOMPARE(halfToFloat(0x0001), std::ldexp(1.0f, -24));   // smallest subnormal
        QCOMPARE(floatToHalf(65520.0f), std::uint16_t(0x7c00)); // rounds up to infinity
        QCOMPARE(floatToHalf(1.0f + std::ldexp(1.0f, -11)), std::uint16_t(0x3c00)); // tie to even
        QCOMPARE(bf16ToFloat(floatToBf16(1.5f)), 1.5f);
        QCOMPARE(floatToBf16(1.0f + std::ldexp(1.0f, -8)), std::uint16_t(0x3f80)); // tie to even
    }

    void argmaxAndTopK() {
        const std::vector<float> v = {0.1f, 3, -2, 3, 2};
        QCOMPARE(argmax(v), std::int64_t(1));
        const auto top = topK(v, 3);
        QCOMPARE(top.size(), std::size_t(3));
        QCOMPARE(top[0].first, std::int64_t(1));
        QCOMPARE(top[1].first, std::int64_t(3));
        QCOMPARE(top[2].first, std::int64_t(4));
        QCOMPARE(argmax(std::vector<float>{}), std::int64_t(-1));
    }
};

QTEST_GUILESS_MAIN(TestCpuOps)
#include "tst_cpu_ops.moc"
