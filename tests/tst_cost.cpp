// The cost calculator: parameter counts of the typical sizes from their real shapes, the
// course's VRAM table reproduced within stated margins, and on a real model (stories260K)
// every figure checked by hand from its tensors.
#include "TestSupport.h"
#include "cost/ModelCost.h"
#include "formats/ModelFile.h"

#include <QtTest>

#include <cmath>

using namespace llmlab;

namespace {

CostReport costOf(const std::string& name, const CostOptions& o = {}) {
    CostShape s;
    if (!typicalShape(name, &s)) throw std::invalid_argument(name);
    return computeCost(s, o);
}

double relative(double a, double b) {
    return std::abs(a - b) / b;
}

} // namespace

class TestCost : public QObject {
    Q_OBJECT

private slots:
    // The published parameter counts, from the shapes alone.
    void typicalSizesHaveTheirParameterCounts_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<double>("params");
        QTest::addColumn<double>("active");
        QTest::newRow("Llama 2 7B") << "7B" << 6.74e9 << 6.61e9;
        QTest::newRow("Llama 2 13B") << "13B" << 13.0e9 << 12.9e9;
        QTest::newRow("LLaMA 33B") << "30B" << 32.5e9 << 32.3e9;
        QTest::newRow("Llama 2 70B") << "70B" << 69.0e9 << 68.7e9;
        QTest::newRow("Qwen1.5-110B") << "110B" << 111.2e9 << 110.0e9;
        QTest::newRow("Mixtral 8x7B") << "8x7B" << 46.7e9 << 12.9e9;
        QTest::newRow("Mixtral 8x22B") << "8x22B" << 140.6e9 << 39.2e9;
    }
    void typicalSizesHaveTheirParameterCounts() {
        QFETCH(QString, name);
        QFETCH(double, params);
        QFETCH(double, active);
        const CostReport r = costOf(name.toStdString());
        QVERIFY2(relative(double(r.params), params) < 0.01, qPrintable(QString::number(r.params)));
        // Active: what a token multiplies (two experts of eight for Mixtral), without the
        // token embedding.
        QVERIFY2(relative(double(r.activeMatmulParams), active) < 0.02,
                 qPrintable(QString::number(r.activeMatmulParams)));
        CostShape s;
        QVERIFY(!typicalShape("9B", &s));
    }

    // The course's table, cell by cell: ours within a factor the note under the table
    // explains (full and LoRA rows within 30%; QLoRA rows within a factor of two, where the
    // course rounds small numbers up and adds room the weights do not need).
    void courseVramTable() {
        const std::vector<std::string> names = typicalShapeNames();
        QCOMPARE(int(names.size()), 7);
        const double course[6][7] = {{120, 240, 600, 1200, 2000, 900, 2400},
                                     {60, 120, 300, 600, 900, 400, 1200},
                                     {16, 32, 64, 160, 240, 120, 320},
                                     {10, 20, 40, 80, 140, 60, 160},
                                     {6, 12, 24, 48, 72, 30, 96},
                                     {4, 8, 16, 24, 48, 18, 48}};
        QStringList cells;
        for (std::size_t c = 0; c < names.size(); ++c) {
            const CostReport r = costOf(names[c]);
            QCOMPARE(int(r.training.size()), 6);
            for (int m = 0; m < 6; ++m) {
                const double ours = r.training[std::size_t(m)].total() / 1e9;
                const double want = course[m][c];
                const double ratio = ours / want;
                cells << QString("%1 %2: %3 (%4)")
                             .arg(QString::fromStdString(r.training[std::size_t(m)].method),
                                  QString::fromStdString(names[c]))
                             .arg(ours, 0, 'f', 0)
                             .arg(want);
                const bool ok = m < 3 ? std::abs(ratio - 1) < 0.3 : ratio > 0.5 && ratio < 2.0;
                QVERIFY2(ok, qPrintable(cells.back()));
            }
        }
        qInfo("%s", qPrintable(cells.join("; ")));
        // Full AMP is 16 bytes a parameter before activations; Full 16 is 8.
        const CostReport seven = costOf("7B");
        QCOMPARE(seven.training[0].weights + seven.training[0].gradients +
                     seven.training[0].optimizer + seven.training[0].master,
                 16.0 * double(seven.params));
        QCOMPARE(seven.training[1].total() - seven.training[1].activations,
                 8.0 * double(seven.params));
        QVERIFY(vramTable({}).find("Where the arithmetic differs") != std::string::npos);
    }

    // stories260K: each number from its own tensors, by hand.
    void realModelByHand() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        auto model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        const ModelSpec& spec = model->spec();
        const CostShape shape = costShapeOf(spec, model->tensors(), "stories260K");
        CostOptions o;
        o.context = 256;
        o.batch = 2;
        o.loraRank = 4;
        o.loraTargets = "attn_(q|v)";
        const CostReport r = computeCost(shape, o);
        QCOMPARE(r.params, spec.totalParams);
        double stored = 0;
        for (const TensorInfo& t : model->tensors()) stored += double(t.bytes);
        QCOMPARE(r.storedBytes, stored);
        // F32: every element 4 bytes.
        QCOMPARE(r.weights[0].bytes, 4.0 * double(r.params));
        // KV cache: keys and values, every layer, kv heads x head size, at F16.
        const double kv = 2.0 * spec.layers * 256 * 2 * spec.kvHeads * spec.headDim * 2;
        QCOMPARE(r.kvCacheBytes, kv);
        QCOMPARE(r.kvByContext.back().second, kv);
        // LoRA rank 4 on q and v of each layer: r (rows + cols) per matrix.
        std::int64_t lora = 0;
        int matrices = 0;
        for (const TensorInfo& t : model->tensors())
            if (t.name.find("attn_q.weight") != std::string::npos ||
                t.name.find("attn_v.weight") != std::string::npos) {
                lora += 4 * (t.shape.dim(0) + t.shape.dim(1));
                ++matrices;
            }
        QCOMPARE(matrices, 2 * spec.layers);
        QCOMPARE(r.loraParams, lora);
        // FLOPs a token: 2 per multiplied weight (the token embedding is a lookup) plus the
        // attention over the context.
        std::int64_t multiplied = 0;
        for (const TensorInfo& t : model->tensors())
            if (t.shape.rank() == 2 && t.name.rfind("token_embd", 0) != 0)
                multiplied += t.shape.numel();
        if (spec.tiedEmbeddings) multiplied += std::int64_t(spec.vocab) * spec.width;
        QCOMPARE(r.activeMatmulParams, multiplied);
        QCOMPARE(r.flopsPerToken,
                 2.0 * double(multiplied) + 2.0 * spec.layers * 256 * spec.heads * spec.headDim);
        QCOMPARE(r.trainingFlopsPerToken, 6.0 * double(multiplied));
        // Q8_0 is 8.5 bits; stories260K's rows (64 wide) are whole Q8_0 blocks but not whole
        // 256-wide K-quant blocks, which fall back to F16.
        QCOMPARE(bitsPerWeight(DType::Q8_0), 8.5);
        for (const WeightsAt& w : r.weights)
            if (w.type == DType::Q4_K) QVERIFY(w.keptTensors > 0);
        QVERIFY(costReportText(shape, o, r).find("KV cache") != std::string::npos);
        QVERIFY(costReportJson(shape, o, r).find("\"flops_per_token\"") != std::string::npos);

        o.loraTargets = "attn_(q";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeCost(shape, o));
    }
};

QTEST_GUILESS_MAIN(TestCost)
#include "tst_cost.moc"
