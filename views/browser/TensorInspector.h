// One tensor up close: its statistics in numbers, a histogram, the L2 norm of every row, and a
// zoomable heatmap of its (dequantized) values. Fed results computed on the worker.
#pragma once

#include "analysis/Heatmap.h"
#include "analysis/TensorStats.h"
#include "formats/TensorIndex.h"

#include <QWidget>

class QLabel;

namespace llmlab::views {

class ChartView;
class HeatmapPane;

class TensorInspector : public QWidget {
    Q_OBJECT
public:
    explicit TensorInspector(QWidget* parent = nullptr);

    /// A newly selected tensor: clears the old numbers and asks for the heatmap (the caller
    /// asks for the statistics itself).
    void setTensor(const TensorInfo& info, std::int64_t rows, std::int64_t cols);
    void clear();
    void setStats(const TensorStats& stats);
    void setStatsError(const QString& message);
    void setHeatmap(const Heatmap& map);

    QString tensorName() const { return m_name; }
    bool hasStats() const { return m_hasStats; }
    /// The numbers as shown ("min: -0.5" lines), for tests.
    QString statsText() const;
    ChartView* histogramChart() const { return m_histogram; }
    ChartView* rowNormChart() const { return m_rowNorms; }
    HeatmapPane* heatmapPane() const { return m_heatmap; }

signals:
    void heatmapRequested(const llmlab::HeatmapViewport& viewport, llmlab::HeatmapMode mode,
                          int maxCells);

private:
    QLabel* m_title = nullptr;
    QLabel* m_stats = nullptr;
    ChartView* m_histogram = nullptr;
    ChartView* m_rowNorms = nullptr;
    HeatmapPane* m_heatmap = nullptr;
    QString m_name;
    bool m_hasStats = false;
};

} // namespace llmlab::views
