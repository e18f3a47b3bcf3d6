#include "ModelBrowser.h"

#include "JobRunner.h"
#include "LayerTreeModel.h"
#include "LayerTreePane.h"
#include "ModelBrowserJobs.h"
#include "ModelSummary.h"
#include "ParamShareChart.h"
#include "cost/CostView.h"
#include "TensorInspector.h"

#include <QDockWidget>

#include <QFileInfo>
#include <QMainWindow>
#include <QMessageBox>
#include <QScrollArea>
#include <QStatusBar>
#include <QTimer>
#include <algorithm>

namespace llmlab::gui {

namespace {
const QString kOpenKind = QStringLiteral("model.open");
const QString kStatsKind = QStringLiteral("model.stats");
const QString kHeatmapKind = QStringLiteral("model.heatmap");
} // namespace

ModelBrowser::ModelBrowser(JobRunner* runner, QMainWindow* window)
    : QObject(window), m_runner(runner), m_window(window) {
    qRegisterMetaType<OpenedModel>();
    qRegisterMetaType<TensorStatsResult>();
    qRegisterMetaType<HeatmapResult>();
    createDocks(window);
    connect(m_runner, &JobRunner::jobFinished, this, &ModelBrowser::jobFinished);
    connect(m_runner, &JobRunner::jobFailed, this, &ModelBrowser::jobFailed);
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString& kind) {
        if (kind != kOpenKind || id != m_openJob) return;
        m_openJob = 0;
        m_window->statusBar()->showMessage(tr("Opening cancelled"), 5000);
    });
    connect(m_tree, &views::LayerTreePane::tensorSelected, this, &ModelBrowser::showTensor);
    connect(m_inspector, &views::TensorInspector::heatmapRequested, this,
            &ModelBrowser::requestHeatmap);
}

ModelBrowser::~ModelBrowser() = default;

void ModelBrowser::createDocks(QMainWindow* window) {
    auto dock = [&](const QString& title, const QString& name, QWidget* widget) {
        auto* d = new QDockWidget(title, window);
        d->setObjectName(name);
        d->setWidget(widget);
        return d;
    };
    m_tree = new views::LayerTreePane(window);
    m_summary = new views::SummaryCard(window);
    m_share = new views::ParamShareChart(window);
    m_inspector = new views::TensorInspector(window);
    auto* summaryScroll = new QScrollArea(window);
    summaryScroll->setWidget(m_summary);
    summaryScroll->setWidgetResizable(true);
    m_treeDock = dock(tr("Layers"), QStringLiteral("layerTreeDock"), m_tree);
    m_summaryDock = dock(tr("Summary"), QStringLiteral("modelSummaryDock"), summaryScroll);
    auto* shareScroll = new QScrollArea(window);
    shareScroll->setWidget(m_share);
    shareScroll->setWidgetResizable(true);
    shareScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_shareDock = dock(tr("Parameter share"), QStringLiteral("paramShareDock"), shareScroll);
    m_inspector->setObjectName(QStringLiteral("tensorInspector"));
    // Tree and summary on the left (what is there); the inspector is a tab of the window's
    // centre (MainWindow puts it there), where there is room for a heatmap: as a dock under
    // the labs it pushed the window past the height of a laptop screen.
    window->addDockWidget(Qt::LeftDockWidgetArea, m_treeDock);
    window->addDockWidget(Qt::LeftDockWidgetArea, m_summaryDock);
    window->tabifyDockWidget(m_summaryDock, m_shareDock);
    m_cost = new views::CostView(window);
    auto* costScroll = new QScrollArea(window);
    costScroll->setWidget(m_cost);
    costScroll->setWidgetResizable(true);
    m_costDock = dock(tr("Cost"), QStringLiteral("costDock"), costScroll);
    window->tabifyDockWidget(m_summaryDock, m_costDock);
    m_summaryDock->raise();
    // The tree is a tall view: give the left column the window's full height.
    window->setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
}

QList<QDockWidget*> ModelBrowser::docks() const {
    return {m_treeDock, m_summaryDock, m_shareDock, m_costDock};
}

void ModelBrowser::openModel(const QString& path) {
    m_openJob = m_runner->submit(kOpenKind, tr("Opening %1").arg(QFileInfo(path).fileName()),
                                 makeOpenModelJob(path));
}

bool ModelBrowser::selectTensor(const QString& name) {
    return m_tree->selectTensor(name);
}

void ModelBrowser::showTensor(const QString& name) {
    if (!m_model) return;
    const TensorInfo* info = m_model->find(name.toStdString());
    if (!info) return;
    const auto [rows, cols] = matrixShape(info->shape);
    // The heatmap request comes out of setTensor first: the picture matters more than the
    // numbers, and the worker runs jobs in order.
    m_inspector->setTensor(*info, rows, cols);
    emit tensorShown(name);
    m_runner->submit(kStatsKind, tr("Statistics of %1").arg(name),
                     makeTensorStatsJob(m_model, name, m_generation));
}

void ModelBrowser::requestHeatmap(const HeatmapViewport& viewport, HeatmapMode mode, int maxCells) {
    if (!m_model || m_inspector->tensorName().isEmpty()) return;
    m_runner->submit(
        kHeatmapKind, tr("Heatmap of %1").arg(m_inspector->tensorName()),
        makeHeatmapJob(m_model, m_inspector->tensorName(), viewport, mode, maxCells, m_generation));
}

void ModelBrowser::jobFinished(quint64 id, const QString& kind, const QVariant& result) {
    if (kind == kOpenKind && result.canConvert<OpenedModel>()) {
        if (id != m_openJob) return;
        m_openJob = 0;
        auto opened = result.value<OpenedModel>();
        // Stale statistics or heatmaps of the previous model must not land on this one.
        m_runner->cancelKind(kStatsKind);
        m_runner->cancelKind(kHeatmapKind);
        ++m_generation;
        m_model = std::move(opened.file);
        m_snapshot = std::move(opened.snapshot);
        m_lastError.clear();
        m_inspector->clear();
        m_tree->setModel(m_snapshot);
        m_summary->setModel(m_snapshot);
        m_share->setModel(m_snapshot);
        m_cost->setModel(m_snapshot);
        m_treeDock->show();
        if (m_generation == 1) {
            // First model: make room for the browser (later the person's layout is kept),
            // once the docks have been laid out, or the sizes are not applied.
            QTimer::singleShot(0, this, [this] {
                // As wide as the model's names need, up to 45% of the window.
                const int wanted = std::clamp(m_tree->preferredWidth(), 300,
                                              std::max(300, m_window->width() * 45 / 100));
                m_window->resizeDocks({m_treeDock}, {wanted}, Qt::Horizontal);
                m_window->resizeDocks({m_treeDock, m_summaryDock}, {520, 480}, Qt::Vertical);
                // The window (MainWindow) comes back to these sizes after being made smaller.
                QMetaObject::invokeMethod(m_window, "rememberDockSizes");
            });
        }
        m_window->setWindowTitle(tr("%1 — llmlab").arg(m_snapshot.displayName));
        m_window->statusBar()->showMessage(views::summaryHeadline(m_snapshot), 10000);
        emit modelOpened(m_snapshot.displayName);
    } else if (kind == kStatsKind && result.canConvert<TensorStatsResult>()) {
        const auto r = result.value<TensorStatsResult>();
        if (r.generation == m_generation && r.tensor == m_inspector->tensorName())
            m_inspector->setStats(r.stats);
    } else if (kind == kHeatmapKind && result.canConvert<HeatmapResult>()) {
        const auto r = result.value<HeatmapResult>();
        if (r.generation == m_generation && r.tensor == m_inspector->tensorName())
            m_inspector->setHeatmap(r.map);
    }
}

void ModelBrowser::jobFailed(quint64 id, const QString& kind, const QString& message) {
    if (kind == kOpenKind && id == m_openJob) {
        m_openJob = 0;
        // The engine's sentence already names the file; the previous model stays open.
        m_lastError = message;
        m_window->statusBar()->showMessage(message, 20000);
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot open the model"), message,
                                    QMessageBox::Ok, m_window);
        box->setObjectName(QStringLiteral("openErrorBox"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open(); // not exec(): the window keeps running behind it
        emit openFailed(message);
    } else if (kind == kStatsKind) {
        m_inspector->setStatsError(message);
    }
}

} // namespace llmlab::gui
