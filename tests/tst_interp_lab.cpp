// The attribution lab pane on a real model (stories260K): attribution fills the head grid, the
// by-layer chart and the contribution graph, whose threshold thins the routes and whose edges
// answer a click with their heads and the tokens they promote; patching (both methods) fills
// the two maps with exact values and states the estimate's correlation; ablation fills the grid
// beside the prompt's attention and a click on either selects the head in both; bad input gets
// one sentence and the pane keeps working; every view exports.
#include "JobRunner.h"
#include "TestSupport.h"
#include "formats/ModelFile.h"
#include "interp/InterpLab.h"
#include "interp/InterpViews.h"
#include "prompt/AttentionGrid.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace llmlab;

namespace {
constexpr int kTimeout = 180000;
}

class TestInterpLab : public QObject {
    Q_OBJECT

private slots:
    void attributePatchAblate() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        QTemporaryDir dir;
        gui::JobRunner runner;
        gui::InterpLab lab(&runner);
        lab.resize(1280, 720);
        lab.show();
        QVERIFY(!lab.attributeButton()->isEnabled());
        QVERIFY(lab.headAttribution()->isEmpty());
        QVERIFY(!lab.headAttribution()->emptyText().isEmpty());

        std::string error;
        const std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY(model);
        lab.setModel(model);
        QVERIFY(lab.attributeButton()->isEnabled());
        const int L = model->spec().layers, H = model->spec().heads;

        // A word of several tokens: said while typing, refused with one sentence on a run.
        lab.promptEdit()->setText(QStringLiteral("Lily gave the ball to Tim. Tim said thank you to"));
        lab.corruptEdit()->setText(QStringLiteral("Tim gave the ball to Lily. Lily said thank you to"));
        lab.targetEdit()->setText(QStringLiteral("Lily and Tom"));
        lab.versusEdit()->setText(QStringLiteral("Tim"));
        QVERIFY2(lab.tokenCounts()->text().contains(QStringLiteral("not one")), qPrintable(lab.tokenCounts()->text()));
        lab.attributeButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.attributeButton()->isEnabled(), kTimeout);
        QVERIFY2(lab.message().contains(QStringLiteral("not one")), qPrintable(lab.message()));
        QCOMPARE(lab.attributionsShown(), 0);

        // Attribution: heads, layers, the graph.
        lab.targetEdit()->setText(QStringLiteral("Lily"));
        QVERIFY(!lab.tokenCounts()->text().contains(QStringLiteral("not one")));
        lab.attributeButton()->click();
        QVERIFY(lab.stopButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(lab.attributionsShown(), 1, kTimeout);
        QVERIFY2(lab.message().contains(QStringLiteral("Lily') − logit(")), qPrintable(lab.message()));
        QCOMPARE(lab.headAttribution()->rows(), L);
        QCOMPARE(lab.headAttribution()->columns(), H);
        QVERIFY(lab.headAttribution()->hasHeatmap());
        QCOMPARE(lab.layerChart()->seriesCount(), 3);
        views::ContributionGraphView* graph = lab.graphView();
        QVERIFY(graph->graph());
        const std::size_t routes = graph->shownEdges().size();
        QCOMPARE(routes, informationRoutes(*graph->graph(), -1, lab.thresholdBox()->value()).size());
        QVERIFY(routes > 0);
        lab.thresholdBox()->setValue(0.2);
        QVERIFY(graph->shownEdges().size() < routes);
        lab.thresholdBox()->setValue(0.04);
        QCOMPARE(graph->shownEdges().size(), routes);

        // A click on an attention edge from another token: its heads, then what it promotes.
        lab.tabs()->setCurrentIndex(1);
        QTest::qWait(50);
        int attention = -1;
        for (std::size_t e : graph->shownEdges()) {
            const FlowEdge& edge = graph->graph()->edges[e];
            if (edge.kind == FlowEdge::Attention && edge.from.position != edge.to.position) attention = int(e);
        }
        QVERIFY(attention >= 0);
        QSignalSpy clicked(graph, &views::ContributionGraphView::edgeClicked);
        QTest::mouseClick(graph, Qt::LeftButton, {}, graph->edgeMidpoint(std::size_t(attention)).toPoint());
        QCOMPARE(clicked.size(), 1);
        QVERIFY(clicked.front().front().toInt() >= 0); // some edge there (a crossing one may win)
        const int picked = clicked.front().front().toInt();
        QCOMPARE(graph->selectedEdge(), picked);
        QTRY_COMPARE_WITH_TIMEOUT(lab.projectionsShown(), graph->graph()->edges[std::size_t(picked)].kind ==
                                                                  FlowEdge::AttnResidual ||
                                                              graph->graph()->edges[std::size_t(picked)].kind ==
                                                                  FlowEdge::MlpResidual
                                                          ? 0
                                                          : 1,
                                  kTimeout);
        graph->selectEdge(-1);
        // A click on nothing says so.
        QTest::mouseClick(graph, Qt::LeftButton, {}, QPoint(3, 3));
        QCOMPARE(clicked.size(), 2);
        QCOMPARE(clicked.back().front().toInt(), -1);
        // The attention edge itself, asked for directly: heads and promoted tokens.
        emit graph->edgeClicked(attention);
        QVERIFY(lab.edgeDetails()->text().contains(QStringLiteral("Attention, layer")));
        QTRY_VERIFY_WITH_TIMEOUT(lab.edgeDetails()->text().contains(QStringLiteral("promotes")), kTimeout);
        for (const char* ext : {"png", "svg", "pdf", "csv"}) {
            const QString out = dir.filePath(QStringLiteral("graph.%1").arg(QLatin1String(ext)));
            QString why;
            QVERIFY2(graph->exportTo(out, &why), qPrintable(why));
            QVERIFY(QFile(out).size() > 50);
        }
        QFile csv(dir.filePath(QStringLiteral("graph.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(int(csv.readAll().count('\n')), int(routes) + 1);

        // Patching, both methods: the exact maps, the estimate's correlation stated.
        lab.methodBox()->setCurrentIndex(2);
        lab.patchButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(lab.patchingsShown(), 1, kTimeout);
        const int T = graph->graph()->tokens;
        QCOMPARE(lab.residualPatching()->rows(), L);
        QCOMPARE(lab.residualPatching()->columns(), T);
        QCOMPARE(lab.headPatching()->columns(), H);
        // The last layer at the last position carries the whole clean prediction back.
        QVERIFY(std::fabs(lab.residualPatching()->value(L - 1, T - 1) - 1.0) < 1e-5);
        QVERIFY2(lab.patchSummary()->text().contains(QStringLiteral("correlates")), qPrintable(lab.patchSummary()->text()));
        QVERIFY(lab.residualPatching()->exportTo(dir.filePath(QStringLiteral("residual.csv"))));

        // The README's screenshots (scripts/screenshots.sh sets LLMLAB_SHOT_DIR): the graph
        // with an edge picked, and the patching maps.
        const QString shots = qEnvironmentVariable("LLMLAB_SHOT_DIR");
        if (!shots.isEmpty()) {
            lab.tabs()->setCurrentIndex(1);
            emit graph->edgeClicked(attention);
            QTRY_VERIFY_WITH_TIMEOUT(lab.edgeDetails()->text().contains(QStringLiteral("promotes")), kTimeout);
            QTest::qWait(100);
            QVERIFY(lab.grab().save(shots + QStringLiteral("/attribution-graph.png")));
            lab.tabs()->setCurrentIndex(2);
            QTest::qWait(100);
            QVERIFY(lab.grab().save(shots + QStringLiteral("/attribution-patching.png")));
            lab.tabs()->setCurrentIndex(0);
            QTest::qWait(100);
            QVERIFY(lab.grab().save(shots + QStringLiteral("/attribution-logit.png")));
        }
        // Both methods: the estimate's maps on demand.
        QVERIFY(lab.patchShownBox()->isEnabled());
        const double exactCell = lab.headPatching()->value(L - 1, 2);
        lab.patchShownBox()->setCurrentIndex(1);
        QVERIFY(lab.headPatching()->value(L - 1, 2) != exactCell);
        lab.patchShownBox()->setCurrentIndex(0);
        QCOMPARE(lab.headPatching()->value(L - 1, 2), exactCell);

        // Prompts of different lengths: one sentence, nothing lost.
        lab.corruptEdit()->setText(QStringLiteral("Tim gave it"));
        QVERIFY(lab.tokenCounts()->text().contains(QStringLiteral("same number")));
        lab.patchButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(lab.patchButton()->isEnabled(), kTimeout);
        QVERIFY2(lab.message().contains(QStringLiteral("same length")), qPrintable(lab.message()));
        QCOMPARE(lab.residualPatching()->columns(), T); // the last result still shown
        lab.corruptEdit()->setText(QStringLiteral("Tim gave the ball to Lily. Lily said thank you to"));

        // Ablation beside the attention grid; a click selects the head in both.
        lab.ablateButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(lab.ablationsShown(), 1, kTimeout);
        QCOMPARE(lab.ablationGrid()->rows(), L);
        QCOMPARE(lab.ablationGrid()->columns(), H);
        QCOMPARE(lab.attentionGrid()->mapCount(), L * H);
        emit lab.ablationGrid()->cellClicked(2, 5);
        QCOMPARE(lab.attentionGrid()->selectedLayer(), 2);
        QCOMPARE(lab.attentionGrid()->selectedHead(), 5);
        QCOMPARE(lab.ablationGrid()->markedLayer(), 2);
        lab.attentionGrid()->select(3, 1);
        QCOMPARE(lab.ablationGrid()->markedLayer(), 3);
        QCOMPARE(lab.ablationGrid()->markedColumn(), 1);
        const double diffChange = lab.ablationGrid()->value(3, 1);
        lab.ablationMetricBox()->setCurrentIndex(1); // the loss instead
        QVERIFY(lab.ablationGrid()->value(3, 1) != diffChange);
        if (!shots.isEmpty()) {
            lab.ablationMetricBox()->setCurrentIndex(0);
            QTest::qWait(100);
            QVERIFY(lab.grab().save(shots + QStringLiteral("/attribution-ablation.png")));
        }

        // Another model clears everything.
        lab.setModel(nullptr);
        QVERIFY(lab.headAttribution()->isEmpty());
        QVERIFY(!graph->graph());
        QVERIFY(!lab.attributeButton()->isEnabled());
    }
};

QTEST_MAIN(TestInterpLab)
#include "tst_interp_lab.moc"
