// The model browser offscreen: the layer tree (checked by QAbstractItemModelTester), search,
// the summary card's answers, tensor statistics and heatmaps computed on the worker, heatmap
// level of detail on a huge (sparse) tensor, a broken file, exports, and the Open dialog
// listing a model found in a fake Ollama store.
#include "ChartView.h"
#include "HeatmapPane.h"
#include "LayerTreeModel.h"
#include "LayerTreePane.h"
#include "MainWindow.h"
#include "ModelBrowser.h"
#include "ModelSummary.h"
#include "OpenModelDialog.h"
#include "ParamShareChart.h"
#include "cost/CostView.h"
#include "TensorInspector.h"
#include "TestSupport.h"
#include "analysis/TensorStats.h"

#include "formats/GgufWriter.h"
#include "formats/ModelFile.h"

#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTreeView>
#include <QTreeWidget>
#include <QtTest>

#include <functional>

#include <qcustomplot.h>

#include <filesystem>

using namespace llmlab;
using namespace llmlab::gui;
using namespace llmlab::views;
namespace fs = std::filesystem;

namespace {

constexpr int kTimeout = 60000; // ms: Vulkan start-up on lavapipe, debug builds

ModelSnapshot snapshotOf(const std::string& path) {
    std::string error;
    auto m = ModelFile::open(path, &error);
    if (!m) qFatal("%s", error.c_str());
    ModelSnapshot s;
    s.path = QString::fromStdString(path);
    s.displayName = QFileInfo(s.path).fileName();
    s.format = QStringLiteral("gguf");
    s.spec = m->spec();
    s.tensors = m->tensors();
    s.fileBytes = m->fileBytes();
    return s;
}

// Leaves (tensor rows) under `parent`, through any model (source or proxy).
int countLeaves(const QAbstractItemModel& model, const QModelIndex& parent = {}) {
    int n = 0;
    for (int r = 0; r < model.rowCount(parent); ++r) {
        const QModelIndex i = model.index(r, 0, parent);
        n += model.rowCount(i) == 0 && !i.data(LayerTreeModel::TensorNameRole).toString().isEmpty()
                 ? 1
                 : countLeaves(model, i);
    }
    return n;
}

int countBlocks(const QAbstractItemModel& model) {
    const QModelIndex root = model.index(0, 0);
    int n = 0;
    for (int r = 0; r < model.rowCount(root); ++r)
        n += model.index(r, 0, root).data().toString().startsWith(QLatin1String("blk.")) ? 1 : 0;
    return n;
}

QString answerOf(const std::vector<SummaryRow>& rows, const QString& question) {
    for (const SummaryRow& r : rows)
        if (r.question == question) return r.answer;
    return {};
}

void writeFile(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    QFile f(QString::fromStdString(p.string()));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text.data(), qint64(text.size()));
}

} // namespace

class TstModelBrowser : public QObject {
    Q_OBJECT

    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;

    ModelBrowser* browser() const { return m_window->modelBrowser(); }

    // One window for all the tests that need one (it starts a backend on the worker, which
    // takes a moment); each test opens the model it needs.
    void startWindow() {
        if (m_window) {
            QTRY_VERIFY_WITH_TIMEOUT(!m_window->runner()->busy(), kTimeout);
            return;
        }
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->devicesKnown() && !m_window->runner()->busy(), kTimeout);
    }
    void openAndWait(const std::string& path) {
        browser()->openModel(QString::fromStdString(path));
        QVERIFY(browser()->opening());
        QTRY_VERIFY_WITH_TIMEOUT(!browser()->opening(), kTimeout);
        QVERIFY2(browser()->lastError().isEmpty(), qPrintable(browser()->lastError()));
    }

private slots:
    void cleanupTestCase() { m_window.reset(); }

    void treeModel_data() {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("stories260K") << "gguf/stories260K.gguf";
        QTest::newRow("Q4_K") << "gguf/quant/random-256-Q4_K.gguf";
    }
    void treeModel() {
        QFETCH(QString, fixture);
        LLMLAB_REQUIRE_FIXTURE(fixture.toStdString(), path);
        const ModelSnapshot s = snapshotOf(path);
        LayerTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setModel(s);
        QCOMPARE(countBlocks(model), s.spec.layers);
        QCOMPARE(countLeaves(model), int(s.tensors.size()));
        // The root sums every tensor; each tensor row shows its shape and dtype.
        QCOMPARE(model.index(0, LayerTreeModel::ParamsColumn).data().toString(),
                 groupedCount(s.spec.totalParams));
        const QModelIndex q = model.indexOfTensor(QStringLiteral("blk.0.attn_q.weight"));
        QVERIFY(q.isValid());
        QCOMPARE(q.parent().data().toString(), QStringLiteral("attention"));
        QCOMPARE(q.parent().parent().data().toString(), QStringLiteral("blk.0"));
        QVERIFY(!q.siblingAtColumn(LayerTreeModel::ShapeColumn).data().toString().isEmpty());
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        model.setModel(s); // the tester checks the reset signals once more
    }

    void storiesHasFiveBlocksAndSearchFilters() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LayerTreePane pane;
        QAbstractItemModelTester tester(pane.proxy(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const ModelSnapshot s = snapshotOf(path);
        pane.setModel(s);
        QCOMPARE(countBlocks(*pane.proxy()), 5);
        QCOMPARE(countLeaves(*pane.proxy()), int(s.tensors.size()));
        // Recursive filtering: the five blocks stay, each with its one query matrix.
        pane.searchBox()->setText(QStringLiteral("ATTN_Q"));
        QCOMPARE(countBlocks(*pane.proxy()), 5);
        QCOMPARE(countLeaves(*pane.proxy()), 5);
        pane.searchBox()->setText(QStringLiteral("blk.3."));
        QCOMPARE(countBlocks(*pane.proxy()), 1);
        pane.searchBox()->setText(QStringLiteral("no tensor is called this"));
        QCOMPARE(pane.proxy()->rowCount(), 0);
        pane.searchBox()->clear();
        QCOMPARE(countLeaves(*pane.proxy()), int(s.tensors.size()));
        // Selecting a row names its tensor.
        QSignalSpy selected(&pane, &LayerTreePane::tensorSelected);
        QVERIFY(pane.selectTensor(QStringLiteral("blk.2.ffn_up.weight")));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toString(), QStringLiteral("blk.2.ffn_up.weight"));
    }

    // Names stay readable: elided in the middle when narrow, whole in the tooltip, and the
    // dock opens as wide as the model's names need.
    void layerNamesStayReadable() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LayerTreePane pane;
        pane.setModel(snapshotOf(path));
        QCOMPARE(pane.view()->textElideMode(), Qt::ElideMiddle);
        QVERIFY(pane.selectTensor(QStringLiteral("blk.2.attn_output.weight")));
        const QModelIndex current = pane.view()->currentIndex();
        QCOMPARE(current.siblingAtColumn(0).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("blk.2.attn_output.weight"));
        const QModelIndex group = current.parent();
        QCOMPARE(group.data(Qt::ToolTipRole).toString(), group.data().toString());
        // Wide enough for the longest name beside shape, dtype, parameters and bytes.
        const QFontMetrics fm(pane.view()->font());
        QVERIFY(pane.preferredWidth() > fm.horizontalAdvance(QStringLiteral("attn_output.weight")) +
                                            pane.view()->header()->sectionSizeHint(1));
        pane.resize(pane.preferredWidth(), 400);
        pane.show();
        QVERIFY(QTest::qWaitForWindowExposed(&pane));
        pane.view()->expandAll();
        // At the preferred width the name column holds the longest label unelided.
        int widest = 0;
        std::function<void(const QModelIndex&, int)> walk = [&](const QModelIndex& p, int depth) {
            for (int r = 0; r < pane.proxy()->rowCount(p); ++r) {
                const QModelIndex i = pane.proxy()->index(r, 0, p);
                QFont f = pane.view()->font();
                if (const QVariant v = i.data(Qt::FontRole); v.isValid()) f = v.value<QFont>();
                widest = std::max(widest, QFontMetrics(f).horizontalAdvance(i.data().toString()) +
                                              (depth + 1) * pane.view()->indentation());
                walk(i, depth + 1);
            }
        };
        walk({}, 0);
        QVERIFY2(pane.view()->columnWidth(0) >= widest,
                 qPrintable(QString("%1 < %2").arg(pane.view()->columnWidth(0)).arg(widest)));
    }

    // A tensor whose values are all one number gets one bar at that number, said in words,
    // not 64 empty bins over 0..64.
    void constantTensorHistogram() {
        TensorInspector inspector;
        TensorInfo info;
        info.name = "blk.0.ffn_up.bias";
        info.shape = Shape{8, 8};
        inspector.setTensor(info, 8, 8);
        TensorStats s;
        s.count = s.finite = s.zeros = 64;
        s.rows = s.cols = 8;
        s.zeroFraction = 1;
        s.histogram.assign(64, 0);
        s.histogram[0] = 64;
        s.rowNorms.assign(8, 0.0f);
        inspector.setStats(s);
        ChartView* h = inspector.histogramChart();
        QVERIFY(h->title().contains(QStringLiteral("all values = 0")));
        QCOMPARE(h->plot()->graph(0)->dataCount(), 1);
        const QCPRange x = h->plot()->xAxis->range();
        QVERIFY(x.contains(0) && x.size() <= 2.0);
        QCOMPARE(h->plot()->yAxis->range().lower, 0.0);
    }

    void summaryAnswersTheAnatomyQuestions() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const auto rows = summaryRows(snapshotOf(path));
        QCOMPARE(answerOf(rows, QStringLiteral("Layers")), QStringLiteral("5 transformer blocks"));
        QCOMPARE(answerOf(rows, QStringLiteral("Hidden size")), QStringLiteral("64"));
        const QString heads = answerOf(rows, QStringLiteral("Heads"));
        QVERIFY2(heads.startsWith(QStringLiteral("8 query heads, 4 key/value heads")),
                 qPrintable(heads));
        QVERIFY(heads.contains(QStringLiteral("grouped-query attention, 2 query heads per KV")));
        QCOMPARE(answerOf(rows, QStringLiteral("FFN width")), QStringLiteral("172"));
        QVERIFY(
            answerOf(rows, QStringLiteral("Normalization")).startsWith(QStringLiteral("RMSNorm")));
        QCOMPARE(answerOf(rows, QStringLiteral("Activation")), QStringLiteral("SwiGLU"));
        QVERIFY2(answerOf(rows, QStringLiteral("Positions"))
                     .startsWith(QStringLiteral("RoPE, θ = 10000")),
                 qPrintable(answerOf(rows, QStringLiteral("Positions"))));
        QVERIFY(answerOf(rows, QStringLiteral("Parameters")).contains(QStringLiteral("292,800")));
        QVERIFY(answerOf(rows, QStringLiteral("Bytes per dtype")).contains(QStringLiteral("F32")));
    }

    // The Memory and FLOPs pane follows the opened model and its own settings; a LoRA pattern
    // that is not a regular expression says so and keeps the last figures.
    void costPaneFollowsTheModel() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        startWindow();
        openAndWait(path);
        views::CostView* cost = browser()->costView();
        QVERIFY(cost);
        QCOMPARE(cost->report().params, std::int64_t(292800));
        QCOMPARE(cost->report().weights.front().bytes, 4.0 * 292800);
        const std::int64_t rank16 = cost->report().loraParams;
        cost->loraRankBox()->setValue(8);
        QCOMPARE(cost->report().loraParams * 2, rank16);
        const double kv = cost->report().kvCacheBytes;
        cost->contextBox()->setValue(cost->contextBox()->value() * 2);
        QCOMPARE(cost->report().kvCacheBytes, 2 * kv);
        cost->targetsEdit()->setText(QStringLiteral("attn_(q"));
        emit cost->targetsEdit()->editingFinished();
        QCOMPARE(cost->report().loraParams * 2, rank16); // kept
        QVERIFY(cost->text().contains(QStringLiteral("KV cache")));
        QTemporaryDir dir;
        QString error;
        QVERIFY2(cost->exportCsv(dir.filePath("cost.csv"), &error), qPrintable(error));
        QFile csv(dir.filePath("cost.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QByteArray text = csv.readAll();
        QVERIFY(text.startsWith("section,what,value,exact,how"));
        QVERIFY(text.contains("QLoRA 4"));
        QVERIFY(text.count('\n') > 20);
    }

    void selectingATensorFillsTheInspector() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        startWindow();
        openAndWait(path);
        QCOMPARE(browser()->snapshot().spec.layers, 5);
        QVERIFY(browser()->summaryCard()->plainText().contains(QStringLiteral("292,800")));
        QVERIFY(browser()->shareChart()->totalsChart()->seriesCount() >= 5);
        QCOMPARE(browser()->shareChart()->perLayerChart()->seriesCount(), 3);

        TensorInspector* inspector = browser()->inspector();
        QVERIFY(browser()->selectTensor(QStringLiteral("blk.1.ffn_gate.weight")));
        QCOMPARE(inspector->tensorName(), QStringLiteral("blk.1.ffn_gate.weight"));
        QTRY_VERIFY_WITH_TIMEOUT(inspector->hasStats(), kTimeout);
        QVERIFY2(inspector->statsText().contains(QStringLiteral("std")),
                 qPrintable(inspector->statsText()));
        QCOMPARE(inspector->histogramChart()->seriesCount(), 1);
        QCOMPARE(inspector->rowNormChart()->seriesCount(), 1);
        HeatmapPane* heat = inspector->heatmapPane();
        QTRY_VERIFY_WITH_TIMEOUT(heat->heatmap().cellsX > 0, kTimeout);
        // [172, 64] fits the cell budget: one value per cell.
        QCOMPARE(heat->heatmap().cellsY, 172);
        QCOMPARE(heat->heatmap().cellsX, 64);
        QVERIFY(heat->chart()->hasHeatmap());
        QVERIFY2(heat->blockText().startsWith(QStringLiteral("each cell = 1 value")),
                 qPrintable(heat->blockText()));

        // A quantized model dequantizes for the view.
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-Q4_K.gguf", quant);
        openAndWait(quant);
        QVERIFY(!inspector->hasStats()); // the old tensor's numbers are gone
        QVERIFY(browser()->selectTensor(QStringLiteral("blk.0.ffn_down.weight")));
        QTRY_VERIFY_WITH_TIMEOUT(inspector->hasStats() && heat->heatmap().cellsX > 0, kTimeout);
        QVERIFY(heat->heatmap().maxValue > heat->heatmap().minValue);
    }

    void heatmapLevelOfDetail() {
        // A [151936, 896] F32 embedding (Qwen2.5-0.5B's) as a hole in a sparse file: ~545 MB
        // that read as zeros and take no disk.
        QVERIFY(m_dir.isValid());
        GgufWriter w;
        w.addMetadata("general.architecture", MetaValue::string("qwen2"));
        w.addMetadata("qwen2.block_count", MetaValue::integer(MetaType::UInt32, 0));
        w.addMetadata("qwen2.embedding_length", MetaValue::integer(MetaType::UInt32, 896));
        w.addTensor("token_embd.weight", DType::F32, Shape{151936, 896}, nullptr);
        const std::string path = m_dir.filePath(QStringLiteral("huge.gguf")).toStdString();
        std::string error;
        QVERIFY2(w.write(path, &error), error.c_str());

        startWindow();
        openAndWait(path);
        HeatmapPane* heat = browser()->inspector()->heatmapPane();
        QVERIFY(browser()->selectTensor(QStringLiteral("token_embd.weight")));
        QTRY_VERIFY_WITH_TIMEOUT(heat->heatmap().cellsX > 0, kTimeout);
        // The statistics of 136M values are not what this test is about: drop them.
        m_window->runner()->cancelKind(QStringLiteral("model.stats"));
        const Heatmap& full = heat->heatmap();
        QVERIFY(full.cellsY <= 1024 && full.cellsX <= 1024);
        QCOMPARE(full.blockRows, std::int64_t(149)); // ceil(151936 / 1024)
        QCOMPARE(full.blockCols, std::int64_t(1));
        QVERIFY(heat->blockText().startsWith(QStringLiteral("each cell = 149×1 values, max |x|")));
        // Zooming asks for a finer grid of the smaller window, down to one value per cell.
        for (int i = 0; i < 8; ++i) heat->zoomIn();
        QVERIFY(heat->navigator().viewport().rows <= 1024);
        QTRY_VERIFY_WITH_TIMEOUT(heat->heatmap().viewport.rows == heat->navigator().viewport().rows,
                                 kTimeout);
        QCOMPARE(heat->heatmap().blockRows, std::int64_t(1));
        QCOMPARE(heat->heatmap().blockCols, std::int64_t(1));
        QVERIFY(heat->blockText().startsWith(QStringLiteral("each cell = 1 value")));
        // Moving the axes (as a drag or the wheel does) asks for the window they show.
        QCustomPlot* plot = heat->chart()->plot();
        plot->xAxis->setRange(100, 300);
        plot->yAxis->setRange(5000, 7000);
        QTRY_VERIFY_WITH_TIMEOUT(heat->heatmap().viewport.row0 == 5000 &&
                                     heat->heatmap().viewport.col0 == 100,
                                 kTimeout);
        QCOMPARE(heat->heatmap().viewport.rows, std::int64_t(2000));
        QCOMPARE(heat->heatmap().blockRows, std::int64_t(2)); // ceil(2000 / 1024)
        heat->resetView();
        QTRY_VERIFY_WITH_TIMEOUT(heat->heatmap().blockRows == 149, kTimeout);
    }

    void brokenFileKeepsThePreviousModel() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        startWindow();
        openAndWait(path);
        const QString broken = m_dir.filePath(QStringLiteral("broken-model.gguf"));
        {
            QFile f(broken);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("GGUF\x03\x00\x00\x00\x17garbage", 16);
        }
        QSignalSpy failed(browser(), &ModelBrowser::openFailed);
        browser()->openModel(broken);
        QTRY_VERIFY_WITH_TIMEOUT(!browser()->opening(), kTimeout);
        QCOMPARE(failed.count(), 1);
        const QString message = browser()->lastError();
        qInfo("open error shown: %s", qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("broken-model.gguf")), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message)); // one sentence
        QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("broken-model")));
        auto* box = m_window->findChild<QWidget*>(QStringLiteral("openErrorBox"));
        QVERIFY(box && box->isVisible());
        box->close();
        // Still the previous model, still usable.
        QVERIFY(browser()->hasModel());
        QCOMPARE(browser()->snapshot().displayName, QStringLiteral("stories260K.gguf"));
        QVERIFY(browser()->selectTensor(QStringLiteral("token_embd.weight")));
        QTRY_VERIFY_WITH_TIMEOUT(browser()->inspector()->hasStats(), kTimeout);
    }

    void chartsExport() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        startWindow();
        openAndWait(path);
        TensorInspector* inspector = browser()->inspector();
        QVERIFY(browser()->selectTensor(QStringLiteral("token_embd.weight")));
        QTRY_VERIFY_WITH_TIMEOUT(
            inspector->hasStats() && inspector->heatmapPane()->heatmap().cellsX > 0, kTimeout);
        const std::pair<const char*, ChartView*> charts[] = {
            {"histogram", inspector->histogramChart()},
            {"rownorms", inspector->rowNormChart()},
            {"heatmap", inspector->heatmapPane()->chart()},
            {"share", browser()->shareChart()->totalsChart()},
            {"perlayer", browser()->shareChart()->perLayerChart()},
        };
        for (const auto& [name, chart] : charts) {
            const QString base = m_dir.filePath(QString::fromLatin1(name));
            QString error;
            QVERIFY2(chart->exportTo(base + ".png", 150, &error), qPrintable(error));
            QImage png(base + ".png");
            QVERIFY2(!png.isNull() && png.width() > 100, name);
            QVERIFY2(chart->exportTo(base + ".svg", 96, &error), qPrintable(error));
            QVERIFY2(QSvgRenderer(base + ".svg").isValid(), name);
            QVERIFY2(chart->exportTo(base + ".pdf", 96, &error), qPrintable(error));
            QFile pdf(base + ".pdf");
            QVERIFY(pdf.open(QIODevice::ReadOnly));
            QVERIFY2(pdf.read(5) == "%PDF-", name);
            QVERIFY2(chart->exportTo(base + ".csv", 96, &error), qPrintable(error));
            QFile csv(base + ".csv");
            QVERIFY(csv.open(QIODevice::ReadOnly));
            const QByteArray text = csv.readAll();
            QVERIFY2(text.count('\n') >= 2 && text.contains(','), name);
        }
    }

    void openDialogListsOllamaModels() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", gguf);
        // A fake HOME with an Ollama store: a manifest naming a blob copied from the fixture.
        QTemporaryDir home;
        const QByteArray oldHome = qgetenv("HOME");
        qputenv("HOME", home.path().toLocal8Bit());
        for (const char* v : {"OLLAMA_MODELS", "HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"})
            qunsetenv(v);
        const fs::path store = fs::path(home.path().toStdString()) / ".ollama" / "models";
        QFile f(QString::fromStdString(gguf));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const std::string hex =
            QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex().toStdString();
        fs::create_directories(store / "blobs");
        fs::copy_file(gguf, store / "blobs" / ("sha256-" + hex));
        writeFile(store / "manifests" / "registry.ollama.ai" / "library" / "stories" / "260k",
                  R"({"schemaVersion":2,"layers":[{"mediaType":"application/vnd.ollama.image.)"
                  R"(model","digest":"sha256:)" +
                      hex + R"(","size":1185376}]})");

        startWindow();
        OpenModelDialog* dialog = m_window->showOpenModelDialog();
        QTRY_VERIFY_WITH_TIMEOUT(dialog->listed(), kTimeout);
        qputenv("HOME", oldHome);
        const QString blob = dialog->pathOf(QStringLiteral("stories:260k"));
        QVERIFY2(!blob.isEmpty(), "the Ollama model is listed by its human name");
        QVERIFY(blob.contains(QStringLiteral("sha256-")));
        // Opening it from the dialog opens it in the browser.
        QSignalSpy opened(browser(), &ModelBrowser::modelOpened);
        dialog->modelList()->setCurrentItem(dialog->modelList()->topLevelItem(0));
        emit dialog->modelChosen(blob);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, kTimeout);
        QCOMPARE(browser()->snapshot().spec.layers, 5);
        dialog->close();
    }
};

QTEST_MAIN(TstModelBrowser)
#include "tst_model_browser.moc"
