// Interventions and attribution on real models (stories260K, the GPT-2 fixture): hooks that do
// nothing change no bit; direct logit attribution sums to the logit difference; patching the
// clean residual everywhere gives the clean logits and patching nothing the corrupted ones;
// zero-ablating a head through its hook equals zeroing its columns of the output projection.
#include "BackendFactory.h"
#include "TestSupport.h"
#include "formats/ModelFile.h"
#include "interp/Attribution.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"

#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace llmlab;

namespace {

std::shared_ptr<const ModelFile> open(const std::string& path) {
    std::string error;
    std::shared_ptr<const ModelFile> m = ModelFile::open(path, &error);
    if (!m) qFatal("%s", error.c_str());
    return m;
}

std::unique_ptr<Backend> cpu() {
    std::string error;
    return createBackend("cpu", &error);
}


} // namespace

class TestInterp : public QObject {
    Q_OBJECT

private slots:
    void directLogitAttributionSums_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("stories260K") << "gguf/stories260K.gguf";
        QTest::newRow("GPT-2 (LayerNorm, biases, learned positions)") << "hf/tiny-random-gpt2";
    }
    void directLogitAttributionSums() {
        QFETCH(QString, model);
        LLMLAB_REQUIRE_FIXTURE(model.toStdString(), path);
        const auto m = open(path);
        const Tokenizer tok = tokenizerFor(*m);
        const std::vector<std::int32_t> ids = tok.encode("Once upon a time, there was a little girl");
        auto backend = cpu();
        // The model's two most likely next tokens: a difference worth attributing.
        InferenceSession s(m, *backend, 64);
        const std::vector<float> last = s.prefillLast(ids);
        std::vector<std::int32_t> order(last.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = std::int32_t(i);
        std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                          [&](std::int32_t x, std::int32_t y) { return last[std::size_t(x)] > last[std::size_t(y)]; });
        const LogitAttribution a = directLogitAttribution(m, *backend, ids, order[0], order[1]);
        QCOMPARE(int(a.heads.size()), m->spec().layers);
        QCOMPARE(int(a.heads.front().size()), m->spec().heads);
        qInfo("logit difference %.6f, parts sum to %.6f", a.logitDiff, a.total());
        QVERIFY(std::fabs(a.logitDiff) > 1e-3); // something to attribute
        QVERIFY(std::fabs(a.total() - a.logitDiff) <= 1e-4 * std::max(1.0, std::fabs(a.logitDiff)));
        QVERIFY(std::fabs(a.residualByLayer.back() - a.logitDiff) <= 1e-4 * std::max(1.0, std::fabs(a.logitDiff)));
        // An earlier position too.
        const LogitAttribution b = directLogitAttribution(m, *backend, ids, order[0], order[1], 2);
        QVERIFY(std::fabs(b.total() - b.logitDiff) <= 1e-4 * std::max(1.0, std::fabs(b.logitDiff)));
    }

    void hooksLeftAloneChangeNothing() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const auto m = open(path);
        const std::vector<std::int32_t> ids{1, 403, 407, 261, 378};
        auto backend = cpu();
        InferenceSession plain(m, *backend, 16);
        CaptureOptions cap;
        cap.interventions = true;
        InferenceSession hooked(m, *backend, 16, cap);
        QVERIFY(plain.prefill(ids) == hooked.prefill(ids));
        // Sizes are checked against the run.
        hooked.setInterventions({{HookPoint::Residual, 0, std::vector<float>(3, 1.0f), std::vector<float>(3, 0.0f)}});
        hooked.reset();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, hooked.prefill(ids));
        QVERIFY_THROWS_EXCEPTION(std::logic_error,
                                 plain.setInterventions({{HookPoint::Residual, 0, {}, {}}}));
    }

    void patchingEverythingOrNothing() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const auto m = open(path);
        const Tokenizer tok = tokenizerFor(*m);
        const std::vector<std::int32_t> clean = tok.encode("Lily gave the ball to Tim", {.addSpecial = true});
        const std::vector<std::int32_t> corrupt = tok.encode("Tim gave the ball to Lily", {.addSpecial = true});
        QCOMPARE(clean.size(), corrupt.size());
        const int T = int(clean.size()), W = m->spec().width, L = m->spec().layers;
        auto backend = cpu();
        CaptureOptions cap;
        cap.interventions = true;
        cap.residual = true;
        InferenceSession s(m, *backend, 32, cap);
        const std::vector<float> cleanLogits = s.prefill(clean);
        const std::vector<std::vector<float>> cleanResid = s.captures().residual;
        s.reset();
        const std::vector<float> corruptLogits = s.prefill(corrupt);
        // Every layer's residual replaced by the clean run's: the clean logits, exactly.
        std::vector<Intervention> all;
        for (int l = 0; l < L; ++l)
            all.push_back({HookPoint::Residual, l, std::vector<float>(std::size_t(T) * W, 0.0f), cleanResid[std::size_t(l)]});
        s.setInterventions(all);
        s.reset();
        QVERIFY(s.prefill(corrupt) == cleanLogits);
        // Nothing replaced (keep everything, add nothing): the corrupted logits, exactly.
        for (Intervention& iv : all) {
            std::fill(iv.keep.begin(), iv.keep.end(), 1.0f);
            std::fill(iv.add.begin(), iv.add.end(), 0.0f);
        }
        s.setInterventions(all);
        s.reset();
        QVERIFY(s.prefill(corrupt) == corruptLogits);

        const std::int32_t lily = singleToken(tok, "Lily"), tom = singleToken(tok, "Tim");
        const PatchingResult r = activationPatching(m, *backend, clean, corrupt, lily, tom);
        QCOMPARE(int(r.residual.size()), L);
        QCOMPARE(r.runs, 2 + L * (T + m->spec().heads));
        // The last layer's residual at the last position carries the whole prediction.
        QVERIFY(std::fabs(r.residual[std::size_t(L - 1)][std::size_t(T - 1)] - 1.0) < 1e-5);
        // Positions where the prompts agree (BOS) have nothing to patch.
        for (int l = 0; l < L; ++l) QCOMPARE(r.residual[std::size_t(l)][0], 0.0);
        for (const auto& layer : r.heads)
            for (double v : layer) QVERIFY(std::isfinite(v));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 activationPatching(m, *backend, clean, std::vector<std::int32_t>{1, 2}, lily, tom));
    }

    void zeroAblationEqualsZeroedWeights() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const auto m = open(path);
        const std::vector<std::int32_t> ids{1, 403, 407, 261, 378, 260, 290};
        auto backend = cpu();
        const int layer = 2, head = 5, hd = m->spec().width / m->spec().heads;
        const AblationResult r = headAblation(m, *backend, ids, 403, 385);
        QCOMPARE(r.runs, 1 + m->spec().layers * m->spec().heads);
        // By hand: that head's columns of the output projection zeroed.
        InferenceSession s(m, *backend, 16);
        const std::string name = "blk.2.attn_output.weight";
        s.makeAdjustable({name});
        Shape shape;
        std::vector<float> w = s.originalWeight(name, &shape);
        for (std::int64_t o = 0; o < shape.dim(0); ++o)
            for (int j = head * hd; j < (head + 1) * hd; ++j) w[std::size_t(o * shape.dim(1) + j)] = 0.0f;
        s.setWeight(name, w);
        const std::vector<float> logits = s.prefill(ids);
        const std::size_t last = (ids.size() - 1) * std::size_t(m->spec().vocab);
        const double byHand = double(logits[last + 403]) - logits[last + 385];
        qInfo("ablated diff %.6f by hook, %.6f by hand (base %.6f)",
              r.baseDiff + r.diffChange[layer][head], byHand, r.baseDiff);
        QVERIFY(std::fabs(r.baseDiff + r.diffChange[layer][head] - byHand) < 1e-4);
        QVERIFY(r.diffChange[layer][head] != 0.0);
        const AblationResult mean = headAblation(m, *backend, ids, 403, 385, AblationKind::Mean);
        QCOMPARE(mean.baseDiff, r.baseDiff);
    }

    // The hooks on the Vulkan backend: the same patched and ablated runs as on the CPU.
    void vulkanAgreesWithTheCpu() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string why;
        auto vulkan = test::makeVulkanBackend(&why);
        if (!vulkan) {
            if (test::runningInCi()) QFAIL(why.c_str());
            QSKIP(why.c_str());
        }
        const auto m = open(path);
        const std::vector<std::int32_t> ids{1, 403, 407, 261, 378, 260, 290};
        auto backend = cpu();
        const AblationResult a = headAblation(m, *backend, ids, 403, 385);
        const AblationResult b = headAblation(m, *vulkan, ids, 403, 385);
        QVERIFY(std::fabs(a.baseDiff - b.baseDiff) < 1e-3);
        for (std::size_t l = 0; l < a.diffChange.size(); ++l)
            for (std::size_t h = 0; h < a.diffChange[l].size(); ++h)
                QVERIFY2(std::fabs(a.diffChange[l][h] - b.diffChange[l][h]) < 2e-3,
                         qPrintable(QStringLiteral("layer %1 head %2").arg(l).arg(h)));
        const LogitAttribution da = directLogitAttribution(m, *backend, ids, 403, 385);
        const LogitAttribution db = directLogitAttribution(m, *vulkan, ids, 403, 385);
        QVERIFY(std::fabs(db.total() - db.logitDiff) < 1e-3);
        QVERIFY(std::fabs(da.total() - db.total()) < 2e-3);
        QCOMPARE(test::validationErrors(*vulkan, &why), std::size_t(0));
    }

    void singleTokensOnly() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const Tokenizer tok = tokenizerFor(*open(path));
        QVERIFY(singleToken(tok, "Lily") >= 0);
        try {
            singleToken(tok, "Lily and Tom");
            QFAIL("took three words as one token");
        } catch (const std::invalid_argument& e) {
            QVERIFY(QString(e.what()).contains("not one"));
        }
    }
};

QTEST_GUILESS_MAIN(TestInterp)
#include "tst_interp.moc"
