#include "PromptCharts.h"

#include "HeatColor.h"

#include <QTextCursor>

#include <qcustomplot.h>

#include <cmath>

namespace llmlab::views {

NextTokenChart::NextTokenChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Next token"));
    setAxisLabels(tr("token"), tr("probability"));
    setExportBaseName(QStringLiteral("next-token"));
    plot()->xAxis->setTickLabelRotation(60);
    setEmptyText(tr("Run a prompt to see the next-token distribution"));
}

void NextTokenChart::setEntries(const std::vector<NextTokenEntry>& model,
                                const std::vector<double>& sampled) {
    m_entries = model;
    clear();
    if (model.empty()) return; // nothing to show: the empty chart's sentence
    SeriesData data{tr("model p"), {}, {}};
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::size_t i = 0; i < model.size(); ++i) {
        data.keys.push_back(double(i));
        data.values.push_back(model[i].probability);
        ticker->addTick(double(i), QStringLiteral("%1 (%2)").arg(model[i].label).arg(model[i].id));
    }
    const int bars = addSeries(data, SeriesStyle::Line, QColor(60, 110, 200));
    QCPGraph* g = plot()->graph(bars);
    g->setLineStyle(QCPGraph::lsImpulse);
    g->setPen(QPen(QColor(60, 110, 200), 14, Qt::SolidLine, Qt::FlatCap));
    if (!sampled.empty()) {
        SeriesData s{tr("sampled p (current settings)"), data.keys, sampled};
        const int dots = addSeries(s, SeriesStyle::Scatter, QColor(230, 120, 20));
        plot()->graph(dots)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, 9));
    }
    plot()->xAxis->setTicker(ticker);
    rescale();
    plot()->xAxis->setRange(-0.7, double(model.size()) - 0.3);
    plot()->yAxis->setRange(0, std::max(0.05, plot()->yAxis->range().upper));
    plot()->replot();
}

GenerationView::GenerationView(QWidget* parent) : QTextEdit(parent) {
    setReadOnly(true);
    setAcceptRichText(false);
}

void GenerationView::start(const QString& promptText) {
    clear();
    m_generated.clear();
    m_count = 0;
    QTextCursor c(document());
    QTextCharFormat plain;
    plain.setForeground(palette().placeholderText());
    c.insertText(promptText, plain);
}

void GenerationView::appendToken(int id, const QString& text, double logProb) {
    QTextCursor c(document());
    c.movePosition(QTextCursor::End);
    QTextCharFormat f;
    f.setBackground(probabilityColor(std::exp(logProb)));
    f.setForeground(Qt::black);
    // QTextEdit shows a character format's tooltip on hover.
    f.setToolTip(tr("id %1\nlog p = %2 (p = %3)")
                     .arg(id)
                     .arg(logProb, 0, 'f', 3)
                     .arg(std::exp(logProb), 0, 'f', 3));
    c.insertText(text, f);
    m_generated += text;
    ++m_count;
    moveCursor(QTextCursor::End); // follow the stream
}

} // namespace llmlab::views
