// ChartView fed two series (and a heatmap), exported to PNG, SVG, PDF and CSV; each file checked.
#include "ChartExporter.h"
#include "ChartView.h"
#include "ExportDialog.h"

#include <QComboBox>
#include <QSpinBox>

#include <QFile>
#include <QImage>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <qcustomplot.h>

using llmlab::views::ChartView;
using llmlab::views::HeatmapData;
using llmlab::views::SeriesData;
using llmlab::views::SeriesStyle;

namespace {

QByteArray readAll(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll();
}

// Counts the elements named `name` in an SVG; -1 when the XML does not parse.
int countSvgElements(const QByteArray& svg, const QString& name, QStringList* texts) {
    QXmlStreamReader xml(svg);
    int n = 0;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == name) {
            ++n;
            if (texts) *texts << xml.readElementText(QXmlStreamReader::IncludeChildElements);
        }
    }
    return xml.hasError() ? -1 : n;
}

void fillTwoSeries(ChartView& chart) {
    chart.setTitle(QStringLiteral("Loss"));
    chart.setAxisLabels(QStringLiteral("step"), QStringLiteral("loss"));
    chart.addSeries(SeriesData{QStringLiteral("train"), {1, 2, 3, 4}, {2.5, 1.25, 0.625, 0.1}});
    chart.addSeries(SeriesData{QStringLiteral("validation"), {1, 2, 3}, {3.0, 2.0, 1.5}},
                    SeriesStyle::LineAndScatter);
    chart.rescale();
}

} // namespace

class TstChartExport : public QObject {
    Q_OBJECT
private slots:
    void init() {
        m_chart = std::make_unique<ChartView>();
        m_chart->resize(500, 360);
        m_chart->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_chart.get()));
        QVERIFY(m_dir.isValid());
    }
    void cleanup() { m_chart.reset(); }

    void png_data() {
        QTest::addColumn<int>("dpi");
        QTest::newRow("96 dpi") << 96;
        QTest::newRow("150 dpi") << 150;
        QTest::newRow("300 dpi") << 300;
    }
    void png() {
        QFETCH(int, dpi);
        fillTwoSeries(*m_chart);
        const QString path = m_dir.filePath(QStringLiteral("chart-%1.png").arg(dpi));
        QString error;
        QVERIFY2(m_chart->exportTo(path, dpi, &error), qPrintable(error));
        QImage image;
        QVERIFY(image.load(path, "PNG"));
        // The picture is the widget's layout scaled by dpi/96.
        const QSize logical = m_chart->plot()->size();
        QCOMPARE(logical, QSize(500, 360));
        QCOMPARE(image.width(), qRound(logical.width() * dpi / 96.0));
        QCOMPARE(image.height(), qRound(logical.height() * dpi / 96.0));
        QCOMPARE(qRound(image.dotsPerMeterX() * 0.0254), dpi);
        // Not blank: the curves put more than the background colour on it.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 3);
    }

    void svgKeepsTextAsText() {
        fillTwoSeries(*m_chart);
        const QString path = m_dir.filePath(QStringLiteral("chart.svg"));
        QString error;
        QVERIFY2(m_chart->exportTo(path, 96, &error), qPrintable(error));
        QSvgRenderer renderer(path);
        QVERIFY(renderer.isValid());
        // The view box is in pixels; width/height are written in mm (at 96 DPI), which
        // QSvgRenderer's defaultSize() reads back at 90 DPI, so compare the view box.
        QCOMPARE(renderer.viewBoxF().size(), QSizeF(500, 360));
        QStringList texts;
        const int n = countSvgElements(readAll(path), QStringLiteral("text"), &texts);
        QVERIFY2(n > 0, "no <text> elements: text was drawn as paths or the XML is broken");
        const QString all = texts.join(QLatin1Char('|'));
        for (const char* expected : {"Loss", "step", "loss", "train", "validation"})
            QVERIFY2(all.contains(QLatin1String(expected)), expected);
    }

    void pdf() {
        fillTwoSeries(*m_chart);
        const QString path = m_dir.filePath(QStringLiteral("chart.pdf"));
        QString error;
        QVERIFY2(m_chart->exportTo(path, 96, &error), qPrintable(error));
        const QByteArray bytes = readAll(path);
        QVERIFY(bytes.startsWith("%PDF"));
        QVERIFY(bytes.contains("%%EOF"));
    }

    void csvOfSeries() {
        fillTwoSeries(*m_chart);
        const QString path = m_dir.filePath(QStringLiteral("chart.csv"));
        QString error;
        QVERIFY2(m_chart->exportTo(path, 96, &error), qPrintable(error));
        const QStringList lines =
            QString::fromUtf8(readAll(path)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QStringList expected{
            QStringLiteral("train: step,train: loss,validation: step,validation: loss"),
            QStringLiteral("1,2.5,1,3"), QStringLiteral("2,1.25,2,2"),
            QStringLiteral("3,0.625,3,1.5"), QStringLiteral("4,0.1,,")};
        QCOMPARE(lines, expected);
    }

    void heatmap() {
        // (rows=2, columns=3), row 0 at yMin.
        m_chart->setTitle(QStringLiteral("Attention"));
        m_chart->setAxisLabels(QStringLiteral("key"), QStringLiteral("query"));
        m_chart->setHeatmap(HeatmapData{QStringLiteral("head 0"),
                                        3,
                                        2,
                                        {0.1, 0.2, 0.7, 0.5, 0.25, 0.25},
                                        0,
                                        2,
                                        0,
                                        1,
                                        QStringLiteral("probability")});
        m_chart->rescale();
        QVERIFY(m_chart->hasHeatmap());
        QCOMPARE(m_chart->seriesCount(), 0);

        QString error;
        const QString csv = m_dir.filePath(QStringLiteral("map.csv"));
        QVERIFY2(m_chart->exportTo(csv, 96, &error), qPrintable(error));
        const QStringList lines =
            QString::fromUtf8(readAll(csv)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QStringList expected{QStringLiteral("x,y,value"), QStringLiteral("0,0,0.1"),
                                   QStringLiteral("1,0,0.2"),   QStringLiteral("2,0,0.7"),
                                   QStringLiteral("0,1,0.5"),   QStringLiteral("1,1,0.25"),
                                   QStringLiteral("2,1,0.25")};
        QCOMPARE(lines, expected);

        const QString png = m_dir.filePath(QStringLiteral("map.png"));
        QVERIFY2(m_chart->exportTo(png, 192, &error), qPrintable(error));
        QImage image(png);
        QCOMPARE(image.size(), QSize(1000, 720));

        const QString svg = m_dir.filePath(QStringLiteral("map.svg"));
        QVERIFY2(m_chart->exportTo(svg, 96, &error), qPrintable(error));
        QVERIFY(QSvgRenderer(svg).isValid());
        QStringList texts;
        QVERIFY(countSvgElements(readAll(svg), QStringLiteral("text"), &texts) > 0);
        QVERIFY(texts.join(QLatin1Char('|')).contains(QLatin1String("probability")));

        const QString pdf = m_dir.filePath(QStringLiteral("map.pdf"));
        QVERIFY2(m_chart->exportTo(pdf, 96, &error), qPrintable(error));
        QVERIFY(readAll(pdf).startsWith("%PDF"));

        // Clearing removes the map and its data from the CSV.
        m_chart->clear();
        QVERIFY(!m_chart->hasHeatmap());
        QVERIFY(m_chart->toCsv().trimmed().isEmpty());
    }

    void replacingSeriesData() {
        fillTwoSeries(*m_chart);
        m_chart->setSeriesData(0, SeriesData{QStringLiteral("train"), {10}, {0.5}});
        const QStringList lines = m_chart->toCsv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4); // header + validation's 3 rows
        QCOMPARE(lines.at(1), QStringLiteral("10,0.5,1,3"));
    }

    void unknownExtensionAndBadDpiAreErrors() {
        fillTwoSeries(*m_chart);
        QString error;
        QVERIFY(!m_chart->exportTo(m_dir.filePath(QStringLiteral("chart.bmp")), 96, &error));
        QVERIFY(error.contains(QLatin1String("chart.bmp")));
        QVERIFY(!m_chart->exportTo(m_dir.filePath(QStringLiteral("chart.png")), 0, &error));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("chart.png"))));
        QVERIFY(!m_chart->exportTo(QStringLiteral("/nonexistent-dir/x.csv"), 96, &error));
        QVERIFY(error.contains(QLatin1String("/nonexistent-dir/x.csv")));
    }

    void csvQuotesAwkwardNames() {
        m_chart->setAxisLabels(QStringLiteral("n"), QStringLiteral("GFLOP/s"));
        m_chart->addSeries(SeriesData{QStringLiteral("cpu, \"fast\""), {1}, {2}});
        const QStringList lines = m_chart->toCsv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.at(0),
                 QStringLiteral("\"cpu, \"\"fast\"\": n\",\"cpu, \"\"fast\"\": GFLOP/s\""));
    }

    // An empty chart says what will appear instead of showing bare 0-to-5 axes.
    void emptyChartsSaySo() {
        m_chart->setEmptyText(QStringLiteral("Start a run to see its loss"));
        m_chart->plot()->replot();
        QVERIFY(m_chart->isEmpty());
        auto shownText = [&] {
            for (int i = 0; i < m_chart->plot()->itemCount(); ++i)
                if (auto* t = qobject_cast<QCPItemText*>(m_chart->plot()->item(i)))
                    if (t->visible()) return t->text();
            return QString();
        };
        QCOMPARE(shownText(), QStringLiteral("Start a run to see its loss"));
        // In a narrow chart the sentence wraps instead of running off the sides.
        const QString longer = QStringLiteral("Start a run, or pick one of the runs below, to see its loss");
        m_chart->setEmptyText(longer);
        m_chart->resize(220, 200);
        QTest::qWait(50);
        m_chart->plot()->replot();
        m_chart->plot()->replot();
        QVERIFY(shownText().contains(QLatin1Char('\n')));
        QCOMPARE(shownText().split(QLatin1Char('\n')).join(QLatin1Char(' ')), longer);
        m_chart->setEmptyText(QStringLiteral("Start a run to see its loss"));
        m_chart->resize(500, 360);
        QTest::qWait(50);
        m_chart->plot()->replot();
        m_chart->plot()->replot();
        // The plot keeps its width with an empty legend under it.
        QVERIFY(m_chart->plot()->axisRect()->width() > 300);
        QVERIFY(!m_chart->plot()->xAxis->tickLabels());
        QVERIFY(!m_chart->plot()->yAxis->tickLabels());
        fillTwoSeries(*m_chart);
        QVERIFY(!m_chart->isEmpty());
        QCOMPARE(shownText(), QString());
        QVERIFY(m_chart->plot()->xAxis->tickLabels());
        m_chart->clear();
        QCOMPARE(shownText(), QStringLiteral("Start a run to see its loss"));
        HeatmapData h;
        h.columns = h.rows = 2;
        h.values = {1, 2, 3, 4};
        m_chart->setHeatmap(h);
        QCOMPARE(shownText(), QString());
    }

    // The export size is the chart's own, not the window's: a 500×360 widget exports as a
    // 1280×720 slide (and a paper column) in PNG, SVG and PDF.
    void exportSizeIsIndependentOfTheWindow() {
        fillTwoSeries(*m_chart);
        QString error;
        const QString png = m_dir.filePath(QStringLiteral("slide.png"));
        QVERIFY2(m_chart->exportTo(png, 96, &error, QSize(1280, 720)), qPrintable(error));
        QCOMPARE(QImage(png).size(), QSize(1280, 720));
        const QString column = m_dir.filePath(QStringLiteral("column.png"));
        QVERIFY(m_chart->exportTo(column, 300, &error, QSize(336, 240)));
        QCOMPARE(QImage(column).size(), QSize(1050, 750));
        const QString svg = m_dir.filePath(QStringLiteral("slide.svg"));
        QVERIFY(m_chart->exportTo(svg, 96, &error, QSize(1280, 720)));
        QCOMPARE(QSvgRenderer(svg).viewBoxF().size(), QSizeF(1280, 720));
        QVERIFY(m_chart->exportTo(m_dir.filePath(QStringLiteral("slide.pdf")), 96, &error,
                                  QSize(1280, 720)));
        QCOMPARE(m_chart->plot()->size(), QSize(500, 360)); // the window is left as it was

        // The dialog: "as on screen" first, presets fill width × height, typing makes "Custom".
        llmlab::views::ExportDialog dialog;
        dialog.setScreenSize(QSize(500, 360));
        QCOMPARE(dialog.exportSize(), QSize(500, 360));
        QVERIFY(dialog.sizeBox()->itemText(0).contains(QStringLiteral("500 × 360")));
        dialog.choosePreset(0);
        QCOMPARE(dialog.exportSize(), QSize(1280, 720));
        dialog.choosePreset(1);
        QCOMPARE(dialog.exportSize(), QSize(336, 240));
        QCOMPARE(dialog.sizeBox()->currentIndex(), 2);
        auto* width = dialog.findChildren<QSpinBox*>().value(1); // dpi, width, height
        QVERIFY(width);
        width->setValue(777);
        QCOMPARE(dialog.exportSize().width(), 777);
        QCOMPARE(dialog.sizeBox()->currentIndex(), dialog.sizeBox()->count() - 1);
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ChartView> m_chart;
};

QTEST_MAIN(TstChartExport)
#include "tst_chart_export.moc"
