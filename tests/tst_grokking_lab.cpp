// The grokking lab offscreen: presets fill the form, bad settings give a sentence, a tiny run
// trains on its own thread into charts that hold every logged point, pause stops the steps,
// past runs are listed, overlaid and resumed, and every chart exports to a valid file.
#include "CurveDecimation.h"
#include "GrokkingCharts.h"
#include "GrokkingLab.h"
#include "GrokkingLabControls.h"
#include "GrokkingLabRuns.h"

#include "TestTraining.h"
#include <QFile>
#include <QImage>
#include <QPushButton>
#include <QSvgRenderer>
#include <QTemporaryDir>

#include <QtTest>

#include <qcustomplot.h>

#include <cmath>

using namespace llmlab;
using namespace llmlab::gui;
using namespace llmlab::views;

namespace {

constexpr int kTimeout = 180000; // ms: two shared cores, maybe under a sanitizer

// Small enough to train in seconds, large enough to memorise its 211 training pairs.
TrainConfig tinyConfig(std::int64_t steps) {
    TrainConfig c = llmlab::test::tinyTrainConfig(steps);
    c.evalEvery = 5;
    c.backend = "cpu";
    return c;
}

int pointCount(CurvesChart* chart, int graph) {
    return chart->plot()->graph(graph)->data()->size();
}

TrainMetrics row(std::int64_t step, double trainAcc, double valAcc) {
    TrainMetrics m;
    m.step = step;
    m.trainLoss = 1.0 / double(step + 1);
    m.valLoss = 2.0 / double(step + 1);
    m.trainAcc = trainAcc;
    m.valAcc = valAcc;
    m.weightNorm = 10;
    m.componentNorms = {{"embed", 3}, {"mlp", 4}};
    return m;
}

} // namespace

class TstGrokkingLab : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_runsDir.isValid());
        qputenv("LLMLAB_RUNS_DIR", m_runsDir.path().toUtf8());
    }

    void decimationKeepsSpikes() {
        std::vector<double> keys, values;
        for (int i = 0; i < 10000; ++i) {
            keys.push_back(i);
            values.push_back(i == 4321 ? 50.0 : (i == 777 ? -9.0 : 1.0));
        }
        const SeriesData d = decimateMinMax("x", keys, values, 2000);
        QVERIFY(d.keys.size() <= 2000);
        QVERIFY(d.keys.size() >= 1000);
        QVERIFY(std::is_sorted(d.keys.begin(), d.keys.end()));
        QCOMPARE(*std::max_element(d.values.begin(), d.values.end()), 50.0);
        QCOMPARE(*std::min_element(d.values.begin(), d.values.end()), -9.0);
        // Short series are drawn whole; a log axis drops step 0.
        const SeriesData whole = decimateMinMax("x", {0, 5, 10}, {1, 2, 3}, 2000);
        QCOMPARE(whole.keys.size(), std::size_t(3));
        QCOMPARE(decimateMinMax("x", {0, 5, 10}, {1, 2, 3}, 2000, true).keys.size(),
                 std::size_t(2));
    }

    void startsWithQuickPreset() {
        GrokkingLab lab;
        TrainConfig quick;
        QVERIFY(presetConfig("quick", &quick));
        const TrainConfig shown = lab.controls()->config();
        QCOMPARE(lab.controls()->presetName(), QStringLiteral("quick"));
        QCOMPARE(shown.task.modulus, quick.task.modulus);
        QCOMPARE(shown.model.dModel, quick.model.dModel);
        QCOMPARE(shown.model.dMlp, quick.model.dMlp);
        QCOMPARE(shown.optim.lr, quick.optim.lr);
        QCOMPARE(shown.optim.weightDecay, quick.optim.weightDecay);
        QCOMPARE(shown.maxSteps, quick.maxSteps);
        QVERIFY(lab.message().contains(QStringLiteral("Ready to train")));
        QVERIFY(lab.startButton()->isEnabled());
        QVERIFY(!lab.stopButton()->isEnabled());
        // The nanda preset fills every field from its own values.
        QVERIFY(lab.controls()->applyPreset(QStringLiteral("nanda")));
        QCOMPARE(lab.controls()->config().task.modulus, 113);
        QCOMPARE(lab.controls()->config().model.dMlp, 512);
    }

    void badSettingsGiveASentence() {
        GrokkingLab lab;
        TrainConfig c = tinyConfig(10);
        c.model.dModel = 30; // not divisible by 4 heads
        lab.controls()->setConfig(c);
        QVERIFY(!lab.startRun());
        QVERIFY(!lab.controller()->isRunning());
        QVERIFY2(lab.message().startsWith(QStringLiteral("Cannot start")),
                 qPrintable(lab.message()));
        c = tinyConfig(10);
        c.task.kind = TaskKind::DivMod;
        c.task.modulus = 24; // division needs a prime modulus
        lab.controls()->setConfig(c);
        QVERIFY(!lab.startRun());
        QVERIFY(lab.message().contains(QStringLiteral("prime"), Qt::CaseInsensitive));
    }

    void markersFromInjectedMetrics() {
        GrokkingCharts charts;
        charts.startRun(QStringLiteral("wd 1 (current)"));
        TrainingCurves& curves = charts.currentCurves();
        for (int s = 0; s <= 30; s += 10) curves.append(row(s, 0.5, 0.1));
        charts.refreshNow();
        QCOMPARE(charts.lossChart()->markerCount(), 0);
        curves.append(row(40, 0.995, 0.2)); // memorised
        curves.append(row(50, 1.0, 0.5));
        curves.append(row(90, 1.0, 0.99)); // grokked
        charts.refreshNow();
        QCOMPARE(curves.memorisedStep(), std::int64_t(40));
        QCOMPARE(curves.grokkedStep(), std::int64_t(90));
        for (CurvesChart* chart : {charts.lossChart(), charts.accuracyChart()}) {
            QCOMPARE(chart->markerCount(), 2);
            QCOMPARE(chart->markerLabels(), (QStringList{"memorised", "grokked"}));
        }
        QCOMPARE(pointCount(charts.accuracyChart(), 0), 7);
        // A resumed run re-logs from its checkpoint: rows from that step on are replaced.
        curves.append(row(40, 0.5, 0.1));
        QCOMPARE(curves.size(), std::size_t(5));
        QCOMPARE(curves.memorisedStep(), std::int64_t(-1));
        // Component norms become their own curves beside the total.
        charts.refreshNow();
        QCOMPARE(charts.normChart()->seriesCount(), 3);
    }

    void tinyRunFillsTheCharts() {
        GrokkingLab lab;
        lab.controls()->setConfig(tinyConfig(150));
        QVERIFY(lab.startRun());
        QVERIFY(lab.controller()->isRunning());
        QVERIFY(!lab.startButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!lab.controller()->isRunning(), kTimeout);
        QVERIFY2(!lab.message().contains(QStringLiteral("failed")), qPrintable(lab.message()));
        m_finishedDir = lab.controller()->runDir();
        QVERIFY(m_finishedDir.startsWith(m_runsDir.path()));

        const MetricsLog log = RunStore(m_finishedDir.toStdString()).loadMetrics();
        QCOMPARE(int(log.rows.size()), 150 / 5 + 1); // step 0 and every 5th
        QCOMPARE(lab.charts()->currentCurves().size(), log.rows.size());
        for (int g = 0; g < 2; ++g) {
            QCOMPARE(pointCount(lab.charts()->lossChart(), g), int(log.rows.size()));
            QCOMPARE(pointCount(lab.charts()->accuracyChart(), g), int(log.rows.size()));
        }
        // Spectrum over k = 1..(p-1)/2, attention for 1 layer x 4 heads x [a, b, =].
        QVERIFY(lab.charts()->hasSnapshot());
        QCOMPARE(lab.charts()->spectrumChart()->seriesCount(), 1);
        QCOMPARE(lab.charts()->spectrumChart()->plot()->graph(0)->data()->size(), 11);
        QVERIFY(lab.charts()->attentionChart()->hasHeatmap());
        auto* map =
            qobject_cast<QCPColorMap*>(lab.charts()->attentionChart()->plot()->plottable(0));
        QVERIFY(map);
        QCOMPARE(map->data()->keySize(), 3);
        QCOMPARE(map->data()->valueSize(), 4);
        // The marker sits where the log says the run memorised (this config memorises fast).
        QVERIFY2(log.memorisedStep >= 0, "the tiny config should memorise within 150 steps");
        QCOMPARE(lab.charts()->currentCurves().memorisedStep(), log.memorisedStep);
        QVERIFY(lab.charts()->lossChart()->markerLabels().contains(QStringLiteral("memorised")));
        QVERIFY(lab.charts()->lossChart()->markerCount() >= 1);
        QVERIFY(lab.runs()->runDirs().contains(m_finishedDir));
        // Progress measures: train, val, restricted and excluded loss at every evaluation, the
        // Gini curve, and the key frequencies in the chart's title.
        QCOMPARE(lab.charts()->progressChart()->seriesCount(), 4);
        for (int g = 0; g < 4; ++g)
            QCOMPARE(pointCount(lab.charts()->progressChart(), g), int(log.rows.size()));
        QCOMPARE(pointCount(lab.charts()->giniChart(), 0), int(log.rows.size()));
        QVERIFY(!lab.charts()->keyFrequencies().empty());
        QVERIFY2(lab.charts()->progressChart()->title().contains(
                     QString::number(lab.charts()->keyFrequencies().front())),
                 qPrintable(lab.charts()->progressChart()->title()));
        QVERIFY(std::isfinite(log.rows.back().restrictedLoss));

        // Every chart exports in every format.
        QTemporaryDir out;
        for (ChartView* chart : lab.charts()->charts()) {
            const QString base = out.filePath(chart->objectName().simplified().replace(' ', '_'));
            QString error;
            for (const char* ext : {".png", ".svg", ".pdf", ".csv"})
                QVERIFY2(chart->exportTo(base + ext, 96, &error), qPrintable(error));
            QVERIFY(!QImage(base + ".png").isNull());
            QVERIFY(QSvgRenderer(base + ".svg").isValid());
            QFile pdf(base + ".pdf");
            QVERIFY(pdf.open(QIODevice::ReadOnly));
            QVERIFY(pdf.read(5) == "%PDF-");
            QFile csv(base + ".csv");
            QVERIFY(csv.open(QIODevice::ReadOnly));
            QVERIFY2(csv.readAll().count('\n') >= 2, qPrintable(base));
        }

        // Save model: GGUF file and HF folder from the run's checkpoint.
        QString error;
        QVERIFY2(GrokkingLab::saveModel(m_finishedDir, out.filePath("toy.gguf"), &error),
                 qPrintable(error));
        QFile gguf(out.filePath("toy.gguf"));
        QVERIFY(gguf.open(QIODevice::ReadOnly));
        QVERIFY(gguf.read(4) == "GGUF");
        QVERIFY2(GrokkingLab::saveModel(m_finishedDir, out.filePath("toy-hf"), &error),
                 qPrintable(error));
        QVERIFY(QFile::exists(out.filePath("toy-hf/config.json")));
        QVERIFY(QFile::exists(out.filePath("toy-hf/model.safetensors")));
    }

    void pauseStopsTheSteps() {
        GrokkingLab lab;
        lab.controls()->setConfig(tinyConfig(1000000));
        QVERIFY(lab.startRun());
        const TrainingCurves& curves = lab.charts()->currentCurves();
        QTRY_VERIFY_WITH_TIMEOUT(curves.lastStep() >= 10, kTimeout);
        lab.togglePause();
        QVERIFY(lab.controller()->isPaused());
        QCOMPARE(lab.pauseButton()->text(), QStringLiteral("Resume"));
        QTest::qWait(400); // an evaluation already under way may still arrive
        const std::int64_t pausedAt = curves.lastStep();
        QTest::qWait(800);
        QCOMPARE(curves.lastStep(), pausedAt);
        lab.togglePause();
        QTRY_VERIFY_WITH_TIMEOUT(curves.lastStep() > pausedAt, kTimeout);
        lab.stopRun();
        QTRY_VERIFY_WITH_TIMEOUT(!lab.controller()->isRunning(), kTimeout);
        QVERIFY(lab.message().startsWith(QStringLiteral("Stopped")));
        m_stoppedDir = lab.controller()->runDir();
        QVERIFY(lab.runs()->isResumable(m_stoppedDir));
    }

    void newLabListsOverlaysAndResumes() {
        QVERIFY(!m_finishedDir.isEmpty() && !m_stoppedDir.isEmpty());
        GrokkingLab lab;
        QCOMPARE(lab.runs()->runCount(), 2);
        QVERIFY(lab.runs()->runDirs().contains(m_finishedDir));
        QCOMPARE(lab.charts()->lossChart()->seriesCount(), 0);
        lab.runs()->setRunChecked(m_finishedDir, true);
        QCOMPARE(lab.charts()->overlays().size(), std::size_t(1));
        CurvesChart* loss = lab.charts()->lossChart();
        QCOMPARE(loss->seriesCount(), 2); // train and validation of the overlaid run
        QVERIFY(loss->plot()->graph(0)->name().startsWith(QStringLiteral("wd 1")));
        QCOMPARE(pointCount(loss, 1), 150 / 5 + 1);

        // Resume the stopped run from its checkpoint: its steps go on from there.
        const std::int64_t stoppedAt = lab.runs()->run(m_stoppedDir)->lastStep;
        lab.runs()->selectRun(m_stoppedDir);
        QVERIFY(lab.resumeSelectedRun());
        QCOMPARE(lab.controller()->runDir(), m_stoppedDir);
        QVERIFY(lab.charts()->currentCurves().size() > 1); // its earlier rows are shown
        QTRY_VERIFY_WITH_TIMEOUT(lab.charts()->currentCurves().lastStep() > stoppedAt + 10,
                                 kTimeout);
        lab.stopRun();
        QTRY_VERIFY_WITH_TIMEOUT(!lab.controller()->isRunning(), kTimeout);
        // The overlay stays while the current run is drawn beside it.
        QCOMPARE(loss->seriesCount(), 4);
    }

private:
    QTemporaryDir m_runsDir;
    QString m_finishedDir, m_stoppedDir;
};

QTEST_MAIN(TstGrokkingLab)
#include "tst_grokking_lab.moc"
