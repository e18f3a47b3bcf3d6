// The chart every view in the lab draws with: a QCustomPlot with a small setup API and export.
#pragma once

#include "ChartData.h"

#include <QColor>
#include <QSize>
#include <QWidget>

class QAction;
class QCPColorMap;
class QCPColorScale;
class QCPItemText;
class QCustomPlot;

namespace llmlab::views {

/// A QWidget wrapping one QCustomPlot. Fed plain data (series, heatmaps), never computes it.
/// Right-click (or exportAction()) exports PNG at a chosen DPI, SVG, PDF or CSV.
class ChartView : public QWidget {
    Q_OBJECT
public:
    explicit ChartView(QWidget* parent = nullptr);
    ~ChartView() override;

    /// Removes every series and the heatmap; keeps title and axis labels.
    void clear();
    void setTitle(const QString& title);
    QString title() const;
    void setAxisLabels(const QString& x, const QString& y);
    /// Logarithmic axes (for loss curves over steps, say).
    void setLogX(bool on);
    void setLogY(bool on);

    /// Adds a series and returns its index; an invalid `color` picks the next palette colour.
    int addSeries(const SeriesData& data, SeriesStyle style = SeriesStyle::Line,
                  const QColor& color = QColor());
    /// Replaces the points of series `index` (a live curve fed with a fresh snapshot).
    void setSeriesData(int index, const SeriesData& data);
    int seriesCount() const;

    /// A parametric curve drawn in the order given (a training path, an iso-line), unlike a
    /// series, which is sorted by x; a NaN point breaks it. `inCsv` false leaves it out of the CSV
    /// export (lines derived from data that is exported anyway), `inLegend` out of the legend.
    int addCurve(const SeriesData& data, const QColor& color, double width = 1.5,
                 bool markers = false, bool inCsv = true, bool inLegend = true);
    int curveCount() const;

    /// Shows `data` as a colour map with a colour scale beside the axes (one heatmap per chart).
    void setHeatmap(const HeatmapData& data);
    bool hasHeatmap() const;
    /// Fixes the colour scale to [lo, hi] (charts compared on one scale); lo >= hi fits the
    /// colours to the data again.
    void setColorRange(double lo, double hi);
    /// The colour scale's range (0, 0 without a heatmap).
    void colorRange(double* lo, double* hi) const;

    /// The legend in a strip under the plot (the default for every chart: it never covers
    /// data), its entries in as many columns as fit; false puts it inside, top right.
    void setLegendBelow(bool below);
    bool legendBelow() const { return m_legendBelow; }

    /// The sentence an empty chart shows instead of bare "0 to 5" axes: what will appear and
    /// how ("Start a run to see its loss"). Shown whenever the chart has no data.
    void setEmptyText(const QString& text);
    QString emptyText() const { return m_emptyText; }
    /// True while the chart has no series, curve or heatmap (the sentence is showing).
    bool isEmpty() const;

    /// Fits the axes to the data and redraws.
    void rescale();

    /// Exports by the extension of `path` (.png/.svg/.pdf/.csv); `dpi` for PNG only; `size`
    /// the chart is laid out at (1/96 in units; empty: its size on screen).
    bool exportTo(const QString& path, int dpi = 96, QString* error = nullptr,
                  QSize size = QSize());
    /// The plotted data as CSV (see plotToCsv).
    QString toCsv() const;

    /// "Export…": opens the export dialog. Put it on a toolbar or a pane's button.
    QAction* exportAction() const { return m_exportAction; }
    /// The file name the export dialog offers first (without extension).
    void setExportBaseName(const QString& name) { m_exportBaseName = name; }

    QCustomPlot* plot() const { return m_plot; }

public slots:
    /// Asks for a file (format by extension, DPI for PNG) and writes it; errors go to a message
    /// box.
    void showExportDialog();

signals:
    /// After a successful export from the dialog.
    void exported(const QString& path);

private:
    void showContextMenu(const QPoint& pos);
    void updateLegend();
    void updateEmptyState();
    int axisRectRow() const;
    QColor nextColor();

    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_colorMap = nullptr;
    QCPColorScale* m_colorScale = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_resetAction = nullptr;
    QString m_exportBaseName = QStringLiteral("chart");
    int m_paletteIndex = 0;
    double m_colorLo = 0, m_colorHi = 0; // a fixed colour range when lo < hi
    bool m_legendBelow = false;
    QString m_emptyText;
    QString m_title; // as set; drawn wrapped to the plot's width
    void wrapTitle();
    QCPItemText* m_emptyItem = nullptr;
    int m_lastDpi = 150;
    QSize m_lastSize; // chosen in the export dialog, kept for the next export of this chart
};

} // namespace llmlab::views
