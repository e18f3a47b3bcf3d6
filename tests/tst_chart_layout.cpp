// The chart base's layout rules, checked on every chart type with real data at laptop sizes:
// the legend never covers the plotted data, tick labels do not overlap, and marker labels stay
// inside the plot. (A chart from each lab: grokking curves and snapshots, the backend check's
// throughput, the parameter share, the prompt lab's next-token and positional charts, the
// landscape lab's contour map and interpolation.)
#include "BackendCheckPane.h"
#include "ChartLayout.h"
#include "ContourChart.h"
#include "CurvesChart.h"
#include "GrokkingCharts.h"
#include "InterpolationChart.h"
#include "JobRunner.h"
#include "LayoutChecks.h"
#include "ModelSnapshot.h"
#include "ParamShareChart.h"
#include "PositionalView.h"
#include "PromptCharts.h"
#include "TestSupport.h"
#include "TestTraining.h"
#include "cpu/CpuBackend.h"
#include "formats/ModelFile.h"
#include "landscape/RunLandscape.h"
#include "train/TrainingRun.h"

#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include <cmath>
#include <functional>

using namespace llmlab;
using views::ChartView;

namespace {

// What every chart must satisfy once laid out at `size`.
void checkLayout(ChartView* chart, const QString& what) {
    // LLMLAB_LAYOUT_SHOTS=DIR keeps a picture of every chart checked, to look at by eye.
    const QStringList problems = test::chartLayoutProblems(chart, what);
    if (const QString shots = qEnvironmentVariable("LLMLAB_LAYOUT_SHOTS"); !shots.isEmpty()) {
        static int n = 0;
        chart->plot()->grab().save(QStringLiteral("%1/%2-%3.png")
                                       .arg(shots)
                                       .arg(n++, 3, 10, QLatin1Char('0'))
                                       .arg(what.left(12)));
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("; "))));
}

void atSizes(QWidget* widget, const std::function<void()>& check,
             std::initializer_list<QSize> sizes = {QSize(420, 260), QSize(300, 220),
                                                   QSize(640, 400)}) {
    // By default a chart's pane in a 1280×720 window, a narrow one, one in a 1600×1000 window.
    for (QSize size : sizes) {
        widget->resize(size);
        widget->show();
        QVERIFY(QTest::qWaitForWindowExposed(widget));
        check();
    }
}

} // namespace

class TestChartLayout : public QObject {
    Q_OBJECT

private slots:
    void grokkingCharts() {
        // A real run: the quick preset on a small modulus, memorising and (partly) generalising.
        const TrainConfig c = test::tinyTrainConfig(600);
        CpuBackend cpu;
        std::vector<TrainMetrics> rows;
        TrainingOptions o;
        o.onMetrics = [&](const TrainMetrics& m) { rows.push_back(m); };
        std::vector<double> spectrum;
        AttentionAtEquals attention;
        o.onSnapshot = [&](const Trainer& t) {
            spectrum = t.embeddingSpectrum();
            attention = t.attentionAtEquals();
        };
        runTraining(c, cpu, o);
        views::GrokkingCharts charts;
        charts.startRun(QStringLiteral("wd 1 (current)"));
        for (const TrainMetrics& m : rows) charts.addMetrics(m);
        std::vector<TrainMetrics> other = rows;
        for (TrainMetrics& m : other) m.valAcc *= 0.5;
        charts.setOverlays({{QStringLiteral("wd 0.3"), other}});
        charts.setSnapshot(spectrum, attention);
        for (bool log : {false, true}) {
            charts.setLogSteps(log);
            charts.refreshNow();
            // The five charts together: the lab's chart area at 1280×720 and at 1600×1000.
            atSizes(&charts,
                    [&] {
                        for (ChartView* chart : charts.charts())
                            checkLayout(chart, log ? QStringLiteral("grokking, log steps")
                                                   : QStringLiteral("grokking"));
                    },
                    {QSize(900, 460), QSize(1250, 700)});
        }
        QVERIFY(charts.lossChart()->markerCount() >= 1); // "memorised" is among the labels checked
    }

    void backendCheckThroughput() {
        gui::JobRunner runner;
        gui::BackendCheckPane pane(&runner);
        gui::BenchSnapshot snap;
        for (int n : {64, 128, 256, 512, 1024})
            for (const char* b : {"eigen", "cpu", "vulkan"})
                snap.results.push_back(
                    {b, "device", n, 1e-3, b[0] == 'v' ? 2.5 : 280.0 + n / 10.0});
        pane.showBench(snap);
        atSizes(&pane, [&] { checkLayout(pane.benchChart(), QStringLiteral("bench")); },
                {QSize(700, 260), QSize(1250, 320)});
    }

    void parameterShare() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        auto model = ModelFile::open(path, &error);
        QVERIFY(model);
        views::ModelSnapshot snap;
        snap.path = QString::fromStdString(path);
        snap.displayName = QStringLiteral("stories260K.gguf");
        snap.format = QStringLiteral("gguf");
        snap.spec = model->spec();
        snap.tensors = model->tensors();
        snap.fileBytes = model->fileBytes();
        views::ParamShareChart chart;
        chart.setModel(snap);
        // Two charts stacked: the browser's dock at 1280×720 and at 1600×1000.
        atSizes(&chart,
                [&] {
                    checkLayout(chart.totalsChart(), QStringLiteral("parameter share"));
                    checkLayout(chart.perLayerChart(), QStringLiteral("parameter share per layer"));
                },
                {QSize(320, 440), QSize(420, 600)});
    }

    void promptCharts() {
        views::NextTokenChart next;
        std::vector<views::NextTokenEntry> entries;
        std::vector<double> sampled;
        for (int i = 0; i < 20; ++i) {
            entries.push_back({i, QStringLiteral(" token%1").arg(i), std::pow(0.6, i)});
            sampled.push_back(std::pow(0.5, i));
        }
        next.setEntries(entries, sampled);
        atSizes(&next, [&] { checkLayout(&next, QStringLiteral("next token")); });

        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        views::PositionalView positions;
        positions.setModel(model);
        positions.refresh();
        // Five charts in the prompt lab's tab at 1280×720 and at 1600×1000.
        atSizes(&positions,
                [&] {
                    for (ChartView* c : {positions.encodingChart(), positions.curvesChart(),
                                         positions.similarityChart(), positions.modelCurveChart(),
                                         positions.modelMapChart()})
                        checkLayout(c, QStringLiteral("positions"));
                },
                {QSize(900, 520), QSize(1250, 760)});
    }

    void landscapeCharts() {
        // The landscape of a real (short) run, with its path and labels.
        QTemporaryDir dir;
        const TrainConfig c = test::tinyTrainConfig(200);
        CpuBackend cpu;
        TrainingOptions o;
        o.runDir = dir.filePath("run").toStdString();
        runTraining(c, cpu, o);
        LandscapeSpec spec;
        spec.directions = DirectionKind::Pca;
        spec.grid = 9;
        spec.range = 0;
        const RunLandscape L = computeRunLandscape(o.runDir, spec, cpu, {});
        views::ContourChart contour;
        contour.setLandscape(L);
        atSizes(&contour, [&] { checkLayout(&contour, QStringLiteral("contour")); });
        spec.directions = DirectionKind::Line;
        spec.split = LandscapeSplit::Both;
        const RunLandscape line = computeRunLandscape(o.runDir, spec, cpu, {});
        views::InterpolationChart interp;
        interp.setLandscape(line);
        atSizes(&interp, [&] { checkLayout(&interp, QStringLiteral("interpolation")); });
    }
};

QTEST_MAIN(TestChartLayout)
#include "tst_chart_layout.moc"
