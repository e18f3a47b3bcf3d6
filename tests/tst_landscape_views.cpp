// The landscape lab's views and pane, offscreen: the contour map (colour map, iso-lines, the
// path, the legend outside the data), the 3-D surface's data, the interpolation chart, the
// side-by-side on one colour scale, exports, and the pane computing a real run's landscape,
// reading it back from the cache, refusing what a run cannot give, and stopping.
#include "ContourChart.h"
#include "InterpolationChart.h"
#include "JobRunner.h"
#include "LandscapeCompare.h"
#include "LandscapeLab.h"
#include "MainWindow.h"
#include "SurfaceView.h"
#include "TestTraining.h"
#include "cpu/CpuBackend.h"
#include "formats/ModelFile.h"
#include "train/TrainingRun.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtDataVisualization/QSurfaceDataProxy>
#include <QtTest>

#include <qcustomplot.h>

#include <cmath>

using namespace llmlab;

namespace {

// A bowl f = 1 + α² + 2β² on a 21 × 21 grid, and a path spiralling into its centre.
RunLandscape bowl(double scale = 1.0) {
    RunLandscape L;
    L.spec.directions = DirectionKind::Pca;
    L.explained[0] = 0.7;
    L.explained[1] = 0.2;
    L.centreStep = 500;
    L.gridSpec = {21, 21, -2, 2, -1.5, 1.5};
    L.splits = {"val"};
    L.grid = LandscapeGrid::empty(L.gridSpec, L.splits);
    for (int i = 0; i < 21; ++i)
        for (int j = 0; j < 21; ++j) {
            const double a = L.gridSpec.alpha(j), b = L.gridSpec.beta(i);
            L.grid.loss[0][std::size_t(i * 21 + j)] = scale * (1 + a * a + 2 * b * b);
            L.grid.accuracy[0][std::size_t(i * 21 + j)] = 0.5;
        }
    for (int k = 0; k <= 5; ++k) {
        const double t = 1.0 - k / 5.0;
        PathPoint p{k * 100, -1.8 * t * std::cos(3 * t), 1.2 * t * std::sin(3 * t), 0};
        p.surfaceLoss = L.grid.interpolateLoss(p.alpha, p.beta);
        L.path.push_back(p);
    }
    L.sharpness = 0.25 * scale;
    L.sharpnessRadius = 0.2;
    L.centreLoss = scale;
    return L;
}

QRectF plottedBounds(QCustomPlot* plot) {
    // The pixel rect of the data: the axis rect, where every cell of the map is drawn.
    return plot->axisRect()->rect();
}

TrainConfig tinyConfig() {
    return test::tinyTrainConfig(150);
}

} // namespace

class TestLandscapeViews : public QObject {
    Q_OBJECT

private slots:
    void contourMapShowsTheGridThePathAndIsoLines() {
        views::ContourChart chart;
        chart.resize(640, 480);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const RunLandscape L = bowl();
        chart.setLandscape(L);
        QVERIFY(chart.hasLandscape());
        QVERIFY(chart.hasHeatmap());
        QVERIFY(chart.contourCount() >= 8);
        QCOMPARE(chart.pathPoints(), 6);
        QVERIFY(chart.plot()->xAxis->label().contains(QStringLiteral("70.0%")));
        // Log colours: the scale runs over log10 of the loss.
        double lo = 0, hi = 0;
        chart.colorRange(&lo, &hi);
        QVERIFY(std::abs(lo - 0.0) < 1e-9);                          // log10(1)
        QVERIFY(std::abs(hi - std::log10(1 + 4 + 2 * 2.25)) < 1e-9); // the corner
        // One legend entry (the path: iso-lines and the map stay out of it) needs no legend.
        QCOMPARE(chart.plot()->legend->itemCount(), 1);
        QVERIFY(!chart.plot()->legend->visible());
        // Exports: PNG, SVG, CSV (the grid and the path; the iso-lines are derived and left out).
        QTemporaryDir dir;
        QVERIFY(chart.exportTo(dir.filePath("c.png"), 150));
        QCOMPARE(QImage(dir.filePath("c.png")).width(), 640 * 150 / 96);
        QVERIFY(chart.exportTo(dir.filePath("c.svg")));
        QVERIFY(QSvgRenderer(dir.filePath("c.svg")).isValid());
        const QString csv = chart.toCsv();
        QVERIFY(csv.contains(QStringLiteral("x,y,value")));
        QVERIFY(csv.contains(QStringLiteral("training path: ")));
        QVERIFY(!csv.contains(QStringLiteral("loss 1")));
        QCOMPARE(csv.count(QLatin1Char('\n')), 1 + 441 + 1 + 1 + 6);

        // Linear colours, and a fixed range for comparisons.
        views::ContourOptions o;
        o.logScale = false;
        o.colorLo = 0.5;
        o.colorHi = 20;
        chart.setLandscape(L, o);
        chart.colorRange(&lo, &hi);
        QCOMPARE(lo, 0.5);
        QCOMPARE(hi, 20.0);
        // A line landscape is not drawn as a map.
        RunLandscape line = L;
        line.gridSpec.rows = 1;
        chart.setLandscape(line);
        QVERIFY(!chart.hasLandscape());
    }

    void surfaceHoldsTheGridAndThePathOnIt() {
        views::SurfaceView view;
        const RunLandscape L = bowl();
        view.setLandscape(L);
        QSurfaceDataProxy* p = view.proxy();
        QCOMPARE(p->rowCount(), 21);
        QCOMPARE(p->columnCount(), 21);
        // Row i is β_i, column j is α_j, the height log10(loss).
        const QVector3D c = p->itemAt(10, 20)->position();
        QVERIFY(std::abs(c.x() - 2.0f) < 1e-6);
        QVERIFY(std::abs(c.z() - 0.0f) < 1e-6);
        QVERIFY(std::abs(c.y() - float(std::log10(5.0))) < 1e-5);
        QCOMPARE(view.pathMarkers().size(), 6);
        for (int k = 0; k < 6; ++k) {
            const QVector3D m = view.pathMarkers()[k];
            const double onSurface = L.grid.interpolateLoss(m.x(), m.z());
            QVERIFY(std::abs(m.y() - float(std::log10(onSurface))) < 1e-5);
        }
        QVERIFY(view.toCsv().startsWith(QStringLiteral("alpha,beta,loss\n")));
        QCOMPARE(view.toCsv().count(QLatin1Char('\n')), 442);
        QTemporaryDir dir;
        QVERIFY(view.exportTo(dir.filePath("s.csv")));
        QString error;
        QVERIFY(!view.exportTo(dir.filePath("s.pdf"), &error));
        QVERIFY(error.contains(QStringLiteral("PNG or CSV")));
    }

    void comparisonSharesOneColourScale() {
        views::LandscapeCompare cmp;
        cmp.resize(1000, 700);
        const RunLandscape memorised = bowl(4.0), grokked = bowl(0.5);
        cmp.setLandscapes(memorised, QStringLiteral("Memorised"), grokked,
                          QStringLiteral("Grokked"));
        double lo[2], hi[2], hlo[2], hhi[2];
        for (int s = 0; s < 2; ++s) {
            cmp.contour(s)->colorRange(&lo[s], &hi[s]);
            cmp.surface(s)->heightRange(&hlo[s], &hhi[s]);
        }
        QCOMPARE(lo[0], lo[1]);
        QCOMPARE(hi[0], hi[1]);
        QCOMPARE(hlo[0], hlo[1]);
        QCOMPARE(hhi[0], hhi[1]);
        QVERIFY(std::abs(lo[0] - std::log10(0.5)) < 1e-9);
        QVERIFY(std::abs(hi[0] - std::log10(4.0 * 9.5)) < 1e-9);
        QVERIFY(cmp.sharpnessLabel(0)->text().contains(QStringLiteral("sharpness 1")));
        QVERIFY(cmp.sharpnessLabel(1)->text().contains(QStringLiteral("sharpness 0.125")));
        QCOMPARE(cmp.contour(0)->title(), QStringLiteral("Memorised"));
    }

    void interpolationDrawsBothSplitsAlongTheLine() {
        RunLandscape L;
        L.spec.directions = DirectionKind::Line;
        L.spec.lineFrom = 0;
        L.spec.lineTo = 300;
        L.gridSpec = {13, 1, -0.25, 1.25, 0, 0};
        L.splits = {"train", "val"};
        L.grid = LandscapeGrid::empty(L.gridSpec, L.splits);
        for (int j = 0; j < 13; ++j) {
            const double a = L.gridSpec.alpha(j);
            L.grid.loss[0][std::size_t(j)] = 0.1 + (a - 1) * (a - 1);
            L.grid.loss[1][std::size_t(j)] = 1.0 + (a - 0.8) * (a - 0.8);
            L.grid.accuracy[0][std::size_t(j)] = L.grid.accuracy[1][std::size_t(j)] = 0;
        }
        L.path = {{0, 0, 0, 0}, {100, 0.4, 0, 0}, {300, 1, 0, 0}};
        views::InterpolationChart chart;
        chart.setLandscape(L);
        QVERIFY(chart.hasLine());
        QCOMPARE(chart.seriesCount(), 3); // train, validation, snapshots
        QCOMPARE(chart.plot()->graph(0)->dataCount(), 13);
        QCOMPARE(chart.plot()->graph(2)->dataCount(), 3);
        QVERIFY(chart.title().contains(QStringLiteral("step 300")));
        QVERIFY(chart.toCsv().contains(QStringLiteral("validation loss: ")));
        // The legend goes under the plot, outside the data.
        chart.resize(600, 400);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        chart.plot()->replot();
        QVERIFY(chart.plot()->legend->visible());
        QVERIFY(
            !chart.plot()->legend->outerRect().intersects(plottedBounds(chart.plot()).toRect()));
        QVERIFY(chart.plot()->legend->outerRect().top() >=
                chart.plot()->axisRect()->rect().bottom());
    }

    // The pane on a real run: compute, the cache, readable refusals, stop and resume.
    void labComputesReadsTheCacheAndStops() {
        QTemporaryDir root;
        qputenv("LLMLAB_RUNS_DIR", root.path().toUtf8());
        const QString runDir = root.filePath("tiny");
        CpuBackend cpu;
        TrainingOptions to;
        to.runDir = runDir.toStdString();
        runTraining(tinyConfig(), cpu, to);

        gui::JobRunner runner;
        gui::LandscapeLab lab(&runner);
        lab.resize(1280, 720);
        lab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&lab));
        QCOMPARE(lab.runBox()->count(), 1);
        QVERIFY(lab.centreBox()->count() >= 4); // 0, 50, 100, 150 (+ milestones)
        QVERIFY(lab.centreBox()->currentText().contains(QStringLiteral("150")));
        lab.directionsBox()->setCurrentIndex(1); // PCA
        QCOMPARE(lab.rangeBox()->value(), 0.0);  // fitted to the path
        lab.gridBox()->setValue(9);
        QVERIFY(lab.costText().contains(QStringLiteral("98 forward passes"))); // 81 + 17

        QSignalSpy shown(&lab, &gui::LandscapeLab::landscapeShown);
        lab.computeButton()->click();
        QVERIFY(shown.wait(120000));
        QVERIFY(lab.contour()->hasLandscape());
        QCOMPARE(lab.contour()->pathPoints(), lab.centreBox()->count());
        QVERIFY(lab.message().contains(QStringLiteral("forward passes")));
        QVERIFY(lab.costText().contains(QStringLiteral("ms a pass"))); // measured now
        QCOMPARE(lab.surface()->proxy()->rowCount(), 9);

        lab.computeButton()->click(); // the same again: from the cache
        QVERIFY(shown.wait(60000));
        QVERIFY(lab.message().startsWith(QStringLiteral("Read from the cache")));

        // The line between init and final shows on the interpolation tab.
        lab.directionsBox()->setCurrentIndex(2);
        lab.gridBox()->setValue(7);
        QCOMPARE(lab.splitBox()->currentIndex(), 2); // a line shows both splits by default
        lab.computeButton()->click();
        QVERIFY(shown.wait(60000));
        QVERIFY(lab.interpolation()->hasLine());
        QCOMPARE(lab.tabs()->currentIndex(), 2);
        QCOMPARE(lab.interpolation()->seriesCount(), 3);

        // This run has not grokked: the comparison says so in a sentence, nothing breaks.
        lab.directionsBox()->setCurrentIndex(1);
        QSignalSpy failed(&runner, &gui::JobRunner::jobFailed);
        lab.compareButton()->click();
        QVERIFY(failed.wait(60000));
        QVERIFY(lab.message().contains(QStringLiteral("has not grokked yet")));
        QVERIFY(lab.message().contains(runDir));

        // A large grid, stopped: a sentence says how to go on, and the points so far are kept.
        lab.directionsBox()->setCurrentIndex(0);
        lab.gridBox()->setValue(201);
        QSignalSpy progress(&runner, &gui::JobRunner::jobProgress);
        QSignalSpy cancelled(&runner, &gui::JobRunner::jobCancelled);
        lab.computeButton()->click();
        QVERIFY(progress.wait(60000));
        QTRY_VERIFY_WITH_TIMEOUT(lab.message().contains(QStringLiteral("left")), 30000); // ETA
        runner.cancelKind(gui::LandscapeLab::kKind);
        QVERIFY(cancelled.wait(60000));
        QVERIFY(lab.message().contains(QStringLiteral("Stopped")));
        QVERIFY(lab.computeButton()->isEnabled());
        const QStringList csvs = QDir(runDir + QStringLiteral("/landscapes"))
                                     .entryList({QStringLiteral("*.csv")}, QDir::Files);
        QCOMPARE(csvs.size(), 3);
        std::int64_t kept = 0; // the stopped 201 x 201 grid kept what it had computed
        for (const QString& f : csvs) {
            const RunLandscape g =
                readLandscape((runDir + QStringLiteral("/landscapes/") + f).toStdString());
            if (g.gridSpec.columns == 201) kept = g.grid.computedCount();
        }
        QVERIFY(kept > 0);
        qunsetenv("LLMLAB_RUNS_DIR");
    }

    void labOnAnOpenedModel() {
        const QString path =
            qEnvironmentVariable("LLMLAB_FIXTURES_DIR") + QStringLiteral("/gguf/stories260K.gguf");
        if (!QFileInfo::exists(path)) {
            if (qEnvironmentVariable("CI") == QLatin1String("true"))
                QFAIL("no stories260K fixture");
            QSKIP("no stories260K fixture");
        }
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path.toStdString(), &error);
        QVERIFY(model);
        gui::JobRunner runner;
        gui::LandscapeLab lab(&runner);
        lab.show();
        lab.sourceBox()->setCurrentIndex(1);
        QVERIFY(!lab.computeButton()->isEnabled()); // no model yet
        lab.setModel(model);
        QVERIFY(lab.computeButton()->isEnabled());
        QVERIFY(!lab.compareButton()->isEnabled());
        QVERIFY(!lab.tensorsEdit()->text().isEmpty());
        lab.tensorsEdit()->setText(QStringLiteral("blk\\.0\\.attn_"));
        lab.gridBox()->setValue(5);
        QVERIFY(lab.costText().contains(QStringLiteral("26 forward passes")));
        QSignalSpy shown(&lab, &gui::LandscapeLab::landscapeShown);
        QSignalSpy progress(&runner, &gui::JobRunner::jobProgress);
        lab.computeButton()->click();
        QVERIFY(shown.wait(120000));
        bool estimated = false; // the estimate comes before the grid
        for (const auto& args : progress)
            estimated = estimated || args.at(3).toString().contains(QStringLiteral("ms ≈"));
        QVERIFY(estimated);
        QVERIFY(lab.contour()->hasLandscape());
        QVERIFY(lab.contour()->title().contains(QStringLiteral("Loss on the text")));
        // q, k, v, output and attn_norm (chosen, but a 1-D gain: zero in the directions)
        QCOMPARE(lab.current().movedTensors.size(), std::size_t(5));
        // A pattern that picks nothing: one sentence naming the model.
        lab.tensorsEdit()->setText(QStringLiteral("nothing_here"));
        QSignalSpy failed(&runner, &gui::JobRunner::jobFailed);
        lab.computeButton()->click();
        QVERIFY(failed.wait(60000));
        QVERIFY(lab.message().contains(QStringLiteral("stories260K.gguf")));
    }

    void mainWindowHasTheLandscapeLab() {
        gui::MainWindow w;
        auto* tabs = w.findChild<QTabWidget*>(QStringLiteral("centreTabs"));
        QVERIFY(tabs);
        QVERIFY(w.landscapeLab());
        QCOMPARE(tabs->tabText(tabs->indexOf(w.landscapeLab())), QStringLiteral("Landscape lab"));
        // The tensor inspector still hides until a model is open.
        bool inspectorHidden = false;
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->tabText(i) == QStringLiteral("Tensor inspector"))
                inspectorHidden = !tabs->isTabVisible(i);
        QVERIFY(inspectorHidden);
    }
};

QTEST_MAIN(TestLandscapeViews)
#include "tst_landscape_views.moc"
