#include "TensorInspector.h"

#include "ChartView.h"
#include "HeatmapPane.h"
#include "ModelSnapshot.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QRegularExpression>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>

#include <qcustomplot.h>

namespace llmlab::views {

namespace {

QString num(double v) {
    return QString::number(v, 'g', 5);
}

} // namespace

TensorInspector::TensorInspector(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_stats(new QLabel(this)),
      m_histogram(new ChartView(this)), m_rowNorms(new ChartView(this)),
      m_heatmap(new HeatmapPane(this)) {
    m_title->setObjectName(QStringLiteral("tensorTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_stats->setObjectName(QStringLiteral("tensorStats"));
    m_stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stats->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_stats->setMinimumWidth(150);
    // The inspector shares the window with other panes: let the charts shrink rather than
    // push the window past the screen.
    // Tall enough to read at 1280x720; the splitter gives the heatmap the rest.
    for (ChartView* chart : {m_histogram, m_rowNorms}) chart->setMinimumSize(120, 150);
    m_histogram->setAxisLabels(tr("value"), tr("count"));
    m_histogram->setExportBaseName(QStringLiteral("histogram"));
    m_rowNorms->setAxisLabels(tr("row"), tr("L2 norm"));
    m_rowNorms->setExportBaseName(QStringLiteral("row_norms"));

    // Numbers and the two small charts in a row on top; the heatmap gets the rest.
    auto* top = new QWidget(this);
    auto* row = new QHBoxLayout(top);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_stats);
    row->addWidget(m_histogram, 1);
    row->addWidget(m_rowNorms, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(m_heatmap);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(split, 1);
    connect(m_heatmap, &HeatmapPane::heatmapRequested, this, &TensorInspector::heatmapRequested);
    clear();
}

void TensorInspector::clear() {
    m_histogram->setEmptyText(tr("Select a tensor to see its values"));
    m_rowNorms->setEmptyText(tr("Select a tensor to see its rows' norms"));
    m_name.clear();
    m_hasStats = false;
    m_title->setText(tr("<i>Select a tensor in the layer tree.</i>"));
    m_stats->clear();
    m_histogram->clear();
    m_histogram->setTitle(tr("histogram"));
    m_rowNorms->clear();
    m_rowNorms->setTitle(tr("L2 norm per row"));
    m_heatmap->clear();
}

void TensorInspector::setTensor(const TensorInfo& info, std::int64_t rows, std::int64_t cols) {
    clear();
    m_name = QString::fromStdString(info.name);
    const QString dtype =
        QString::fromLatin1(dtypeName(info.dtype).data(), qsizetype(dtypeName(info.dtype).size()));
    m_title->setText(
        tr("<b>%1</b> &nbsp; %2 %3 · %4 parameters · %5%6")
            .arg(m_name.toHtmlEscaped(), shapeText(info.shape), dtype,
                 groupedCount(info.shape.numel()), humanBytes(info.bytes),
                 info.sourceName != info.name
                     ? tr(" · stored as %1")
                           .arg(QString::fromStdString(info.sourceName).toHtmlEscaped())
                     : QString()));
    m_stats->setText(tr("computing…"));
    const QString base = QString(m_name).replace(QLatin1Char('.'), QLatin1Char('_'));
    m_histogram->setExportBaseName(base + QStringLiteral("_histogram"));
    m_rowNorms->setExportBaseName(base + QStringLiteral("_row_norms"));
    m_heatmap->setTensor(m_name, rows, cols);
}

void TensorInspector::setStatsError(const QString& message) {
    m_stats->setText(message.toHtmlEscaped());
}

void TensorInspector::setStats(const TensorStats& s) {
    m_hasStats = true;
    // Norms of the rows say which tokens (embedding rows) or output units stand out.
    double sumSq = 0;
    for (float n : s.rowNorms) sumSq += double(n) * double(n);
    const QString rows[][2] = {
        {tr("values"), groupedCount(s.count)},
        {tr("matrix"), QStringLiteral("%1 × %2").arg(s.rows).arg(s.cols)},
        {tr("min"), num(s.min)},
        {tr("max"), num(s.max)},
        {tr("mean"), num(s.mean)},
        {tr("std"), num(s.std)},
        {tr("zeros"), QStringLiteral("%1 %").arg(100.0 * s.zeroFraction, 0, 'f', 2)},
        {tr("NaN"), groupedCount(s.nanCount)},
        {tr("Inf"), groupedCount(s.infCount)},
        {tr("L2 norm"), num(std::sqrt(sumSq))},
    };
    QString html = QStringLiteral("<table>");
    for (const auto& r : rows)
        html +=
            QStringLiteral("<tr><td>%1&nbsp;</td><td align='right'>%2</td></tr>").arg(r[0], r[1]);
    m_stats->setText(html + QStringLiteral("</table>"));

    m_histogram->clear();
    SeriesData hist{tr("count"), {}, {}};
    const double w = s.binWidth();
    const bool constant = s.finite > 0 && !(w > 0);
    if (constant) {
        // Every value the same (an all-zero bias, a norm gain of ones): one bar at that value
        // on an axis around it, not 64 empty bins spread over 0..64.
        hist.keys.push_back(s.min);
        hist.values.push_back(double(s.finite));
    } else {
        for (std::size_t i = 0; i < s.histogram.size(); ++i) {
            hist.keys.push_back(s.min + (double(i) + 0.5) * w);
            hist.values.push_back(double(s.histogram[i]));
        }
    }
    const int h = m_histogram->addSeries(hist);
    if (QCPGraph* g = m_histogram->plot()->graph(h)) {
        g->setLineStyle(constant ? QCPGraph::lsImpulse : QCPGraph::lsStepCenter);
        if (constant)
            g->setPen(QPen(QColor(70, 120, 200), 6));
        else
            g->setBrush(QColor(70, 120, 200, 90));
    }
    m_histogram->rescale();
    if (constant) {
        const double half = std::max(std::abs(s.min) * 0.5, 0.5);
        m_histogram->plot()->xAxis->setRange(s.min - half, s.min + half);
        m_histogram->plot()->yAxis->setRange(0, double(s.finite) * 1.1);
        m_histogram->setTitle(tr("histogram: all values = %1").arg(s.min, 0, 'g', 6));
        m_histogram->plot()->replot(QCustomPlot::rpQueuedReplot);
    }

    m_rowNorms->clear();
    SeriesData norms{tr("L2 norm"), {}, {}};
    norms.keys.reserve(s.rowNorms.size());
    for (std::size_t i = 0; i < s.rowNorms.size(); ++i) {
        norms.keys.push_back(double(i));
        norms.values.push_back(double(s.rowNorms[i]));
    }
    m_rowNorms->addSeries(norms);
    m_rowNorms->rescale();
}

void TensorInspector::setHeatmap(const Heatmap& map) {
    m_heatmap->setHeatmap(map);
}

QString TensorInspector::statsText() const {
    // The rich text with tags stripped: "min 0.1" pairs, for tests and copying.
    QString t = m_stats->text();
    t.replace(QStringLiteral("</tr>"), QStringLiteral("\n"));
    t.replace(QStringLiteral("&nbsp;"), QStringLiteral(" "));
    return t.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
}

} // namespace llmlab::views
