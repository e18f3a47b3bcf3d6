// The fine-tuning lab pane on stories260K and tinyshakespeare: a LoRA run draws its loss,
// held-out and forgetting curves and its speed as it trains, writes samples beside the base
// model's and metrics.csv in the run folder; Stop keeps what was measured; a missing text is
// one sentence; another model clears the pane.
#include "JobRunner.h"
#include "TestSupport.h"
#include "finetune/FineTuneCharts.h"
#include "finetune/FineTuneLab.h"
#include "formats/ModelFile.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace llmlab;

namespace {
constexpr int kTimeout = 300000;
}

class TestFineTuneLab : public QObject {
    Q_OBJECT

private slots:
    void loraRunWithLiveCurves() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        QTemporaryDir dir;
        // The forgetting curve's text: TinyStories-like sentences, the model's own domain.
        const QString stories = dir.filePath(QStringLiteral("stories.txt"));
        {
            QFile f(stories);
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (int i = 0; i < 40; ++i)
                f.write("Once upon a time, there was a little girl named Lily. She loved to play in the park "
                        "with her friend Tim. One day they found a big red ball under a tree.\n");
        }
        gui::JobRunner runner;
        gui::FineTuneLab lab(&runner);
        lab.setRunsFolder(dir.filePath(QStringLiteral("runs")));
        lab.resize(1280, 720);
        lab.show();
        QVERIFY(!lab.startButton()->isEnabled());
        QVERIFY(lab.lossChart()->isEmpty());
        std::string error;
        lab.setModel(ModelFile::open(path, &error));
        QVERIFY(lab.startButton()->isEnabled());

        lab.dataEdit()->setText(dir.filePath(QStringLiteral("missing.txt")));
        lab.startButton()->click();
        QVERIFY2(lab.message().contains(QStringLiteral("missing.txt")), qPrintable(lab.message()));

        lab.dataEdit()->setText(QString::fromStdString(text));
        lab.referenceEdit()->setText(stories);
        lab.stepsBox()->setValue(40);
        lab.batchBox()->setValue(8);
        lab.seqBox()->setValue(32);
        lab.lrBox()->setValue(5e-3);
        lab.evalEveryBox()->setValue(10);
        lab.scheduleBox()->setCurrentIndex(1); // cosine after a warm-up
        lab.startButton()->click();
        QVERIFY(lab.stopButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(lab.runsFinished(), 1, kTimeout);
        QVERIFY2(lab.message().contains(QStringLiteral("held-out loss")), qPrintable(lab.message()));
        QCOMPARE(lab.lossChart()->seriesCount(), 3); // batches, held-out, reference
        QCOMPARE(lab.speedChart()->seriesCount(), 1);
        QCOMPARE(lab.gradientChart()->seriesCount(), 1);
        QCOMPARE(lab.learningRateChart()->seriesCount(), 1);
        const QString samples = lab.samples()->toPlainText();
        QVERIFY(samples.contains(QStringLiteral("base model: ROMEO:")));
        QVERIFY(samples.contains(QStringLiteral("step 40: ROMEO:")));
        QFile metrics(lab.lastRunDir() + QStringLiteral("/metrics.csv"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = metrics.readAll().trimmed().split('\n');
        QCOMPARE(rows.size(), 1 + 5); // header, steps 0, 10, 20, 30, 40
        const double held0 = rows[1].split(',')[2].toDouble(), held4 = rows[5].split(',')[2].toDouble();
        const double ref0 = rows[1].split(',')[3].toDouble(), ref4 = rows[5].split(',')[3].toDouble();
        QVERIFY(held4 < held0 - 0.5);
        QVERIFY(ref4 > ref0); // forgetting
        QVERIFY(QFile::exists(lab.lastRunDir() + QStringLiteral("/checkpoint.safetensors")));
        if (const QString shots = qEnvironmentVariable("LLMLAB_SHOT_DIR"); !shots.isEmpty()) {
            QTest::qWait(100);
            QVERIFY(lab.grab().save(shots + QStringLiteral("/finetune-lora.png")));
        }

        // Stop in the middle: the run ends, what was measured stays.
        lab.stepsBox()->setValue(100000);
        lab.evalEveryBox()->setValue(5);
        lab.startButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.lossChart()->seriesCount() >= 2, kTimeout);
        lab.stopButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.startButton()->isEnabled(), kTimeout);
        QVERIFY2(lab.message().startsWith(QStringLiteral("Stopped")), qPrintable(lab.message()));
        QVERIFY(!lab.lossChart()->isEmpty());
        QVERIFY(QFile::exists(lab.lastRunDir() + QStringLiteral("/metrics.csv")));

        lab.setModel(nullptr);
        QVERIFY(lab.lossChart()->isEmpty());
        QVERIFY(!lab.startButton()->isEnabled());
    }

    // Before Start the pane says what will be trained and what the cost calculator predicts;
    // a stopped run goes on from its checkpoint with Resume, its curves continued.
    void estimateAndResume() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        QTemporaryDir dir;
        gui::JobRunner runner;
        gui::FineTuneLab lab(&runner);
        lab.setRunsFolder(dir.filePath(QStringLiteral("runs")));
        lab.resize(1280, 720);
        lab.show();
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        lab.setModel(model);
        lab.dataEdit()->setText(QString::fromStdString(text));
        lab.targetsEdit()->setText(QStringLiteral("q_proj|v_proj"));
        lab.rankBox()->setValue(4);
        FineTuneConfig c;
        c.rank = 4;
        c.targets = "q_proj|v_proj";
        c.batch = lab.batchBox()->value();
        c.seqLen = lab.seqBox()->value();
        const FineTuneEstimate e = estimateFineTune(*model, c, "");
        QVERIFY2(lab.estimate().contains(QLocale().toString(qlonglong(e.trainable))), qPrintable(lab.estimate()));
        QVERIFY2(lab.estimate().contains(QStringLiteral("LoRA 16")), qPrintable(lab.estimate()));
        const QString plain = lab.estimate();
        lab.checkpointingBox()->setChecked(true);
        QVERIFY(lab.estimate() != plain); // fewer activations kept
        lab.methodBox()->setCurrentIndex(lab.methodBox()->findData(int(FineTuneMethod::Full)));
        QVERIFY2(lab.estimate().contains(QStringLiteral("Full AMP")), qPrintable(lab.estimate()));
        lab.methodBox()->setCurrentIndex(lab.methodBox()->findData(int(FineTuneMethod::Lora)));

        // A run stopped after its first evaluations.
        lab.stepsBox()->setValue(100000);
        lab.batchBox()->setValue(4);
        lab.seqBox()->setValue(32);
        lab.accumulateBox()->setValue(2);
        lab.dropoutBox()->setValue(0.1);
        lab.evalEveryBox()->setValue(5);
        lab.startButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(lab.lastRunDir() + QStringLiteral("/checkpoint.safetensors")) &&
                                     readFineTuneMetrics((lab.lastRunDir() + QStringLiteral("/metrics.csv")).toStdString()).size() >= 2,
                                 kTimeout);
        lab.stopButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.startButton()->isEnabled(), kTimeout);
        const QString run = lab.lastRunDir();
        // Shorten the run so it ends soon after the checkpoint it resumes from.
        const std::string config = (run + QStringLiteral("/config.json")).toStdString();
        FineTuneRun saved = readFineTuneRun(config);
        QCOMPARE(saved.config.accumulate, 2);
        QVERIFY(std::fabs(saved.config.loraDropout - 0.1f) < 1e-6f);
        const std::int64_t measured = readFineTuneMetrics((run + QStringLiteral("/metrics.csv")).toStdString()).back().step;
        saved.config.steps = measured + 10;
        writeFineTuneRun(config, saved, 0);

        lab.stepsBox()->setValue(7); // the run's own settings win over the fields
        lab.accumulateBox()->setValue(1);
        QVERIFY(!lab.resume(dir.filePath(QStringLiteral("nowhere"))));
        QVERIFY2(lab.message().contains(QStringLiteral("config.json")), qPrintable(lab.message()));
        QVERIFY(lab.resume(run));
        QTRY_COMPARE_WITH_TIMEOUT(lab.runsFinished(), 1, kTimeout);
        QCOMPARE(lab.stepsBox()->value(), int(saved.config.steps));
        QCOMPARE(lab.accumulateBox()->value(), 2);
        const std::vector<FineTuneRow> rows = readFineTuneMetrics((run + QStringLiteral("/metrics.csv")).toStdString());
        QVERIFY(rows.size() >= 4);
        QCOMPARE(rows.front().step, std::int64_t(0));
        QCOMPARE(rows.back().step, saved.config.steps);
        for (std::size_t i = 1; i < rows.size(); ++i) QVERIFY(rows[i].step > rows[i - 1].step); // none twice
        // The curves: a CSV row a step, the earlier run's and the resumed one's.
        QCOMPARE(lab.lossChart()->toCsv().trimmed().split(QLatin1Char('\n')).size(), 1 + int(rows.size()));
    }
};

QTEST_MAIN(TestFineTuneLab)
#include "tst_finetune_lab.moc"
