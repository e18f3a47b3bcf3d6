// The Sweeps lab, offscreen: a small grokking sweep run from the pane fills the run table and
// the phase diagram (tooltips with the phase and steps, thresholds that change it, a click
// that opens the run's curves and embedding PCA); a finished lm sweep opened from its folder
// draws the scaling law, IsoFLOP profiles and N_opt(C); random features draw the peak; charts
// export. With LLMLAB_SHOT_DIR and LLMLAB_SHOT_SWEEPS (folders, comma-separated) it also saves
// pictures of the pane (docs/screenshots are made this way).
#include "JobRunner.h"
#include "TestSupport.h"
#include "sweeps/SweepCharts.h"
#include "sweeps/SweepLab.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace llmlab;

namespace {
constexpr int kTimeout = 240000;

const char* kGrid = R"({
  "format": "llmlab-sweep", "name": "tiny", "kind": "grokking",
  "base": {"preset": "quick", "task": {"modulus": 11, "train_fraction": 0.5},
           "model": {"d_model": 16, "d_mlp": 32, "heads": 2},
           "max_steps": 400, "eval_every": 10, "checkpoint_every": 100},
  "grid": {"optim.weight_decay": [0.0, 2.0], "optim.lr": [1e-4, 1e-2]}
})";

bool validFile(const QString& path, const QByteArray& magic) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) && f.size() > 100 && f.read(magic.size()) == magic;
}
} // namespace

class TestSweepViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<gui::SweepAnalysisSnapshot>(); }

    void grokkingSweepFromThePane() {
        gui::JobRunner runner;
        gui::SweepLab lab(&runner);
        lab.resize(1280, 720);
        lab.show();
        QTemporaryDir dir;
        lab.specEdit()->setPlainText(kGrid);
        lab.folderEdit()->setText(dir.path() + "/tiny");
        lab.jobsBox()->setValue(2);
        lab.runButton()->click();
        QVERIFY(lab.isRunning());
        QVERIFY(!lab.runButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!lab.isRunning(), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(lab.analysesShown() > 0 && !runner.busy(), kTimeout);
        QVERIFY2(lab.message().contains("Sweep done: 4 runs"), qPrintable(lab.message()));
        QCOMPARE(lab.progressBar()->value(), 1000);
        QCOMPARE(lab.runTable()->rowCount(), 4);
        for (int r = 0; r < 4; ++r) QCOMPARE(lab.runTable()->item(r, 2)->text(), QString("done"));
        QVERIFY(QFile::exists(dir.path() + "/tiny/results.csv"));

        // The phase diagram: 2 x 2 cells; the tiny learning rate never fits (confusion).
        views::PhaseDiagramChart* phases = lab.phaseChart();
        QVERIFY(!phases->isEmpty());
        const QString slow = phases->cellText(0, 0); // wd 0, lr 1e-4
        QVERIFY2(slow.contains("confusion"), qPrintable(slow));
        QVERIFY(slow.contains("weight_decay=0 lr=0.0001"));
        QVERIFY(phases->cellText(5, 5).isEmpty());
        const QString fast = phases->cellText(0, 1); // wd 0, lr 1e-2: fits the training set
        QVERIFY2(!fast.contains("confusion"), qPrintable(fast));
        // A lower threshold is reached sooner: the tooltip follows the edited thresholds.
        lab.thresholdBox()->setValue(0.5);
        QVERIFY(phases->cellText(0, 1) != fast);

        // A click on a cell shows that run's curves and its embeddings at each snapshot.
        QSignalSpy clicked(phases, &views::PhaseDiagramChart::runClicked);
        QCOMPARE(phases->runAt(1, 1), 3);
        emit phases->runClicked(3);
        QCOMPARE(lab.tabs()->currentIndex(), lab.tabs()->count() - 1);
        QVERIFY(!lab.runChart()->isEmpty());
        QVERIFY(!lab.pcaChart()->isEmpty());
        QVERIFY(lab.runChart()->title().contains("run 3"));

        QVERIFY(phases->exportTo(dir.path() + "/phases.png", 96));
        QVERIFY(validFile(dir.path() + "/phases.png", "\x89PNG"));
        QVERIFY(lab.pcaChart()->exportTo(dir.path() + "/pca.svg"));
        QVERIFY(validFile(dir.path() + "/pca.svg", "<?xml"));
        QVERIFY(phases->exportTo(dir.path() + "/phases.csv"));

        // Running again in the same folder trains nothing and says so quickly.
        lab.runButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!lab.isRunning(), kTimeout);
        QVERIFY(lab.message().contains("4 runs"));
        // A folder of another sweep is refused with a sentence, nothing lost.
        lab.presetBox()->setCurrentIndex(lab.presetBox()->findText("grokking-phases"));
        lab.loadPreset(lab.presetBox()->currentIndex());
        lab.folderEdit()->setText(dir.path() + "/tiny");
        lab.runButton()->click();
        QVERIFY(!lab.isRunning());
        QVERIFY2(lab.message().contains("holds another sweep"), qPrintable(lab.message()));
        // A broken spec is one sentence too.
        lab.specEdit()->setPlainText("{\"format\": \"llmlab-sweep\", \"grid\": {\"optim.x\": [1]}}");
        lab.runButton()->click();
        QVERIFY2(lab.message().contains("no field 'optim.x'"), qPrintable(lab.message()));
    }

    void scalingSweepFromItsFolder() {
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        // (Plain strings: moc misreads a raw string split around a variable.)
        const std::string specText =
            "{\"format\": \"llmlab-sweep\", \"name\": \"tiny-scaling\", \"kind\": \"lm\", "
            "\"base\": {\"task\": \"text\", \"text\": \"" + text + "\", \"batch\": 4, "
            "\"seq_len\": 16, \"model\": {\"layers\": 1, \"heads\": 2}}, "
            "\"eval_every\": 20, \"eval_batches\": 2, "
            "\"grid\": {\"compute\": [3e7, 1e8, 3e8], \"model.d_model\": [8, 16, 24]}}";
        const SweepSpec spec = parseSweepSpec(specText, "tiny-scaling");
        QTemporaryDir dir;
        SweepOptions o;
        o.jobs = 2;
        QCOMPARE(runSweep(spec, dir.path().toStdString(), o).done, 9);
        gui::JobRunner runner;
        gui::SweepLab lab(&runner);
        lab.resize(1280, 720);
        lab.show();
        QVERIFY(lab.openFolder(dir.path()));
        QTRY_VERIFY_WITH_TIMEOUT(lab.analysesShown() > 0, kTimeout);
        QVERIFY(!lab.computeChart()->isEmpty());
        QVERIFY(!lab.paramsChart()->isEmpty());
        QVERIFY(!lab.isoFlopChart()->isEmpty());
        QVERIFY(!lab.optimalChart()->isEmpty());
        QVERIFY(lab.phaseChart()->isEmpty());
        QCOMPARE(lab.runTable()->item(8, 2)->text(), QString("done"));
        QVERIFY(lab.runTable()->item(8, 4)->text().contains("val loss"));
        const QString csv = lab.computeChart()->toCsv();
        QVERIFY2(csv.contains("every run"), qPrintable(csv.left(200)));
        QVERIFY(lab.isoFlopChart()->exportTo(dir.path() + "/iso.pdf"));
        QVERIFY(validFile(dir.path() + "/iso.pdf", "%PDF"));
        lab.showRun(4);
        QVERIFY(!lab.runChart()->isEmpty());
        QVERIFY(lab.pcaChart()->isEmpty()); // lm runs have no operand ring
        QVERIFY(!lab.openFolder(dir.path() + "/nothing-here"));
        QVERIFY(lab.message().contains("cannot be read"));
    }

    void featuresSweepDrawsThePeak() {
        gui::JobRunner runner;
        gui::SweepLab lab(&runner);
        QTemporaryDir dir;
        lab.loadPreset(lab.presetBox()->findText("double-descent-features"));
        lab.folderEdit()->setText(dir.path() + "/dd");
        lab.runButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!lab.isRunning(), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(!lab.doubleDescentChart()->isEmpty(), kTimeout);
        QVERIFY(lab.doubleDescentChart()->toCsv().contains("interpolation") ||
                lab.doubleDescentChart()->toCsv().contains("ridge"));
    }

    void screenshots() {
        const QByteArray out = qgetenv("LLMLAB_SHOT_DIR"), sweeps = qgetenv("LLMLAB_SHOT_SWEEPS");
        if (out.isEmpty() || sweeps.isEmpty()) QSKIP("LLMLAB_SHOT_DIR/LLMLAB_SHOT_SWEEPS not set");
        const QList<QByteArray> size = qgetenv("LLMLAB_SHOT_SIZE").split('x');
        for (const QByteArray& folder : sweeps.split(',')) {
            gui::JobRunner runner;
            gui::SweepLab lab(&runner);
            lab.resize(size.size() == 2 ? size[0].toInt() : 1600,
                       size.size() == 2 ? size[1].toInt() : 1000);
            lab.show();
            QVERIFY(QTest::qWaitForWindowExposed(&lab));
            QVERIFY(lab.openFolder(QString::fromUtf8(folder)));
            QTRY_VERIFY_WITH_TIMEOUT(lab.analysesShown() > 0, kTimeout);
            const QString name = QFileInfo(QString::fromUtf8(folder)).fileName();
            const QString suffix = qEnvironmentVariable("LLMLAB_SHOT_SUFFIX");
            for (int t = 0; t < lab.tabs()->count(); ++t) {
                auto* page = lab.tabs()->widget(t);
                auto* chart = qobject_cast<views::ChartView*>(page);
                if (!chart) chart = page->findChild<views::ChartView*>();
                if (!chart || chart->isEmpty()) continue;
                lab.tabs()->setCurrentIndex(t);
                QTest::qWait(150);
                const QString tab = lab.tabs()->tabText(t).toLower().replace(' ', '-').remove('(').remove(')').remove('_');
                QVERIFY(lab.grab().save(QStringLiteral("%1/sweeps-%2-%3%4.png")
                                            .arg(QString::fromUtf8(out), name, tab, suffix)));
            }
        }
    }
};

QTEST_MAIN(TestSweepViews)
#include "tst_sweep_views.moc"
