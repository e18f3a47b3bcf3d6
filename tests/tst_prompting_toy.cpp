// The lab's own models that respond to prompting, trained here in CI time: the in-context
// rule model (few-shot beats zero-shot) and the scratchpad-addition model (chain of thought
// beats a direct answer, and the vote of five reasoning samples is at least as accurate as one
// sample at the same temperature). Their GGUF files open and run like any other model.
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "lm/LmTrainer.h"
#include "prompting/CompareRun.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace llmlab;

namespace {

std::shared_ptr<const ModelFile> train(const std::string& task, std::int64_t steps,
                                       const std::string& path) {
    LmTrainConfig c;
    c.task = task;
    c.steps = steps;
    CpuBackend cpu;
    const LmTrainReport r = trainLanguageModel(c, cpu, path);
    qInfo("%s: %lld steps in %.1f s, loss %.3f -> %.3f", task.c_str(), (long long)r.steps,
          r.seconds, r.firstLoss, r.finalLoss);
    std::string error;
    std::shared_ptr<const ModelFile> m = ModelFile::open(path, &error);
    if (!m) qWarning("%s", error.c_str());
    return m;
}

std::vector<StrategySummary> compare(const std::shared_ptr<const ModelFile>& model,
                                     const TaskSet& set, const std::string& strategies,
                                     double temperature = 0.7) {
    CpuBackend cpu;
    PromptRunner runner(model, cpu, tokenizerFor(*model));
    CompareOptions o;
    o.strategies = parseStrategies(strategies);
    o.temperature = temperature;
    o.seed = 1;
    const CompareResult r = runComparison(runner, set, o);
    const auto s = r.summarize(set);
    for (const StrategySummary& m : s)
        qInfo("%-8s %3d/%-3d  %.3f", m.label.c_str(), m.correct, m.total, m.accuracy());
    return s;
}

} // namespace

class TestPromptingToy : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void fewShotBeatsZeroShot() {
        const auto model = train("rule", 300, m_dir.filePath("rule.gguf").toStdString());
        QVERIFY(model);
        QCOMPARE(model->spec().family, ModelFamily::Llama);
        const auto s = compare(model, toyRuleTasks(60, 3), "zero,few:1,few:3");
        QVERIFY2(s[0].accuracy() <= 0.2, "zero-shot should be near chance (1/26)");
        QVERIFY(s[2].accuracy() >= s[0].accuracy() + 0.5);
        QVERIFY(s[2].low > s[0].high); // the intervals do not overlap
    }

    void reasoningAndSelfConsistency() {
        const auto model = train("add", 1000, m_dir.filePath("add.gguf").toStdString());
        QVERIFY(model);
        const auto s = compare(model, toyAdditionTasks(80, 3), "zero,cot,sc:5", 0.7);
        QVERIFY(s[1].accuracy() >= s[0].accuracy() + 0.2); // the scratchpad helps
        // Self-consistency: the vote of five samples against one sample at the same
        // temperature (the first of the five).
        QCOMPARE(s[2].accuracyByN.size(), std::size_t(5));
        qInfo("one reasoning sample %.3f, the vote of five %.3f", s[2].accuracyByN.front(),
              s[2].accuracyByN.back());
        QVERIFY(s[2].accuracyByN.back() >= s[2].accuracyByN.front());
        QCOMPARE(s[2].accuracyByN.back(), s[2].accuracy());
        // Deterministic: the same seed, the same samples.
        const auto again = compare(model, toyAdditionTasks(80, 3), "sc:5", 0.7);
        QCOMPARE(again[0].correct, s[2].correct);
        QCOMPARE(again[0].tokens, s[2].tokens);
    }
};

QTEST_GUILESS_MAIN(TestPromptingToy)
#include "tst_prompting_toy.moc"
