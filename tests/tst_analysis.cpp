// Tensor statistics, heatmap level of detail, parameter share and grokking's progress measures: hand-made tensors with known
// answers, quantized fixtures against their exact dequantized references, and a vocabulary-sized
// matrix that lives in address space only.
#include "TestSupport.h"

#include "Half.h"
#include "Sampling.h"
#include "analysis/Heatmap.h"
#include "analysis/ParamShare.h"
#include "analysis/ProgressMeasures.h"
#include "analysis/TensorStats.h"
#include "formats/ModelFile.h"

#include <QtTest>

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

using namespace llmlab;

namespace {

Tensor f32(const Shape& shape, const std::vector<float>& v) {
    return Tensor::fromFloats(shape, v);
}

// An anonymous mapping of `bytes`: untouched pages read as zeros and cost no memory, so a
// 151936 x 896 F32 matrix (545 MB) can be "made in memory" on any test machine.
struct BigMapping {
    explicit BigMapping(std::size_t n, int prot) : bytes(n) {
        ptr = mmap(nullptr, n, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    }
    ~BigMapping() {
        if (ptr != MAP_FAILED) munmap(ptr, bytes);
    }
    float* floats() const { return static_cast<float*>(ptr); }
    std::size_t bytes;
    void* ptr;
};

constexpr std::int64_t kVocab = 151936, kWidth = 896; // Qwen2.5-0.5B's token embedding

} // namespace

class TestAnalysis : public QObject {
    Q_OBJECT

private slots:
    void statsKnownValues() {
        // mean 1.75; squared deviations sum to 31.5, so the variance is 31.5 / 8.
        const Tensor t = f32({2, 4}, {0, 0, 1, 2, 3, 4, 5, -1});
        TensorStatsOptions o;
        o.bins = 6; // bins of width 1 over [-1, 5]; the last bin is closed, so it holds 4 and 5
        const TensorStats s = computeTensorStats(t, o);
        QCOMPARE(s.count, 8);
        QCOMPARE(s.rows, 2);
        QCOMPARE(s.cols, 4);
        QCOMPARE(s.min, -1.0);
        QCOMPARE(s.max, 5.0);
        QCOMPARE(s.mean, 1.75);
        QVERIFY(std::fabs(s.std - std::sqrt(31.5 / 8.0)) < 1e-12);
        QCOMPARE(s.zeros, 2);
        QCOMPARE(s.zeroFraction, 0.25);
        QCOMPARE(s.histogram, (std::vector<std::int64_t>{1, 2, 1, 1, 1, 2}));
        QCOMPARE(s.binWidth(), 1.0);
        QCOMPARE(s.rowNorms.size(), std::size_t(2));
        QVERIFY(std::fabs(s.rowNorms[0] - std::sqrt(5.0f)) < 1e-6f);
        QVERIFY(std::fabs(s.rowNorms[1] - std::sqrt(51.0f)) < 1e-6f);
    }

    void statsNonFinite() {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        const TensorStats s = computeTensorStats(f32({2, 3}, {1, nan, 3, -inf, 2, 2}));
        QCOMPARE(s.nanCount, 1);
        QCOMPARE(s.infCount, 1);
        QCOMPARE(s.finite, 4);
        QCOMPARE(s.mean, 2.0); // finite values only
        QCOMPARE(s.min, 1.0);
        QCOMPARE(s.max, 3.0);
        QVERIFY(std::isnan(s.rowNorms[0]));
        QVERIFY(std::isinf(s.rowNorms[1]));
        std::int64_t inHistogram = 0;
        for (auto c : s.histogram) inHistogram += c;
        QCOMPARE(inHistogram, 4);
    }

    void statsConstantAndRanks() {
        const TensorStats c = computeTensorStats(f32({5}, {7, 7, 7, 7, 7})); // 1-D: one row
        QCOMPARE(c.rows, 1);
        QCOMPARE(c.std, 0.0);
        QCOMPARE(c.histogram[0], 5); // min == max: everything in bin 0
        const TensorStats r3 = computeTensorStats(Tensor::zeros(DType::F32, {2, 3, 4}));
        QCOMPARE(r3.rows, 6);
        QCOMPARE(r3.cols, 4);
        QCOMPARE(r3.zeroFraction, 1.0);
    }

    void statsHalfMatchesFloat() {
        std::vector<float> v(300);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(int(i % 17) - 8) * 0.25f;
        Tensor h = Tensor::zeros(DType::F16, {3, 100});
        auto* bits = static_cast<std::uint16_t*>(h.mutableData());
        for (std::size_t i = 0; i < v.size(); ++i) bits[i] = floatToHalf(v[i]); // exact values
        const TensorStats a = computeTensorStats(h);
        const TensorStats b = computeTensorStats(f32({3, 100}, v));
        QCOMPARE(a.mean, b.mean);
        QCOMPARE(a.std, b.std);
        QCOMPARE(a.histogram, b.histogram);
        QCOMPARE(a.rowNorms, b.rowNorms);
    }

    void statsManyChunksProgressCancel() {
        // 3000 x 1000 is three row chunks of about a million values.
        std::vector<float> v(3000 * 1000);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i % 7);
        std::vector<double> seen;
        TensorStatsOptions o;
        o.progress = [&](double f, const std::string&) { seen.push_back(f); };
        const TensorStats s = computeTensorStats(f32({3000, 1000}, v), o);
        double sum = 0;
        for (float x : v) sum += x;
        QVERIFY(std::fabs(s.mean - sum / double(v.size())) < 1e-12);
        QVERIFY(seen.size() >= 6);
        QVERIFY(std::is_sorted(seen.begin(), seen.end()));
        QCOMPARE(seen.back(), 1.0);
        CancelToken cancel;
        cancel.cancel();
        o.cancel = &cancel;
        QVERIFY_THROWS_EXCEPTION(Cancelled, computeTensorStats(f32({3000, 1000}, v), o));
    }

    void statsQuantizedFixture_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"Q8_0", "Q4_K", "Q6_K", "Q2_K", "BF16", "F16"})
            QTest::newRow(t) << QString(t);
    }
    void statsQuantizedFixture() {
        QFETCH(QString, type);
        const std::string base = "gguf/quant/random-256-" + type.toStdString();
        LLMLAB_REQUIRE_FIXTURE(base + ".gguf", path);
        LLMLAB_REQUIRE_FIXTURE(base + ".blk.0.ffn_down.f32", refPath);
        std::string err;
        auto m = ModelFile::open(path, &err);
        QVERIFY2(m, err.c_str());
        std::vector<float> ref(256 * 768);
        std::ifstream in(refPath, std::ios::binary);
        QVERIFY(in.read(reinterpret_cast<char*>(ref.data()), std::streamsize(ref.size() * 4)));
        // Row blocks of the stored tensor must dequantize exactly like the whole tensor did.
        const TensorStats s = computeTensorStats(m->tensor("blk.0.ffn_down.weight"));
        const TensorStats r = computeTensorStats(f32({256, 768}, ref));
        QCOMPARE(s.min, r.min);
        QCOMPARE(s.max, r.max);
        QCOMPARE(s.mean, r.mean);
        QCOMPARE(s.std, r.std);
        QCOMPARE(s.zeros, r.zeros);
        QCOMPARE(s.histogram, r.histogram);
        QCOMPARE(s.rowNorms, r.rowNorms);
        QVERIFY(s.std > 0.01 && s.std < 0.05); // N(0, 0.02^2) weights with rare outliers
    }

    void heatmapBlockSizes_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("maxY");
        QTest::addColumn<int>("maxX");
        QTest::addColumn<int>("blockRows");
        QTest::addColumn<int>("blockCols");
        QTest::addColumn<int>("cellsY");
        QTest::addColumn<int>("cellsX");
        QTest::newRow("fits") << 5 << 5 << 1024 << 1024 << 1 << 1 << 5 << 5;
        QTest::newRow("uneven") << 10 << 7 << 4 << 3 << 3 << 3 << 4 << 3;
        QTest::newRow("column") << 1000 << 1 << 10 << 10 << 100 << 1 << 10 << 1;
        QTest::newRow("one cell") << 33 << 65 << 1 << 1 << 33 << 65 << 1 << 1;
    }
    void heatmapBlockSizes() {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, maxY);
        QFETCH(int, maxX);
        HeatmapRequest req;
        req.maxCellsY = maxY;
        req.maxCellsX = maxX;
        const Heatmap h = computeHeatmap(Tensor::zeros(DType::F32, {rows, cols}), req);
        QTEST(int(h.blockRows), "blockRows");
        QTEST(int(h.blockCols), "blockCols");
        QTEST(h.cellsY, "cellsY");
        QTEST(h.cellsX, "cellsX");
        QCOMPARE(h.cells.size(), std::size_t(h.cellsY * h.cellsX));
    }

    void heatmapMaxAbsKeepsOutlier() {
        std::vector<float> v(64 * 64, 0.01f);
        v[37 * 64 + 12] = -50.0f;
        const Tensor t = f32({64, 64}, v);
        HeatmapRequest req;
        req.maxCellsY = req.maxCellsX = 8; // blocks of 8 x 8
        const Heatmap h = computeHeatmap(t, req);
        QCOMPARE(h.at(4, 1), -50.0f); // the sign survives
        QCOMPARE(h.at(0, 0), 0.01f);
        QCOMPARE(h.minValue, -50.0f);
        req.mode = HeatmapMode::Mean;
        const Heatmap mean = computeHeatmap(t, req);
        QVERIFY(std::fabs(mean.at(4, 1) - (-50.0f + 63 * 0.01f) / 64.0f) < 1e-6f);
    }

    void heatmapMeanAndFlattening() {
        std::vector<float> v(24);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i);
        HeatmapRequest req;
        req.maxCellsY = 3; // [2, 3, 4] is seen as 6 x 4: blocks of 2 x 2
        req.maxCellsX = 2;
        req.mode = HeatmapMode::Mean;
        const Heatmap h = computeHeatmap(f32({2, 3, 4}, v), req);
        QCOMPARE(h.tensorRows, 6);
        QCOMPARE(h.at(0, 0), (0 + 1 + 4 + 5) / 4.0f);
        QCOMPARE(h.at(2, 1), (18 + 19 + 22 + 23) / 4.0f);
    }

    void heatmapViewportAndErrors() {
        std::vector<float> v(100 * 50);
        for (int r = 0; r < 100; ++r)
            for (int c = 0; c < 50; ++c) v[std::size_t(r * 50 + c)] = float(r * 1000 + c);
        const Tensor t = f32({100, 50}, v);
        HeatmapRequest req;
        req.viewport = {40, 3, 10, 5};
        const Heatmap h = computeHeatmap(t, req);
        QCOMPARE(h.cellsY, 3);
        QCOMPARE(h.cellsX, 5);
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 5; ++x) QCOMPARE(h.at(y, x), float((40 + y) * 1000 + 10 + x));
        req.viewport = {98, 10, 45, -1}; // clamped to the last 2 rows and 5 columns
        const Heatmap edge = computeHeatmap(t, req);
        QCOMPARE(edge.viewport.rows, 2);
        QCOMPARE(edge.viewport.cols, 5);
        req.viewport = {100, 1, 0, 1};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeHeatmap(t, req));
        req.viewport = {};
        CancelToken cancel;
        cancel.cancel();
        req.cancel = &cancel;
        QVERIFY_THROWS_EXCEPTION(Cancelled, computeHeatmap(t, req));
    }

    void heatmapQuantizedViewport() {
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-Q4_K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-Q4_K.blk.0.ffn_down.f32", refPath);
        std::string err;
        auto m = ModelFile::open(path, &err);
        QVERIFY2(m, err.c_str());
        std::vector<float> ref(256 * 768);
        std::ifstream in(refPath, std::ios::binary);
        QVERIFY(in.read(reinterpret_cast<char*>(ref.data()), std::streamsize(ref.size() * 4)));
        HeatmapRequest req;
        req.viewport = {100, 10, 300, 40}; // rows dequantized on their own, super-blocks and all
        const Heatmap h = computeHeatmap(m->tensor("blk.0.ffn_down.weight"), req);
        QCOMPARE(h.cellsY, 10);
        QCOMPARE(h.cellsX, 40);
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 40; ++x)
                QCOMPARE(h.at(y, x), ref[std::size_t((100 + y) * 768 + 300 + x)]);
    }

    void heatmapReadsOnlyViewportRows() {
        // Every page of the matrix is unreadable except those of rows [70000, 70100): reading
        // any other row would crash the test.
        const std::size_t rowBytes = kWidth * 4, page = std::size_t(sysconf(_SC_PAGESIZE));
        BigMapping map(std::size_t(kVocab) * rowBytes, PROT_NONE);
        QVERIFY(map.ptr != MAP_FAILED);
        const std::size_t begin = 70000 * rowBytes / page * page;
        const std::size_t end = (70100 * rowBytes + page - 1) / page * page;
        QCOMPARE(mprotect(static_cast<char*>(map.ptr) + begin, end - begin, PROT_READ | PROT_WRITE),
                 0);
        for (std::int64_t r = 70000; r < 70100; ++r)
            for (std::int64_t c = 0; c < kWidth; ++c)
                map.floats()[r * kWidth + c] = float(r - 70000);
        const Tensor t = Tensor::borrow(DType::F32, {kVocab, kWidth}, map.ptr, nullptr);
        HeatmapRequest req;
        req.viewport = {70000, 100, 0, -1};
        req.maxCellsY = 10;
        req.maxCellsX = 1024;
        const Heatmap h = computeHeatmap(t, req);
        QCOMPARE(h.blockRows, 10);
        QCOMPARE(h.cellsX, int(kWidth));
        QCOMPARE(h.at(3, 100), 39.0f); // rows 70030..70039: the largest is 39
    }

    void heatmapVocabularySizedSparse() {
        BigMapping map(std::size_t(kVocab * kWidth) * 4, PROT_READ | PROT_WRITE);
        QVERIFY(map.ptr != MAP_FAILED);
        map.floats()[123456 * kWidth + 789] = -1000.0f;
        map.floats()[5 * kWidth + 5] = 3.0f;
        const Tensor t = Tensor::borrow(DType::F32, {kVocab, kWidth}, map.ptr, nullptr);
        const Heatmap h = computeHeatmap(t); // at most 1024 x 1024 cells
        QCOMPARE(h.blockRows, 149);          // ceil(151936 / 1024)
        QCOMPARE(h.blockCols, 1);
        QCOMPARE(h.cellsY, 1020);
        QCOMPARE(h.at(123456 / 149, 789), -1000.0f);
        QCOMPARE(h.at(0, 5), 3.0f);
        QCOMPARE(h.at(0, 6), 0.0f);
        QCOMPARE(h.minValue, -1000.0f);
        QCOMPARE(h.maxValue, 3.0f);
    }

    void componentOfTensor_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("component");
        QTest::newRow("embd") << "token_embd.weight" << int(Component::Embeddings);
        QTest::newRow("pos") << "position_embd.weight" << int(Component::Embeddings);
        QTest::newRow("q bias") << "blk.3.attn_q.bias" << int(Component::Attention);
        QTest::newRow("qkv") << "blk.0.attn_qkv.weight" << int(Component::Attention);
        QTest::newRow("o") << "blk.11.attn_output.weight" << int(Component::Attention);
        QTest::newRow("attn norm") << "blk.3.attn_norm.weight" << int(Component::Norms);
        QTest::newRow("q norm") << "blk.3.attn_q_norm.weight" << int(Component::Norms);
        QTest::newRow("gate") << "blk.2.ffn_gate.weight" << int(Component::Mlp);
        QTest::newRow("ffn norm") << "blk.2.ffn_norm.bias" << int(Component::Norms);
        QTest::newRow("final norm") << "output_norm.weight" << int(Component::Norms);
        QTest::newRow("head") << "output.weight" << int(Component::OutputHead);
        QTest::newRow("rope") << "rope_freqs.weight" << int(Component::Other);
    }
    void componentOfTensor() {
        QFETCH(QString, name);
        QTEST(int(llmlab::componentOfTensor(name.toStdString())), "component");
    }

    void paramShareStories() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string err;
        auto m = ModelFile::open(path, &err);
        QVERIFY2(m, err.c_str());
        const ParamShare s = computeParamShare(m->tensors(), m->spec());
        QCOMPARE(s.totals[Component::Embeddings].params, 512 * 64);
        QCOMPARE(s.totals[Component::Attention].params, 5 * (2 * 64 * 64 + 2 * 32 * 64));
        QCOMPARE(s.totals[Component::Mlp].params, 5 * 3 * 64 * 172);
        QCOMPARE(s.totals[Component::Norms].params, 5 * 2 * 64 + 64);
        QCOMPARE(s.totals[Component::OutputHead].params, 512 * 64); // stored as a copy
        QCOMPARE(s.totals.total().params, m->spec().totalParams);
        QCOMPARE(s.totals.total().bytes, 292800 * 4);
        QCOMPARE(s.layers.size(), std::size_t(5));
        for (std::size_t l = 0; l < 5; ++l)
            QCOMPARE(s.layers[l].total().params, m->spec().paramsPerLayer[l]);
        QCOMPARE(s.outsideLayers.total().params, m->spec().nonLayerParams);
    }

    void paramShareTiedGpt2() {
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", path);
        std::string err;
        auto m = ModelFile::open(path, &err);
        QVERIFY2(m, err.c_str());
        const ParamShare s = computeParamShare(m->tensors(), m->spec());
        QVERIFY(s.tiedEmbeddings);
        QCOMPARE(s.totals[Component::OutputHead].params, 0);
        QCOMPARE(s.totals[Component::Embeddings].params, 1000 * 32 + 512 * 32);
        QCOMPARE(s.layers[0][Component::Attention].params, 32 * 96 + 96 + 32 * 32 + 32);
        QCOMPARE(s.layers[0][Component::Mlp].params, 32 * 128 + 128 + 128 * 32 + 32);
        QCOMPARE(s.totals[Component::Norms].params, 5 * 4 * 32 + 2 * 32);
        QCOMPARE(s.totals.total().params, 111968);
    }

    void giniAndKeyFrequencies() {
        const std::vector<double> equal = {2, 2, 2, 2}, one = {0, 0, 0, 1}, half = {0, 1};
        QCOMPARE(giniCoefficient(equal), 0.0);
        QCOMPARE(giniCoefficient(one), 0.75); // (n - 1) / n: as unequal as n values get
        QCOMPARE(giniCoefficient(half), 0.5);
        QVERIFY(std::isnan(giniCoefficient(std::vector<double>{})));
        QVERIFY(std::isnan(giniCoefficient(std::vector<double>{0, 0})));
        // Two frequencies stand out (3 and 7, 7 the stronger); the rest share what is left.
        std::vector<double> shares(20, 0.2 / 18);
        shares[2] = 0.3;
        shares[6] = 0.5;
        QCOMPARE(keyFrequencies(shares), (std::vector<int>{7, 3}));
        QCOMPARE(keyFrequencies(std::vector<double>(20, 0.05)), (std::vector<int>{1}));
        // An embedding that is cos(2 pi 5 a / p) in one dimension and sin(2 pi 2 a / p) at
        // a third of the amplitude in another: 90% and 10% of the power.
        const int p = 13, d = 3;
        std::vector<float> rows(std::size_t(p * d), 0.0f);
        for (int a = 0; a < p; ++a) {
            rows[std::size_t(a * d)] = float(std::cos(2 * M_PI * 5 * a / p));
            rows[std::size_t(a * d + 2)] = float(std::sin(2 * M_PI * 2 * a / p) / 3);
        }
        const std::vector<double> s = fourierSpectrum(rows, p, d);
        QCOMPARE(int(s.size()), 6);
        QVERIFY(std::abs(s[4] - 0.9) < 1e-6 && std::abs(s[1] - 0.1) < 1e-6);
        QCOMPARE(keyFrequencies(s), (std::vector<int>{5}));
    }

    // Logits made of one key frequency, cos(w_k (a + b - c)), plus a per-pair table: the
    // restricted loss is that of the Fourier part alone, the excluded loss that of the table.
    void progressMeasuresOnSyntheticLogits() {
        const int p = 11, vocab = p + 1, k = 3;
        std::vector<Example> examples;
        for (int a = 0; a < p; ++a)
            for (int b = 0; b < p; ++b) examples.push_back({a, b, (a + b) % p});
        std::vector<double> spectrum((p - 1) / 2, 0.01);
        spectrum[k - 1] = 0.96;
        auto logitsOf = [&](double fourier, double table) {
            std::vector<float> l(examples.size() * vocab);
            std::uint32_t h = 12345;
            for (std::size_t e = 0; e < examples.size(); ++e)
                for (int c = 0; c < vocab; ++c) {
                    h = h * 1664525u + 1013904223u;
                    const double noise = double(h >> 8) / double(1u << 24) - 0.5;
                    const int s = examples[e].a + examples[e].b;
                    l[e * vocab + std::size_t(c)] =
                        c == p ? -20.0f
                               : float(fourier * std::cos(2 * M_PI * k * (s - c) / p) +
                                       table * noise);
                }
            return l;
        };
        auto lossOf = [&](const std::vector<float>& l, std::size_t begin, std::size_t end) {
            double sum = 0;
            for (std::size_t e = begin; e < end; ++e)
                sum += rowLoss({l.data() + e * vocab, std::size_t(vocab)}, examples[e].answer).loss;
            return sum / double(end - begin);
        };
        const std::size_t train = 60;
        // The Fourier circuit alone: restricting changes nothing, excluding leaves a uniform
        // guess over the p answers.
        const std::vector<float> clean = logitsOf(8, 0);
        ProgressMeasures m = progressMeasures(TaskKind::AddMod, p, clean, vocab, examples, train,
                                              spectrum);
        QCOMPARE(m.keyFrequencies, (std::vector<int>{k}));
        QVERIFY(std::abs(m.restrictedLoss - lossOf(clean, 0, examples.size())) < 1e-4);
        QVERIFY(std::abs(m.excludedLoss - std::log(double(p))) < 1e-4);
        // A lookup table alone: it has (almost) nothing along the key frequency.
        const std::vector<float> table = logitsOf(0, 6);
        m = progressMeasures(TaskKind::AddMod, p, table, vocab, examples, train, spectrum);
        QVERIFY(m.restrictedLoss > std::log(double(p)) - 0.2);
        QVERIFY(std::abs(m.excludedLoss - lossOf(table, 0, train)) < 0.3);
        // Gini of the norms 0.1 (four times) and r = sqrt(0.96), sorted weights -4 -2 0 2 4.
        const double r = std::sqrt(0.96);
        QVERIFY(std::abs(m.gini - (4 * r - 0.4) / (5 * (0.4 + r))) < 1e-9);
        // Only a+b and a-b over all pairs have these measures.
        QVERIFY(!progressMeasures(TaskKind::MulMod, p, clean, vocab, examples, train, spectrum)
                     .valid());
        const std::vector<Example> part(examples.begin(), examples.end() - 1);
        QVERIFY(!progressMeasures(TaskKind::AddMod, p, std::span(clean).first(part.size() * vocab),
                                  vocab, part, train, spectrum)
                     .valid());
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
