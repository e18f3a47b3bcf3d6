#include "ChartExporter.h"

#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QSvgGenerator>
#include <QTextStream>

#include <cmath>

#include <qcustomplot.h>

namespace llmlab::views {

namespace {

void setError(QString* error, const QString& message) {
    if (error) *error = message;
}

// Shortest text that reads back to the same double, so a CSV round-trips exactly.
QString number(double v) {
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

// RFC 4180 quoting: only where a field needs it, so plain headers stay readable.
QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString axisLabel(const QCPAxis* axis, const char* fallback) {
    return axis && !axis->label().isEmpty() ? axis->label() : QString::fromLatin1(fallback);
}

QString graphsCsv(QCustomPlot& plot) {
    QStringList header;
    int rows = 0;
    for (int g = 0; g < plot.graphCount(); ++g) {
        QCPGraph* graph = plot.graph(g);
        const QString name =
            graph->name().isEmpty() ? QStringLiteral("series %1").arg(g + 1) : graph->name();
        header << csvField(name + QStringLiteral(": ") + axisLabel(graph->keyAxis(), "x"))
               << csvField(name + QStringLiteral(": ") + axisLabel(graph->valueAxis(), "y"));
        rows = std::max(rows, graph->data()->size());
    }
    QString out = header.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (int r = 0; r < rows; ++r) {
        QStringList cells;
        for (int g = 0; g < plot.graphCount(); ++g) {
            const auto data = plot.graph(g)->data();
            if (r < data->size()) {
                const QCPGraphData& point = *(data->constBegin() + r);
                cells << number(point.key) << number(point.value);
            } else {
                cells << QString() << QString();
            }
        }
        out += cells.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}

// A parametric curve in its own order: "<name>: x,<name>: y", one row per point (the NaN
// breaks between its pieces are left out).
QString curveCsv(const QCPCurve& curve) {
    const QString name = curve.name().isEmpty() ? QStringLiteral("curve") : curve.name();
    QString out = csvField(name + QStringLiteral(": ") + axisLabel(curve.keyAxis(), "x")) +
                  QLatin1Char(',') +
                  csvField(name + QStringLiteral(": ") + axisLabel(curve.valueAxis(), "y")) +
                  QLatin1Char('\n');
    for (auto it = curve.data()->constBegin(); it != curve.data()->constEnd(); ++it) {
        if (std::isnan(it->key) || std::isnan(it->value)) continue;
        out += number(it->key) + QLatin1Char(',') + number(it->value) + QLatin1Char('\n');
    }
    return out;
}

QString colorMapCsv(QCPColorMap& map) {
    QString out = QStringLiteral("x,y,value\n");
    QCPColorMapData* data = map.data(); // cell() is not const in QCustomPlot 2.1
    for (int iy = 0; iy < data->valueSize(); ++iy) {
        for (int ix = 0; ix < data->keySize(); ++ix) {
            double x = 0, y = 0;
            data->cellToCoord(ix, iy, &x, &y);
            out += number(x) + QLatin1Char(',') + number(y) + QLatin1Char(',') +
                   number(data->cell(ix, iy)) + QLatin1Char('\n');
        }
    }
    return out;
}

} // namespace

ExportFormat exportFormatForPath(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png")) return ExportFormat::Png;
    if (suffix == QLatin1String("svg")) return ExportFormat::Svg;
    if (suffix == QLatin1String("pdf")) return ExportFormat::Pdf;
    if (suffix == QLatin1String("csv")) return ExportFormat::Csv;
    return ExportFormat::Unknown;
}

QString exportFormatSuffix(ExportFormat format) {
    switch (format) {
    case ExportFormat::Png:
        return QStringLiteral("png");
    case ExportFormat::Svg:
        return QStringLiteral("svg");
    case ExportFormat::Pdf:
        return QStringLiteral("pdf");
    case ExportFormat::Csv:
        return QStringLiteral("csv");
    case ExportFormat::Unknown:
        break;
    }
    return {};
}

QString exportFileFilter() {
    return QStringLiteral("PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf);;"
                          "CSV data (*.csv)");
}

QSize chartExportSize(const QCustomPlot& plot) {
    const QSize size = plot.size();
    if (size.width() < 50 || size.height() < 50) return QSize(800, 500);
    return size;
}

std::vector<ExportSizePreset> exportSizePresets() {
    return {{QObject::tr("Slide, 16:9 (1280 × 720)"), QSize(1280, 720)},
            {QObject::tr("Paper column (3.5 × 2.5 in)"), QSize(336, 240)},
            {QObject::tr("Paper width (7 × 4 in)"), QSize(672, 384)},
            {QObject::tr("Square (800 × 800)"), QSize(800, 800)}};
}

namespace {
QSize sizeFor(const QCustomPlot& plot, QSize size) {
    return size.width() >= 50 && size.height() >= 50 ? size : chartExportSize(plot);
}
} // namespace

bool exportPng(QCustomPlot& plot, const QString& path, int dpi, QString* error, QSize wanted) {
    if (dpi < 24 || dpi > 2400) {
        setError(error, QStringLiteral("%1: a DPI of %2 is outside 24..2400").arg(path).arg(dpi));
        return false;
    }
    const QSize size = sizeFor(plot, wanted);
    // 96 DPI is the logical resolution QCustomPlot lays the chart out at.
    const double scale = dpi / 96.0;
    if (!plot.savePng(path, size.width(), size.height(), scale, -1, dpi, QCP::ruDotsPerInch)) {
        setError(error, QStringLiteral("%1: could not write the PNG file").arg(path));
        return false;
    }
    return true;
}

bool exportSvg(QCustomPlot& plot, const QString& path, QString* error, QSize wanted) {
    const QSize size = sizeFor(plot, wanted);
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setResolution(96);
    generator.setTitle(QStringLiteral("llmlab chart"));
    generator.setDescription(QStringLiteral("Exported by llmlab"));
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        setError(error, QStringLiteral("%1: could not write the SVG file").arg(path));
        return false;
    }
    // Vectorized mode keeps QCustomPlot from drawing through pixel caches, so lines and text
    // reach the SVG as paths and <text>, not as embedded bitmaps.
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    plot.toPainter(&painter, size.width(), size.height());
    painter.end();
    if (!QFileInfo::exists(path)) {
        setError(error, QStringLiteral("%1: could not write the SVG file").arg(path));
        return false;
    }
    return true;
}

bool exportPdf(QCustomPlot& plot, const QString& path, QString* error, QSize wanted) {
    const QSize size = sizeFor(plot, wanted);
    if (!plot.savePdf(path, size.width(), size.height(), QCP::epNoCosmetic,
                      QStringLiteral("llmlab"), QStringLiteral("llmlab chart"))) {
        setError(error, QStringLiteral("%1: could not write the PDF file").arg(path));
        return false;
    }
    return true;
}

QString plotToCsv(QCustomPlot& plot) {
    QStringList sections;
    if (plot.graphCount() > 0) sections << graphsCsv(plot);
    for (int i = 0; i < plot.plottableCount(); ++i) {
        if (auto* map = qobject_cast<QCPColorMap*>(plot.plottable(i)))
            sections << colorMapCsv(*map);
        if (auto* curve = qobject_cast<QCPCurve*>(plot.plottable(i)))
            if (curve->property("llmlabCsv").toBool()) sections << curveCsv(*curve);
    }
    return sections.join(QLatin1Char('\n'));
}

bool exportCsv(QCustomPlot& plot, const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        setError(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
        return false;
    }
    const QByteArray bytes = plotToCsv(plot).toUtf8();
    if (file.write(bytes) != bytes.size()) {
        setError(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

bool exportPlot(QCustomPlot& plot, const QString& path, int dpi, QString* error, QSize size) {
    switch (exportFormatForPath(path)) {
    case ExportFormat::Png:
        return exportPng(plot, path, dpi, error, size);
    case ExportFormat::Svg:
        return exportSvg(plot, path, error, size);
    case ExportFormat::Pdf:
        return exportPdf(plot, path, error, size);
    case ExportFormat::Csv:
        return exportCsv(plot, path, error);
    case ExportFormat::Unknown:
        break;
    }
    setError(error, QStringLiteral("%1: unknown file type (use .png, .svg, .pdf or .csv)")
                        .arg(QFileInfo(path).fileName()));
    return false;
}

} // namespace llmlab::views
