// The quantization lab pane: a ladder made from a real model (stories260K) lands in the list,
// a comparison fills the table and every chart, exports, stops, and clears for another model.
#include "JobRunner.h"
#include "TestSupport.h"
#include "formats/ModelFile.h"
#include "quant/QuantLab.h"
#include "quant/QuantViews.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace llmlab;

namespace {
constexpr int kTimeout = 180000;
}

class TestQuantLab : public QObject {
    Q_OBJECT

private slots:
    void ladderThenComparison() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        QTemporaryDir dir;
        gui::JobRunner runner;
        gui::QuantLab lab(&runner);
        lab.resize(1280, 720);
        lab.show();
        QVERIFY(!lab.makeButton()->isEnabled());
        QVERIFY(!lab.compareButton()->isEnabled());
        QVERIFY(lab.klChart()->isEmpty());
        QVERIFY(!lab.klChart()->emptyText().isEmpty());

        std::string error;
        lab.setModel(ModelFile::open(path, &error));
        lab.setOutputFolder(dir.path());
        QVERIFY(lab.makeButton()->isEnabled());
        QVERIFY(!lab.compareButton()->isEnabled()); // nothing to compare with yet
        lab.schemesEdit()->setText(QStringLiteral("Q8_0 q4_k Q2_K"));
        lab.importanceBox()->setChecked(true);
        lab.textEdit()->setText(QString::fromStdString(text));
        lab.makeButton()->click();
        QVERIFY(lab.stopButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(lab.laddersFinished(), 1, kTimeout);
        QVERIFY2(lab.message().startsWith(QStringLiteral("Made 3 files")), qPrintable(lab.message()));
        QCOMPARE(lab.ladderFiles().size(), 3);
        QVERIFY(lab.ladderFiles()[1].endsWith(QStringLiteral("stories260K-Q4_K_M.gguf")));
        for (const QString& f : lab.ladderFiles()) QVERIFY(QFile::exists(f));

        lab.tokensBox()->setValue(64);
        lab.decodeBox()->setValue(4);
        lab.compareButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(lab.comparisonsFinished(), 1, kTimeout);
        QVERIFY2(lab.message().startsWith(QStringLiteral("Compared 4 files")), qPrintable(lab.message()));
        QCOMPARE(lab.ladderModel()->rowCount(), 4);
        // Made with an importance matrix, and labelled so.
        QCOMPARE(lab.ladderModel()->data(lab.ladderModel()->index(3, 1), Qt::DisplayRole).toString(),
                 QStringLiteral("Q2_K imatrix"));
        QCOMPARE(lab.klChart()->seriesCount(), 3);
        QCOMPARE(lab.lensChart()->seriesCount(), 3);
        QCOMPARE(lab.nextTokenChart()->seriesCount(), 4);
        QVERIFY(lab.errorMap()->hasHeatmap());
        QCOMPARE(lab.errorMap()->kinds().size(), std::size_t(7)); // q k v output gate up down
        QCOMPARE(lab.errorMap()->kinds().front(), QStringLiteral("q"));
        QCOMPARE(lab.fileBox()->count(), 3);
        QCOMPARE(lab.fileBox()->currentIndex(), 2); // the most quantized
        QVERIFY(lab.tensorModel()->rowCount() > 30);
        // Q2_K's mean KL above Q8_0's, in the table's own numbers.
        const double klQ8 = lab.ladderModel()->data(lab.ladderModel()->index(1, 5), Qt::UserRole).toDouble();
        const double klQ2 = lab.ladderModel()->data(lab.ladderModel()->index(3, 5), Qt::UserRole).toDouble();
        QVERIFY(klQ8 > 0 && klQ8 < klQ2);

        // LLMLAB_SHOT_DIR: a picture of each results tab (to look at, at the lab's 1280x720).
        if (const QString shots = qEnvironmentVariable("LLMLAB_SHOT_DIR"); !shots.isEmpty())
            for (int i = 0; i < lab.tabs()->count(); ++i) {
                lab.tabs()->setCurrentIndex(i);
                QTest::qWait(100);
                QVERIFY(lab.grab().save(QStringLiteral("%1/quant-tab-%2.png").arg(shots).arg(i)));
            }
        const QString csv = dir.filePath(QStringLiteral("ladder.csv"));
        QVERIFY(lab.exportTable(csv, false));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString body = QString::fromUtf8(f.readAll());
        QVERIFY(body.startsWith(QStringLiteral("file,type,MiB")));
        QCOMPARE(body.count(QLatin1Char('\n')), 5);
        QVERIFY(lab.exportTable(dir.filePath(QStringLiteral("tensors.csv")), true));
        QVERIFY(lab.klChart()->exportTo(dir.filePath(QStringLiteral("kl.png")), 96, nullptr,
                                         QSize(800, 500)));

        // Another model: the old ladder and its results go.
        lab.setModel(ModelFile::open(path, &error));
        QCOMPARE(lab.ladderFiles().size(), 0);
        QCOMPARE(lab.ladderModel()->rowCount(), 0);
        QVERIFY(lab.klChart()->isEmpty());
        QVERIFY(!lab.errorMap()->hasHeatmap());
    }

    void badInputSaysSo() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        gui::JobRunner runner;
        gui::QuantLab lab(&runner);
        std::string error;
        lab.setModel(ModelFile::open(path, &error));
        lab.schemesEdit()->setText(QStringLiteral("Q8_0 Q9_9"));
        lab.makeButton()->click();
        QVERIFY2(lab.message().contains(QStringLiteral("'Q9_9' is not a quantization type")),
                 qPrintable(lab.message()));
        lab.addLadderFiles({QStringLiteral("/nonexistent/model.gguf")});
        lab.textEdit()->setText(QStringLiteral("/nonexistent/text.txt"));
        lab.compareButton()->click();
        QVERIFY(lab.message().contains(QStringLiteral("no such text")));
        lab.textEdit()->setText(QString::fromStdString(path)); // any readable file
        lab.compareButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.message().contains(QStringLiteral("/nonexistent/model.gguf")), kTimeout);
        QVERIFY(lab.compareButton()->isEnabled());
    }
};

QTEST_MAIN(TestQuantLab)
#include "tst_quant_lab.moc"
