// The model browser: opens a model on the worker and shows it in four docks — the layer tree,
// the summary card, the parameter share chart and the tensor inspector.
#pragma once

#include "ModelSnapshot.h"
#include "analysis/Heatmap.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QDockWidget;
class QMainWindow;

namespace llmlab {
class ModelFile;
}

namespace llmlab::views {
class LayerTreePane;
class ParamShareChart;
class CostView;
class SummaryCard;
class TensorInspector;
} // namespace llmlab::views

namespace llmlab::gui {

class JobRunner;

/// Owns the opened model (shared with the jobs that read it) and wires the views to the
/// worker: selecting a tensor asks for its statistics and heatmap; a newer request replaces a
/// stale one. A model that fails to open leaves the previous one in place.
class ModelBrowser : public QObject {
    Q_OBJECT
public:
    /// Adds the docks to `window`.
    ModelBrowser(JobRunner* runner, QMainWindow* window);
    ~ModelBrowser() override;

    bool hasModel() const { return m_model != nullptr; }
    const views::ModelSnapshot& snapshot() const { return m_snapshot; }
    /// The opened model (null before one opens), shared read-only with other panes.
    std::shared_ptr<const ModelFile> model() const { return m_model; }
    /// The last open error (one sentence naming the file), empty after a successful open.
    QString lastError() const { return m_lastError; }
    /// True while an open job is queued or running.
    bool opening() const { return m_openJob != 0; }
    QList<QDockWidget*> docks() const;

    views::LayerTreePane* treePane() const { return m_tree; }
    views::SummaryCard* summaryCard() const { return m_summary; }
    views::ParamShareChart* shareChart() const { return m_share; }
    /// Memory and FLOPs of the opened model (a dock tabbed with the summary).
    views::CostView* costView() const { return m_cost; }
    views::TensorInspector* inspector() const { return m_inspector; }

public slots:
    /// Opens a model file or Hugging Face folder on the worker.
    void openModel(const QString& path);
    /// Selects tensor `name` in the tree (which starts its statistics and heatmap).
    bool selectTensor(const QString& name);

signals:
    void modelOpened(const QString& displayName);
    void openFailed(const QString& message);
    /// A tensor was picked: the window shows inspector() (a tab of its centre).
    void tensorShown(const QString& name);

private:
    void createDocks(QMainWindow* window);
    void showTensor(const QString& name);
    void requestHeatmap(const HeatmapViewport& viewport, HeatmapMode mode, int maxCells);
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobFailed(quint64 id, const QString& kind, const QString& message);

    JobRunner* m_runner = nullptr;
    QMainWindow* m_window = nullptr;
    std::shared_ptr<const ModelFile> m_model;
    views::ModelSnapshot m_snapshot;
    quint64 m_generation = 0; // bumped per opened model; results of older ones are dropped
    quint64 m_openJob = 0;
    QString m_lastError;

    views::LayerTreePane* m_tree = nullptr;
    views::SummaryCard* m_summary = nullptr;
    views::ParamShareChart* m_share = nullptr;
    views::CostView* m_cost = nullptr;
    QDockWidget* m_costDock = nullptr;
    views::TensorInspector* m_inspector = nullptr;
    QDockWidget* m_treeDock = nullptr;
    QDockWidget* m_summaryDock = nullptr;
    QDockWidget* m_shareDock = nullptr;
};

} // namespace llmlab::gui
