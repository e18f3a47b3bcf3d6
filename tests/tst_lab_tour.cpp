// Every lab with results in it, as a person first sees the window: a model opened
// (stories260K), a grokking run trained, a prompt run, the run's loss landscape, a strategy
// comparison, a phases sweep, a quantization ladder compared, a prompt attributed and patched, a LoRA run, a tensor inspected. Then at a laptop's 1280x720 and a desktop's
// 1600x1000, tab by tab (and the docks tabbed behind the model summary): no chart squeezed flat, no button label cut, and every chart that has
// data keeps the chart base's rules (legend clear of the plot and whole, tick labels apart,
// marker labels inside).
//
// With LLMLAB_SHOT_DIR set it also saves each tab as tour-<tab>-<width>.png there (the README's
// screenshots: scripts/screenshots.sh); LLMLAB_SHOT_GROK=1 trains the grokking run until it
// groks (a minute) instead of the tiny run CI uses.
#include "GrokkingLab.h"
#include "GrokkingLabControls.h"
#include "LayoutChecks.h"
#include "MainWindow.h"
#include "ModelBrowser.h"
#include "PromptLab.h"
#include "TestSupport.h"
#include "TestTraining.h"
#include "landscape/LandscapeLab.h"
#include "prompting/CompareLab.h"
#include "finetune/FineTuneLab.h"
#include "interp/InterpLab.h"
#include "quant/QuantLab.h"
#include "sweeps/SweepLab.h"

#include "AttentionView.h"
#include "ChartView.h"

#include <QComboBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace llmlab;
using namespace llmlab::gui;

namespace {

constexpr int kTimeout = 300000; // ms: two shared cores

QString fileName(QString tab) {
    return tab.toLower().replace(QLatin1Char(' '), QLatin1Char('-'));
}

} // namespace

class TestLabTour : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_runs.isValid());
        qputenv("LLMLAB_RUNS_DIR", m_runs.path().toLocal8Bit());
    }

    void everyLabWithResults() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", model);
        MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY_WITH_TIMEOUT(w.devicesKnown() && !w.backendStatusText().startsWith(
                                                         QStringLiteral("Backend: starting")),
                                 kTimeout);
        QTRY_VERIFY(!w.runner()->busy());
        w.chooseBackend(QStringLiteral("cpu"));
        QTRY_VERIFY_WITH_TIMEOUT(!w.runner()->busy(), kTimeout);
        w.openModel(QString::fromStdString(model));
        QTRY_VERIFY_WITH_TIMEOUT(!w.modelBrowser()->snapshot().path.isEmpty(), kTimeout);

        // Grokking lab: a run trained to its end.
        TrainConfig c = test::tinyTrainConfig(300);
        if (qEnvironmentVariableIsSet("LLMLAB_SHOT_GROK")) {
            presetConfig("quick", &c);
            c.maxSteps = 4000;
        }
        c.backend = "cpu";
        w.grokkingLab()->controls()->setConfig(c);
        QVERIFY(w.grokkingLab()->startRun());
        QTRY_VERIFY_WITH_TIMEOUT(!w.grokkingLab()->controller()->isRunning(), kTimeout);
        const QString run = w.grokkingLab()->controller()->runDir();

        // Prompt lab: a prompt through the model, a head picked.
        PromptLab* prompt = w.promptLab();
        prompt->promptEdit()->setPlainText(
            QStringLiteral("Once upon a time there was a little girl named Lily. She loved"));
        prompt->runPrompt();
        QTRY_VERIFY_WITH_TIMEOUT(prompt->runsFinished() == 1, kTimeout);
        prompt->attentionView()->selectHead(1, 3);

        // Landscape lab: the run's loss surface with its training path.
        QSignalSpy shown(w.landscapeLab(), &LandscapeLab::landscapeShown);
        w.landscapeLab()->gridBox()->setValue(15);
        w.openLandscape(run);
        QVERIFY(shown.wait(kTimeout));

        // Prompting strategies: two strategies on a built-in task.
        CompareLab* compare = w.compareLab();
        const int task = compare->taskBox()->findText(QStringLiteral("past-tense"));
        QVERIFY(task >= 0);
        compare->taskBox()->setCurrentIndex(task);
        compare->strategiesEdit()->setText(QStringLiteral("zero,few:2,cot"));
        compare->questionsBox()->setValue(8);
        compare->runButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(compare->comparisonsFinished() == 1, kTimeout);

        // Sweeps: the phases of grokking, 3 x 3 runs.
        SweepLab* sweeps = w.sweepLab();
        sweeps->loadPreset(sweeps->presetBox()->findText(QStringLiteral("grokking-phases")));
        sweeps->folderEdit()->setText(m_runs.path() + QStringLiteral("/phases"));
        sweeps->runButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!sweeps->isRunning(), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(sweeps->analysesShown() > 0 && !w.runner()->busy(), kTimeout);

        // Quantization: a ladder of three types made from the model, compared on the corpus.
        QuantLab* quant = w.quantLab();
        quant->setOutputFolder(m_runs.path() + QStringLiteral("/quant"));
        quant->schemesEdit()->setText(QStringLiteral("Q8_0 Q4_K_M Q2_K"));
        quant->makeButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(quant->laddersFinished() == 1, kTimeout);
        quant->tokensBox()->setValue(128);
        quant->decodeBox()->setValue(8);
        quant->compareButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(quant->comparisonsFinished() == 1, kTimeout);

        // Attribution: a name-swap pair attributed and patched (exact and the estimate).
        InterpLab* interp = w.interpLab();
        interp->promptEdit()->setText(QStringLiteral("Lily gave the ball to Tim. Tim said thank you to"));
        interp->corruptEdit()->setText(QStringLiteral("Tim gave the ball to Lily. Lily said thank you to"));
        interp->targetEdit()->setText(QStringLiteral("Lily"));
        interp->versusEdit()->setText(QStringLiteral("Tim"));
        interp->attributeButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(interp->attributionsShown() == 1 && !w.runner()->busy(), kTimeout);
        interp->methodBox()->setCurrentIndex(2);
        interp->patchButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(interp->patchingsShown() == 1 && !w.runner()->busy(), kTimeout);

        // Fine-tuning: a short LoRA run on the corpus.
        FineTuneLab* ft = w.fineTuneLab();
        ft->setRunsFolder(m_runs.path() + QStringLiteral("/finetune"));
        ft->stepsBox()->setValue(20);
        ft->seqBox()->setValue(32);
        ft->evalEveryBox()->setValue(10);
        ft->startButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(ft->runsFinished() == 1 && !w.runner()->busy(), kTimeout);

        // Tensor inspector: a weight's statistics and heatmap.
        QVERIFY(w.modelBrowser()->selectTensor(QStringLiteral("blk.1.ffn_gate.weight")));
        QTRY_VERIFY_WITH_TIMEOUT(!w.runner()->busy(), kTimeout);

        auto* tabs = w.findChild<QTabWidget*>(QStringLiteral("centreTabs"));
        QVERIFY(tabs);
        const QString shots = qEnvironmentVariable("LLMLAB_SHOT_DIR");
        QStringList problems;
        int checked = 0;
        for (const QSize size : {QSize(1280, 720), QSize(1600, 1000)}) {
            w.resize(size);
            for (int i = 0; i < tabs->count(); ++i) {
                tabs->setCurrentIndex(i);
                QTest::qWait(150); // queued replots and the docks' layout
                const QString where =
                    QStringLiteral("%1 at %2x%3").arg(tabs->tabText(i)).arg(size.width()).arg(size.height());
                problems << test::squeezedWidgets(&w, where);
                for (views::ChartView* chart : w.findChildren<views::ChartView*>())
                    if (test::onScreen(chart) && !chart->isEmpty()) {
                        problems << test::chartLayoutProblems(chart, where);
                        ++checked;
                    }
                if (!shots.isEmpty())
                    QVERIFY(w.grab().save(QStringLiteral("%1/tour-%2-%3.png")
                                              .arg(shots, fileName(tabs->tabText(i)))
                                              .arg(size.width())));
            }
            // The docks tabbed behind the summary: the cost pane, the parameter share.
            for (const char* name : {"costDock", "paramShareDock"}) {
                auto* dock = w.findChild<QDockWidget*>(QLatin1String(name));
                QVERIFY(dock);
                dock->raise();
                QTest::qWait(150);
                const QString where = QStringLiteral("%1 at %2x%3")
                                          .arg(dock->windowTitle())
                                          .arg(size.width())
                                          .arg(size.height());
                problems << test::squeezedWidgets(dock, where);
                if (!shots.isEmpty())
                    QVERIFY(w.grab().save(QStringLiteral("%1/tour-%2-%3.png")
                                              .arg(shots, fileName(dock->windowTitle()))
                                              .arg(size.width())));
            }
            if (auto* summary = w.findChild<QDockWidget*>(QStringLiteral("modelSummaryDock")))
                summary->raise();
        }
        // Each lab shows charts with data (the grokking lab seven, the landscape lab its
        // contour, ...): the checks saw them.
        qInfo("%d charts with data checked", checked);
        QVERIFY2(checked >= 20, qPrintable(QString::number(checked))); // 26 when written
        problems.removeDuplicates();
        for (const QString& p : problems) qWarning("%s", qPrintable(p));
        QVERIFY2(problems.isEmpty(), qPrintable(QString::number(problems.size()) + " problems"));
    }

private:
    QTemporaryDir m_runs;
};

QTEST_MAIN(TestLabTour)
#include "tst_lab_tour.moc"
