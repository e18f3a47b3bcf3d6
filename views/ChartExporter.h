// Writes a QCustomPlot to PNG (chosen DPI), SVG (vector, text kept as text), PDF and CSV.
#pragma once

#include <QSize>
#include <QString>

#include <vector>

class QCustomPlot;

namespace llmlab::views {

enum class ExportFormat { Png, Svg, Pdf, Csv, Unknown };

/// The format a file name asks for, by its extension (case-insensitive).
ExportFormat exportFormatForPath(const QString& path);

/// "png", "svg", "pdf", "csv" ("" for Unknown).
QString exportFormatSuffix(ExportFormat format);

/// The name filter list for a file dialog, one entry per format.
QString exportFileFilter();

/// The size a chart is exported at by default: the widget's size on screen, or 800x500 when it
/// has none yet (a chart built but never laid out, as in a headless export).
QSize chartExportSize(const QCustomPlot& plot);

/// Sizes offered by the export dialog, in layout pixels (1/96 in): a slide, a paper column,
/// a full paper width. The PNG's pixels are these times dpi / 96.
struct ExportSizePreset {
    QString name;
    QSize size;
};
std::vector<ExportSizePreset> exportSizePresets();

/// PNG at `dpi`: the picture is scaled by dpi/96 so text and lines keep their proportions,
/// and the file records the resolution so a word processor places it at the same size.
/// `size` (layout pixels) empty: chartExportSize(plot). The same holds for SVG and PDF.
bool exportPng(QCustomPlot& plot, const QString& path, int dpi, QString* error,
               QSize size = QSize());

/// SVG through QSvgGenerator: text stays <text>, so it can be edited and searched.
bool exportSvg(QCustomPlot& plot, const QString& path, QString* error, QSize size = QSize());

/// PDF through QCustomPlot's own printer path (vector).
bool exportPdf(QCustomPlot& plot, const QString& path, QString* error, QSize size = QSize());

/// The plotted data as CSV. Graphs: one pair of columns per graph, headed "<series>: <x label>"
/// and "<series>: <y label>", one row per point (shorter graphs leave empty cells). Colour maps:
/// a section "x,y,value" with one row per cell (cell centres). Sections are split by a blank line.
QString plotToCsv(QCustomPlot& plot);

/// Writes plotToCsv() to `path` (UTF-8).
bool exportCsv(QCustomPlot& plot, const QString& path, QString* error);

/// Picks the format by the extension of `path`; `dpi` is used for PNG only.
bool exportPlot(QCustomPlot& plot, const QString& path, int dpi, QString* error,
                QSize size = QSize());

} // namespace llmlab::views
