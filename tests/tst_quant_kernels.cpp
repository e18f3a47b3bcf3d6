// The quantizers (which make the benchmark models) against the dequantizers (checked against
// ggml's own output in tst_formats_files), and the row-dot kernels that multiply packed weights
// directly: vector code against the scalar reference, both against F32 arithmetic on the
// dequantized weights.
#include "Half.h"
#include "Tensor.h"
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "cpu/CpuOps.h"
#include "cpu/DotKernels.h"
#include "cpu/PackedMatmul.h"
#include "formats/BlockQuant.h"
#include "quant/Quantize.h"
#include "formats/ModelFile.h"
#include "model/BenchModel.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "tokenizers/Tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace llmlab;

namespace {

std::vector<float> randomValues(std::int64_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (float& x : v) x = dist(rng);
    return v;
}

double nmse(const std::vector<float>& got, const std::vector<float>& want) {
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
        ref += double(want[i]) * want[i];
    }
    return ref > 0 ? err / ref : err;
}

// Weights of `type` packed from float values; F16/BF16 converted, quantized types quantized.
std::vector<std::uint8_t> pack(DType type, const std::vector<float>& v) {
    std::vector<std::uint8_t> out(
        static_cast<std::size_t>(dtypeStorageBytes(type, std::int64_t(v.size()))));
    if (type == DType::F32) {
        std::memcpy(out.data(), v.data(), out.size());
    } else if (type == DType::F16 || type == DType::BF16) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::uint16_t h = type == DType::F16 ? floatToHalf(v[i]) : floatToBf16(v[i]);
            std::memcpy(out.data() + 2 * i, &h, 2);
        }
    } else if (!quantizeBlocks(type, v.data(), out.data(), std::int64_t(v.size()))) {
        qFatal("cannot quantize %s", dtypeName(type).data());
    }
    return out;
}

std::vector<float> unpack(DType type, const std::vector<std::uint8_t>& bytes, std::int64_t n) {
    return Tensor::borrow(type, Shape({n}), bytes.data(), nullptr).toFloats();
}

const DType kKernelTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0,
                              DType::Q8_0, DType::Q4_K, DType::Q6_K};

} // namespace

class TestQuantKernels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { registerQuantFormats(); }

    void quantizeRoundTrips_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("maxNmse");
        // Expected NMSE of round-to-nearest on Gaussian data: ~1/3·(step/2)² over the variance.
        QTest::newRow("Q8_0") << int(DType::Q8_0) << 1e-4;
        QTest::newRow("Q4_0") << int(DType::Q4_0) << 2e-2;
        QTest::newRow("Q4_K") << int(DType::Q4_K) << 2e-2;
        QTest::newRow("Q6_K") << int(DType::Q6_K) << 2e-3;
    }
    void quantizeRoundTrips() {
        QFETCH(int, type);
        QFETCH(double, maxNmse);
        const auto t = DType(type);
        QVERIFY(canQuantize(t));
        const std::int64_t n = 256 * 12;
        std::vector<float> x = randomValues(n, 7, 0.02f);
        x[5] = 0.3f; // one outlier per tensor, as real weights have
        const std::vector<float> back = unpack(t, pack(t, x), n);
        const double e = nmse(back, x);
        qInfo("%s round trip NMSE %.3g", dtypeName(t).data(), e);
        QVERIFY2(e < maxNmse, qPrintable(QString::number(e)));
        // Far better than noise: a layout mistake (a nibble or a scale in the wrong place)
        // gives an NMSE near 1 or above.
        QVERIFY(e > 0);
        // A block of zeros stays zeros (no division by a zero scale).
        const std::vector<float> zeros(256, 0.0f);
        for (float v : unpack(t, pack(t, zeros), 256)) QCOMPARE(v, 0.0f);
    }

    void refusesWhatItCannotQuantize() {
        std::vector<float> x(256, 1.0f);
        std::vector<std::uint8_t> out(1024);
        QVERIFY(!quantizeBlocks(DType::Q8_K, x.data(), out.data(), 256));
        QVERIFY(!quantizeBlocks(DType::Q8_0, x.data(), out.data(), 33)); // not whole blocks
    }

    void dotKernelsMatchTheReference_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("rows");
        for (DType t : kKernelTypes)
            for (int m : {1, 3, int(cpu::kDotKernelMaxRows)})
                QTest::newRow(qPrintable(QStringLiteral("%1 m=%2").arg(dtypeName(t).data()).arg(m)))
                    << int(t) << m;
    }
    void dotKernelsMatchTheReference() {
        QFETCH(int, type);
        QFETCH(int, rows);
        const auto t = DType(type);
        QVERIFY(cpu::hasDotKernel(t));
        const std::int64_t n = 37, k = 768, m = rows; // odd row count: uneven thread split
        const std::vector<std::uint8_t> w = pack(t, randomValues(n * k, 11, 0.05f));
        const std::vector<float> wf = unpack(t, w, n * k);
        const std::vector<float> x = randomValues(m * k, 13);

        std::vector<float> want(static_cast<std::size_t>(m * n));
        cpu::matmul(x.data(), wf.data(), want.data(), m, k, n, /*transB=*/true);
        std::vector<float> scalar(want.size()), vec(want.size());
        cpu::dotKernelMatmul(x.data(), m, t, w.data(), n, k, scalar.data(), true);
        cpu::dotKernelMatmul(x.data(), m, t, w.data(), n, k, vec.data());

        // Same sums in a different order: float rounding only.
        const double vs = nmse(vec, scalar);
        QVERIFY2(vs < 1e-10, qPrintable(QString::number(vs)));
        // Against exact F32 arithmetic on the same weights: quantized types add x's 8-bit
        // rounding (~1e-5 NMSE), float types only summation order.
        const double e = nmse(scalar, want);
        const double bound = dtypeIsQuantized(t) ? 1e-4 : 1e-10;
        QVERIFY2(e < bound, qPrintable(QString::number(e)));
    }

    void dotKernelRowsDoNotDependOnTheBatch() {
        // Batch invariance: a row's result is the same bits alone or among 11 others, whichever
        // kernel the batch size picks (Q4_K takes several x rows per unpacked weight row).
        for (DType t : kKernelTypes) {
            const std::int64_t n = 45, k = 512, m = 11;
            const std::vector<std::uint8_t> w = pack(t, randomValues(n * k, 21, 0.05f));
            const std::vector<float> x = randomValues(m * k, 23);
            std::vector<float> all(static_cast<std::size_t>(m * n));
            cpu::dotKernelMatmul(x.data(), m, t, w.data(), n, k, all.data());
            for (std::int64_t row = 0; row < m; ++row) {
                std::vector<float> one(static_cast<std::size_t>(n));
                cpu::dotKernelMatmul(x.data() + row * k, 1, t, w.data(), n, k, one.data());
                for (std::int64_t r = 0; r < n; ++r)
                    QVERIFY2(one[std::size_t(r)] == all[std::size_t(row * n + r)],
                             qPrintable(QString("%1 row %2 col %3").arg(dtypeName(t).data()).arg(row).arg(r)));
            }
        }
    }

    void packedMatmulTakesEitherRouteToTheSameAnswer() {
        // Small batches use the row-dot kernels, large ones widen rows for GEMM: a prompt and
        // the tokens decoded after it must see the same weights.
        for (DType t : {DType::Q4_K, DType::F16, DType::Q5_K}) {
            const std::int64_t n = 70, k = 512, m = 20;
            std::vector<std::uint8_t> w;
            if (t == DType::Q5_K) {
                // No quantizer for Q5_K: random bytes with small scales are valid blocks.
                w.resize(std::size_t(dtypeStorageBytes(t, n * k)));
                std::mt19937 rng(3);
                for (auto& b : w) b = std::uint8_t(rng());
                for (std::size_t blk = 0; blk < w.size(); blk += 176) {
                    const std::uint16_t d = floatToHalf(1e-3f);
                    std::memcpy(&w[blk], &d, 2);
                    std::memcpy(&w[blk + 2], &d, 2);
                }
            } else {
                w = pack(t, randomValues(n * k, 5, 0.05f));
            }
            const Tensor wt = Tensor::borrow(t, Shape({n, k}), w.data(), nullptr);
            const std::vector<float> x = randomValues(m * k, 9);
            std::vector<float> big(static_cast<std::size_t>(m * n));
            cpu::packedMatmulTransB(x.data(), wt, big.data(), m);
            for (std::int64_t row : {0, 7, 19}) {
                std::vector<float> one(static_cast<std::size_t>(n));
                cpu::packedMatmulTransB(x.data() + row * k, wt, one.data(), 1);
                const std::vector<float> want(big.begin() + row * n, big.begin() + (row + 1) * n);
                const double e = nmse(one, want);
                QVERIFY2(e < 1e-4, qPrintable(QString("%1: %2").arg(dtypeName(t).data()).arg(e)));
            }
        }
    }

    void untransposedPackedMatmulMatchesTheWidenedWeights() {
        // y = x w (the backward pass of x wᵀ) from packed rows, against the rows widened once.
        for (DType t : {DType::F16, DType::Q8_0, DType::Q4_K}) {
            const std::int64_t n = 200, k = 256, m = 9; // n not a whole number of row blocks
            const std::vector<std::uint8_t> w = pack(t, randomValues(n * k, 11, 0.05f));
            const Tensor wt = Tensor::borrow(t, Shape({n, k}), w.data(), nullptr);
            std::vector<float> wide(static_cast<std::size_t>(n * k));
            cpu::widenRows(wt, 0, n, wide.data());
            const std::vector<float> x = randomValues(m * n, 13);
            std::vector<double> want(static_cast<std::size_t>(m * k), 0.0);
            for (std::int64_t i = 0; i < m; ++i)
                for (std::int64_t r = 0; r < n; ++r)
                    for (std::int64_t c = 0; c < k; ++c)
                        want[std::size_t(i * k + c)] += double(x[std::size_t(i * n + r)]) * wide[std::size_t(r * k + c)];
            std::vector<float> got(static_cast<std::size_t>(m * k), 123.0f); // overwritten, not added to
            cpu::packedMatmul(x.data(), wt, got.data(), m);
            double worst = 0;
            for (std::size_t i = 0; i < got.size(); ++i)
                worst = std::max(worst, std::fabs(double(got[i]) - want[i]) / (1.0 + std::fabs(want[i])));
            QVERIFY2(worst < 1e-5, qPrintable(QString("%1: %2").arg(dtypeName(t).data()).arg(worst)));
        }
    }

    void benchModelsAreRealModels() {
        // The benchmark files must be models any GGUF reader takes: a small shape with the
        // real vocabulary, read back, tokenized and run, in F32 and in Q4_K.
        LLMLAB_REQUIRE_FIXTURE("llama.cpp-vocab/ggml-vocab-llama-spm.gguf", vocab);
        QTemporaryDir dir;
        const BenchShape shape{"small", 256, 2, 4, 2, 512, 32000, 128};
        std::vector<float> f32Logits;
        for (DType t : {DType::F32, DType::Q4_K}) {
            const std::string path = (dir.path() + "/small.gguf").toStdString();
            std::string error;
            QVERIFY2(writeBenchModel(shape, t, vocab, path, 7, &error), error.c_str());
            auto model = std::shared_ptr<const ModelFile>(ModelFile::open(path, &error));
            QVERIFY2(model, error.c_str());
            const ModelSpec& s = model->spec();
            QCOMPARE(s.width, 256);
            QCOMPARE(s.layers, 2);
            QCOMPARE(s.kvHeads, 2);
            QCOMPARE(s.ffnWidth, 512);
            QCOMPARE(s.totalParams, shape.parameters());
            QCOMPARE(model->tensor("blk.1.ffn_down.weight").dtype(), t);
            const std::vector<std::int32_t> ids = tokenizerFor(*model).encode("Once upon a time");
            QVERIFY(ids.size() >= 4);
            CpuBackend backend;
            InferenceSession session(model, backend, 16);
            const std::vector<float> logits = session.prefillLast(ids);
            QCOMPARE(logits.size(), std::size_t(32000));
            for (float v : logits) QVERIFY(std::isfinite(v));
            if (t == DType::F32) {
                f32Logits = logits;
            } else { // the same random weights, quantized: close to the F32 model's logits
                const double e = nmse(logits, f32Logits);
                QVERIFY2(e < 0.05, qPrintable(QString::number(e)));
            }
        }
        std::string error;
        BenchShape wrong = shape;
        wrong.vocab = 100;
        QVERIFY(!writeBenchModel(wrong, DType::F32, vocab, dir.path().toStdString() + "/x.gguf", 1,
                                 &error));
        QVERIFY2(error.find("100 tokens") != std::string::npos, error.c_str());
    }

    void reportsWhetherVectorCodeRuns() {
        qInfo("dot kernels: %s", cpu::dotKernelsVectorised() ? "AVX2" : "scalar");
        QVERIFY(!cpu::hasDotKernel(DType::Q2_K)); // widened instead
    }
};

QTEST_GUILESS_MAIN(TestQuantKernels)
#include "tst_quant_kernels.moc"
