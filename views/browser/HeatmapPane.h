// A tensor's values as a zoomable heatmap: the chart asks for a new, finer grid whenever the
// visible window changes (wheel, drag, zoom buttons), so a huge matrix never becomes one image.
#pragma once

#include "HeatmapNavigator.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QTimer;
class QToolButton;

namespace llmlab::views {

class ChartView;

class HeatmapPane : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPane(QWidget* parent = nullptr);

    /// A new tensor [rows, cols]: resets the window and asks for the whole of it.
    void setTensor(const QString& name, std::int64_t rows, std::int64_t cols);
    void clear();
    /// Draws a computed grid (ignored when it is not for the current window any more).
    void setHeatmap(const Heatmap& map);
    const Heatmap& heatmap() const { return m_map; }
    HeatmapNavigator& navigator() { return m_nav; }
    HeatmapMode mode() const;
    ChartView* chart() const { return m_chart; }
    QString blockText() const;

public slots:
    void zoomIn();
    void zoomOut();
    void resetView();

signals:
    /// The view needs the grid of `viewport` (at most maxCells × maxCells cells).
    void heatmapRequested(const llmlab::HeatmapViewport& viewport, llmlab::HeatmapMode mode,
                          int maxCells);

private:
    void request();
    void axesMoved();
    void showViewportOnAxes();

    ChartView* m_chart = nullptr;
    QLabel* m_blockLabel = nullptr;
    QComboBox* m_modeCombo = nullptr;
    QTimer* m_debounce = nullptr;
    HeatmapNavigator m_nav;
    Heatmap m_map;
    QString m_name;
    bool m_applying = false; // set while we move the axes ourselves
};

} // namespace llmlab::views
