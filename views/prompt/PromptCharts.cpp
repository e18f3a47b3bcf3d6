#include "PromptCharts.h"

#include "HeatColor.h"

#include <QPainter>
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
    m_tips.clear();
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
    // QTextEdit shows a character format's tooltip on hover. The piece is shown with its
    // spaces and newlines made visible, so a tooltip over a space still says what it is.
    QString shown = text;
    shown.replace(QLatin1Char('\n'), QStringLiteral("\\n")).replace(QLatin1Char(' '), QChar(0x2423));
    const QString tip = tr("\"%1\"  generated token %2, id %3\nlog p = %4 (p = %5)")
                            .arg(shown)
                            .arg(m_count + 1)
                            .arg(id)
                            .arg(logProb, 0, 'f', 3)
                            .arg(std::exp(logProb), 0, 'f', 3);
    f.setToolTip(tip);
    m_tips.push_back(tip);
    c.insertText(text, f);
    m_generated += text;
    ++m_count;
    moveCursor(QTextCursor::End); // follow the stream
}

QString GenerationView::tokenToolTip(int i) const {
    return i >= 0 && std::size_t(i) < m_tips.size() ? m_tips[std::size_t(i)] : QString();
}

ProbabilityLegend::ProbabilityLegend(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("probabilityLegend"));
    setToolTip(tr("Background of each generated token: the probability the model gave it"));
}

QColor ProbabilityLegend::colorAt(double p) {
    return probabilityColor(p);
}

QSize ProbabilityLegend::sizeHint() const {
    return {360, fontMetrics().height() * 2 + 14};
}

QSize ProbabilityLegend::minimumSizeHint() const {
    return {220, fontMetrics().height() * 2 + 14};
}

QRect ProbabilityLegend::barRect() const {
    const QFontMetrics fm = fontMetrics();
    const int left = fm.horizontalAdvance(tr("token p:")) + 8;
    const int right = width() - fm.horizontalAdvance(QStringLiteral("0.00")) / 2 - 4;
    return QRect(left, 3, std::max(2, right - left), fm.height());
}

void ProbabilityLegend::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QFontMetrics fm = fontMetrics();
    const QRect bar = barRect();
    const int left = bar.left(), barTop = bar.top(), barHeight = bar.height();
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(0, barTop, left, barHeight), Qt::AlignVCenter | Qt::AlignLeft,
                     tr("token p:"));
    const int span = bar.width();
    for (int x = 0; x < span; ++x)
        painter.fillRect(left + x, barTop, 1, barHeight, colorAt(double(x) / double(span - 1)));
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(left, barTop, span - 1, barHeight - 1);
    painter.setPen(palette().color(QPalette::WindowText));
    // Ticks in p, with log p beside them (the tooltips speak in log p).
    const double ticks[] = {0.01, 0.25, 0.5, 0.75, 1.0};
    for (double p : ticks) {
        const int x = left + int(std::lround(p * double(span - 1)));
        const QString label = QStringLiteral("%1 (%2)").arg(p, 0, 'g', 2).arg(std::log(p), 0, 'f', 1);
        const int w = fm.horizontalAdvance(label);
        const int at = std::clamp(x - w / 2, left, width() - w);
        painter.drawLine(x, barTop + barHeight, x, barTop + barHeight + 3);
        painter.drawText(at, barTop + barHeight + 4 + fm.ascent(), label);
    }
}

} // namespace llmlab::views
