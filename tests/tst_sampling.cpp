// Sampling and generation: each knob does what its name says, a seed repeats a run exactly,
// and streamed text is the decoded text.
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "model/Generator.h"

#include <QtTest>

#include <cmath>

using namespace llmlab;

class TestSampling : public QObject {
    Q_OBJECT

    const std::vector<float> m_logits = {1.0f, 3.0f, 2.0f, -1.0f, 2.9f};

    static double sum(const std::vector<float>& p) {
        double s = 0;
        for (float x : p) s += x;
        return s;
    }

private slots:
    void greedyTakesTheArgmax() {
        Sampler s({});
        QCOMPARE(s.sample(m_logits, {}), 1);
        const auto p = s.distribution(m_logits, {});
        QCOMPARE(p[1], 1.0f);
        QCOMPARE(sum(p), 1.0);
    }

    void temperatureTopKTopPMinP() {
        SamplingParams sp;
        sp.temperature = 1.0f;
        auto p = Sampler(sp).distribution(m_logits, {});
        QVERIFY(std::fabs(sum(p) - 1.0) < 1e-6);
        QVERIFY(p[1] > p[4] && p[4] > p[2] && p[2] > p[0] && p[0] > p[3] && p[3] > 0);
        sp.topK = 2;
        p = Sampler(sp).distribution(m_logits, {});
        QVERIFY(p[1] > 0 && p[4] > 0 && p[2] == 0 && p[0] == 0);
        sp.topK = 0;
        sp.topP = 0.5f; // the best token alone holds ~0.40: two are needed
        p = Sampler(sp).distribution(m_logits, {});
        QVERIFY(p[1] > 0 && p[4] > 0 && p[2] == 0);
        sp.topP = 1.0f;
        sp.minP = 0.5f; // keeps p >= 0.5 p(best): ids 1 and 4 (id 2 has e^-1 = 0.37 of it)
        p = Sampler(sp).distribution(m_logits, {});
        QVERIFY(p[1] > 0 && p[4] > 0 && p[2] == 0 && p[0] == 0);
        sp.minP = 0.0f;
        sp.temperature = 0.05f; // nearly greedy
        p = Sampler(sp).distribution(m_logits, {});
        QVERIFY(p[1] > 0.85f);
    }

    void repetitionPenaltyDemotesSeenTokens() {
        SamplingParams sp;
        sp.repetitionPenalty = 2.0f;
        Sampler s(sp);
        const std::vector<std::int32_t> history = {1};
        QCOMPARE(s.sample(m_logits, history), 4); // 3 / 2 = 1.5 < 2.9
    }

    void aSeedRepeatsARun() {
        SamplingParams sp;
        sp.temperature = 1.0f;
        sp.seed = 11;
        Sampler a(sp), b(sp);
        std::vector<std::int32_t> xs, ys;
        for (int i = 0; i < 50; ++i) {
            xs.push_back(a.sample(m_logits, {}));
            ys.push_back(b.sample(m_logits, {}));
        }
        QCOMPARE(xs, ys);
        QVERIFY(std::count(xs.begin(), xs.end(), 1) < 50); // it does sample
        QVERIFY(std::fabs(Sampler::logProb(m_logits, 1) -
                          std::log(Sampler({1.0f}).distribution(m_logits, {})[1])) < 1e-6);
    }

    void streamedTextIsTheDecodedText() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        const Tokenizer tok = tokenizerFor(*model);
        CpuBackend cpu;
        InferenceSession session(model, cpu, 256);
        SamplingParams sp;
        sp.temperature = 0.9f;
        sp.topP = 0.95f;
        sp.seed = 5;
        std::string streamed;
        std::vector<std::int32_t> ids = tok.encode("Once upon a time", {true, false});
        const GenerationResult r = generate(session, tok, ids, 60, sp,
                                            [&](const GeneratedToken& t) { streamed += t.text; });
        QVERIFY(!r.tokens.empty());
        std::vector<std::int32_t> all = ids;
        for (const auto& t : r.tokens) {
            all.push_back(t.id);
            QVERIFY(t.logProb <= 0);
        }
        const std::string full = tok.decode(all);
        QVERIFY2(full == tok.decode(ids) + streamed,
                 qPrintable(QString::fromStdString(full + " | " + streamed)));
        QCOMPARE(r.text, streamed);
    }
};

QTEST_GUILESS_MAIN(TestSampling)
#include "tst_sampling.moc"
