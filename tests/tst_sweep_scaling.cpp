// The quick scaling sweep (preset scaling-quick on tinyshakespeare, two runs at once, as
// `llmlab-cli sweep preset:scaling-quick` runs it) at a third of its compute — the preset's
// settings with budgets 1e10..2e11 instead of 3e10..6e11 (the preset's top budget alone took
// four of the test's seven minutes): loss falls with compute as a power law with a positive
// exponent and a finite interval, and the compute-optimal size grows with C.
#include "TestSupport.h"
#include "sweep/SweepAnalysis.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace llmlab;

class TestSweepScaling : public QObject {
    Q_OBJECT
private slots:
    void quickSweepGivesAScalingLaw() {
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        nlohmann::json preset = nlohmann::json::parse(sweepPresetText("scaling-quick", text));
        nlohmann::json runs = nlohmann::json::array();
        const std::vector<std::pair<double, std::vector<int>>> grid = {
            {1e10, {8, 16, 24, 32}},
            {3e10, {16, 24, 32, 48}},
            {1e11, {24, 32, 48, 64}},
            {2e11, {24, 32, 48, 64}},
        };
        for (const auto& [compute, widths] : grid)
            for (int d : widths) runs.push_back({{"compute", compute}, {"model.d_model", d}});
        preset["runs"] = runs;
        const SweepSpec spec = parseSweepSpec(preset.dump(), "scaling-quick (a third)");
        QTemporaryDir dir;
        SweepOptions o;
        o.jobs = 2;
        const SweepOutcome out = runSweep(spec, dir.path().toStdString(), o);
        QCOMPARE(out.done, int(spec.runs.size()));
        QCOMPARE(out.failed, 0);
        const std::vector<SweepResult> results = readSweepResults(spec, dir.path().toStdString());
        const ScalingAnalysis a = analyseScaling(results);
        qInfo("%s", sweepAnalysisText(spec, dir.path().toStdString(), results).c_str());
        QCOMPARE(a.points.size(), spec.runs.size());
        QVERIFY2(a.lossVsCompute.ok, a.lossVsCompute.error.c_str());
        QVERIFY(a.lossVsCompute.gamma > 0);
        QVERIFY(a.lossVsComputeGamma.finite());
        QVERIFY(a.lossVsComputeGamma.lo < a.lossVsComputeGamma.hi);
        // Every budget's best loss is below the smaller budget's.
        for (std::size_t i = 1; i < a.computeFrontier.size(); ++i)
            QVERIFY(a.computeFrontier[i].loss < a.computeFrontier[i - 1].loss);
        QVERIFY2(a.optimal.ok, a.optimal.error.c_str());
        QCOMPARE(int(a.optimal.profiles.size()), 4);
        QVERIFY(a.optimal.nExponent > 0 && a.optimal.nExponent < 1.5);
        QVERIFY(a.optimal.nExponentCI.finite());
        QVERIFY(a.chinchilla.ok);
        QVERIFY(a.chinchilla.alpha > 0 && a.chinchilla.beta > 0);
    }
};

QTEST_APPLESS_MAIN(TestSweepScaling)
#include "tst_sweep_scaling.moc"
