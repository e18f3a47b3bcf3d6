// The prompting lab pane: a comparison on a real model fills the grid cell by cell, the
// charts and the cell view show it, it exports, stops, and says what is wrong with bad input.
// With LLMLAB_SHOT_MODEL and LLMLAB_SHOT_DIR set it also saves a picture of the pane (the
// screenshot in docs/screenshots is made this way).
#include "JobRunner.h"
#include "TestSupport.h"
#include "prompting/CompareLab.h"
#include "prompting/CompareViews.h"

#include <QComboBox>
#include <QDoubleSpinBox>
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

void selectTasks(gui::CompareLab& lab, const QString& name) {
    const int i = lab.taskBox()->findText(name);
    QVERIFY(i >= 0);
    lab.taskBox()->setCurrentIndex(i);
}
} // namespace

class TestPromptingViews : public QObject {
    Q_OBJECT

private slots:
    void comparisonFillsTheGridAndCharts() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        gui::JobRunner runner;
        gui::CompareLab lab(&runner);
        lab.resize(1280, 720);
        lab.show();
        QVERIFY(!lab.runButton()->isEnabled());
        QVERIFY(lab.message().contains(QStringLiteral("train-lm")));
        QVERIFY(lab.accuracyChart()->isEmpty());

        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        lab.setModel(model);
        QVERIFY(lab.runButton()->isEnabled());
        selectTasks(lab, QStringLiteral("past-tense"));
        lab.strategiesEdit()->setText(QStringLiteral("zero,few:2,cot,sc:3"));
        lab.questionsBox()->setValue(4);
        lab.findChildren<QSpinBox*>().last()->setValue(8); // max tokens: short replies
        lab.runButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(lab.comparisonsFinished(), 1, kTimeout);
        QVERIFY2(lab.message().startsWith(QStringLiteral("Done")), qPrintable(lab.message()));

        views::CompareGridModel* grid = lab.gridModel();
        QCOMPARE(grid->rowCount(), 4);
        QCOMPARE(grid->columnCount(), 5); // the question, then four strategies
        QCOMPARE(grid->finishedCells(), 16);
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) QVERIFY(grid->cell(r, c));
        QCOMPARE(grid->cell(0, 3)->samples.size(), std::size_t(3));
        const QString cellText = grid->data(grid->index(0, 4), Qt::DisplayRole).toString();
        QVERIFY2(cellText.contains(QStringLiteral("/3")), qPrintable(cellText)); // its votes
        QVERIFY(!lab.accuracyChart()->isEmpty());
        QVERIFY(!lab.accuracyByNChart()->isEmpty());
        QVERIFY(!lab.tokensChart()->isEmpty());

        lab.showCell(0, 4);
        const QString detail = lab.detailView()->toPlainText();
        QVERIFY(detail.contains(QStringLiteral("Sample 3")));
        QVERIFY(detail.contains(QStringLiteral("Votes:")));
        QVERIFY(detail.contains(QStringLiteral("from the cache")));
        QVERIFY(!lab.voteChart()->isEmpty());
        lab.showCell(1, 1); // one reply: no vote chart
        QVERIFY(lab.voteChart()->isEmpty());

        QTemporaryDir dir;
        QString why;
        QVERIFY2(lab.exportGrid(dir.filePath("grid.csv"), &why), qPrintable(why));
        QFile csv(dir.filePath("grid.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QByteArray rows = csv.readAll();
        QVERIFY(rows.startsWith("question_index,question,expected,strategy"));
        QCOMPARE(rows.count('\n'), 1 + 4 * (1 + 1 + 1 + 3));
        QVERIFY(lab.exportGrid(dir.filePath("grid.json"), &why));
        QVERIFY(lab.accuracyChart()->exportTo(dir.filePath("accuracy.csv"), 96, &why));
        QVERIFY(lab.accuracyChart()->exportTo(dir.filePath("accuracy.png"), 96, &why));
        QVERIFY(QFile(dir.filePath("accuracy.png")).size() > 1000);
        QFile acc(dir.filePath("accuracy.csv"));
        QVERIFY(acc.open(QIODevice::ReadOnly));
        QVERIFY(acc.readAll().contains("95% low"));

        // Another model: the last one's results go.
        lab.setModel(model);
        QCOMPARE(lab.gridModel()->rowCount(), 0);
        QVERIFY(lab.accuracyChart()->isEmpty());
        QVERIFY(lab.detailView()->toPlainText().isEmpty());
    }

    void badInputIsOneSentence() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        gui::JobRunner runner;
        gui::CompareLab lab(&runner);
        std::string error;
        lab.setModel(ModelFile::open(path, &error));
        lab.strategiesEdit()->setText(QStringLiteral("few:x"));
        lab.runButton()->click();
        QVERIFY(lab.message().contains(QStringLiteral("few:x")));
        QVERIFY(!runner.busy());
        QString why;
        QVERIFY(!lab.addTaskFile(QStringLiteral("/nonexistent/tasks.jsonl"), &why));
        QVERIFY(why.contains(QStringLiteral("/nonexistent/tasks.jsonl")));
        QTemporaryDir dir;
        QFile f(dir.filePath("bad.jsonl"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"question\": \"a\", \"answer\": \"b\"}\nnot json\n");
        f.close();
        QVERIFY(!lab.addTaskFile(dir.filePath("bad.jsonl"), &why));
        QVERIFY2(why.contains(QStringLiteral("line 2")), qPrintable(why));
        const int before = lab.taskBox()->count();
        QFile good(dir.filePath("mine.jsonl"));
        QVERIFY(good.open(QIODevice::WriteOnly));
        good.write("{\"question\": \"eat\", \"answer\": \"ate\"}\n{\"question\": \"go\", \"answer\": \"went\"}\n");
        good.close();
        QVERIFY(lab.addTaskFile(dir.filePath("mine.jsonl"), &why));
        QCOMPARE(lab.taskBox()->count(), before + 1);
    }

    void stopKeepsTheFinishedCells() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        gui::JobRunner runner;
        gui::CompareLab lab(&runner);
        std::string error;
        lab.setModel(ModelFile::open(path, &error));
        selectTasks(lab, QStringLiteral("kinship"));
        lab.strategiesEdit()->setText(QStringLiteral("sc:16"));
        lab.questionsBox()->setValue(0); // all
        lab.runButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.gridModel()->finishedCells() >= 1, kTimeout);
        lab.stopButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.message().startsWith(QStringLiteral("Stopped")), kTimeout);
        QVERIFY(lab.runButton()->isEnabled());
        QVERIFY(lab.gridModel()->finishedCells() >= 1);
        QVERIFY(lab.gridModel()->finishedCells() < lab.gridModel()->rowCount());
    }

    void screenshot() {
        const QByteArray model = qgetenv("LLMLAB_SHOT_MODEL"), out = qgetenv("LLMLAB_SHOT_DIR");
        if (model.isEmpty() || out.isEmpty()) QSKIP("LLMLAB_SHOT_MODEL/LLMLAB_SHOT_DIR not set");
        gui::JobRunner runner;
        gui::CompareLab lab(&runner);
        const QList<QByteArray> size = qgetenv("LLMLAB_SHOT_SIZE").split('x');
        lab.resize(size.size() == 2 ? size[0].toInt() : 1600, size.size() == 2 ? size[1].toInt() : 1000);
        lab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&lab));
        std::string error;
        lab.setModel(ModelFile::open(model.toStdString(), &error));
        selectTasks(lab, QString::fromUtf8(qgetenv("LLMLAB_SHOT_TASKS")));
        lab.strategiesEdit()->setText(QString::fromUtf8(qgetenv("LLMLAB_SHOT_STRATEGIES")));
        lab.questionsBox()->setValue(40);
        lab.runButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(lab.comparisonsFinished(), 1, kTimeout);
        lab.grid()->resizeColumnsToContents();
        lab.grid()->setCurrentIndex(lab.gridModel()->index(2, 4));
        lab.showCell(2, 4);
        QTest::qWait(200);
        QVERIFY(lab.grab().save(QString::fromUtf8(out) + "/prompting-compare.png"));
        lab.tabs()->setCurrentIndex(1);
        QTest::qWait(100);
        QVERIFY(lab.grab().save(QString::fromUtf8(out) + "/prompting-cell.png"));
    }
};

QTEST_MAIN(TestPromptingViews)
#include "tst_prompting_views.moc"
