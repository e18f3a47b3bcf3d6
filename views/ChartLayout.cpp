#include "ChartLayout.h"

#include <qcustomplot.h>

#include <QFontMetrics>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

namespace llmlab::views {

namespace {

constexpr int kLabelGap = 14; // pixels between two tick labels

// The widest label this axis will print, from the labels it printed last and its range ends.
int widestLabel(const QCPAxis& axis) {
    const QFontMetrics fm(axis.tickLabelFont());
    int widest = 0;
    for (const QString& label : axis.tickVectorLabels())
        widest = std::max(widest, fm.horizontalAdvance(label));
    for (double v : {axis.range().lower, axis.range().upper, axis.range().center()})
        widest = std::max(widest, fm.horizontalAdvance(QString::number(v, 'g', 5)));
    return widest;
}

// Fixed labels (bar names, heads): turned on end when they do not fit side by side, and every
// k-th shown when even that is too tight. The chart's own labels are kept on the axis, so a
// wider chart shows them all again.
void fitTextTicks(QCPAxis& axis, QCPAxisTickerText& ticker) {
    using Ticks = QMap<double, QString>;
    Ticks all = axis.property("llmlabTicks").value<Ticks>();
    if (ticker.ticks() != axis.property("llmlabShown").value<Ticks>()) all = ticker.ticks();
    if (all.size() < 2) return;
    const QFontMetrics fm(axis.tickLabelFont());
    int widest = 0;
    for (const QString& label : all) widest = std::max(widest, fm.horizontalAdvance(label));
    double spacing = 1e9;
    for (auto it = std::next(all.begin()); it != all.end(); ++it)
        spacing = std::min(spacing, std::abs(axis.coordToPixel(it.key()) -
                                             axis.coordToPixel(std::prev(it).key())));
    int footprint = fm.height();
    if (axis.orientation() == Qt::Horizontal) {
        const bool turn = widest + kLabelGap > spacing;
        const double rotation = turn ? -90.0 : 0.0;
        if (axis.tickLabelRotation() != rotation) axis.setTickLabelRotation(rotation);
        footprint = turn ? fm.height() : widest + kLabelGap;
    }
    const int every = std::max(1, int(std::ceil((footprint + 4) / std::max(1.0, spacing))));
    Ticks shown;
    int k = 0;
    for (auto it = all.begin(); it != all.end(); ++it, ++k)
        shown.insert(it.key(), k % every == 0 ? it.value() : QString());
    axis.setProperty("llmlabTicks", QVariant::fromValue(all));
    axis.setProperty("llmlabShown", QVariant::fromValue(shown));
    if (ticker.ticks() != shown) ticker.setTicks(shown);
}

void thinTicks(QCPAxis& axis) {
    if (!axis.visible() || !axis.ticks()) return;
    if (auto* text = dynamic_cast<QCPAxisTickerText*>(axis.ticker().data())) {
        fitTextTicks(axis, *text);
        return;
    }
    const QFontMetrics fm(axis.tickLabelFont());
    const bool horizontal = axis.orientation() == Qt::Horizontal;
    const int length = horizontal ? axis.axisRect()->width() : axis.axisRect()->height();
    if (length <= 0) return;
    const double per = horizontal ? widestLabel(axis) + kLabelGap : fm.height() * 1.6;
    // The ticker rounds its step to a "nice" number, which can give up to ~1.4 times the
    // ticks asked for, plus the one at the start: ask for what fits after that.
    const double fits = double(length) / std::max(1.0, per);
    // At least two where three labels fit: one label alone does not make a scale.
    const int least = fits >= 3 ? 2 : 1;
    const int count = std::clamp(int(std::floor((fits - 1.0) / 1.4)), least, horizontal ? 8 : 6);
    if (axis.ticker()->tickCount() != count) axis.ticker()->setTickCount(count);
}

void fitLegend(QCustomPlot& plot) {
    QCPLegend* legend = plot.legend;
    if (!legend->visible() || legend->itemCount() == 0 || !legend->layout()) return;
    if (legend->layout() == plot.axisRect()->insetLayout()) return; // inside: left as set
    int widest = 0;
    int items = 0;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = legend->item(i)) { // cells of a wrapped grid may be empty
            widest = std::max(widest, item->minimumOuterSizeHint().width());
            ++items;
        }
    if (items == 0) return;
    const int width = std::max(1, plot.width() - 8);
    const int columns = std::clamp(width / std::max(1, widest + 8), 1, items);
    if (legend->wrap() != columns) {
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, false);
        legend->setWrap(columns);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    }
}

QRect rectWith(const QCPItemText& item, Qt::Alignment a, const QString& text) {
    const QFontMetrics fm(item.font());
    const QRect b = fm.boundingRect(QRect(0, 0, 10000, 10000), Qt::TextDontClip, text);
    const QMargins pad = item.padding();
    const int w = b.width() + pad.left() + pad.right(), h = b.height() + pad.top() + pad.bottom();
    const QPointF p = item.position->pixelPosition();
    double x = p.x(), y = p.y();
    if (a & Qt::AlignRight)
        x -= w;
    else if (a & Qt::AlignHCenter)
        x -= w / 2.0;
    if (a & Qt::AlignBottom)
        y -= h;
    else if (a & Qt::AlignVCenter)
        y -= h / 2.0;
    return QRect(int(x), int(y), w, h);
}

// `text` broken into lines at spaces so that none is wider than `width`.
QString wrapped(const QFontMetrics& fm, const QString& text, int width) {
    QStringList lines;
    QString line;
    for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString candidate = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
        if (!line.isEmpty() && fm.horizontalAdvance(candidate) > width) {
            lines << line;
            line = word;
        } else {
            line = candidate;
        }
    }
    if (!line.isEmpty()) lines << line;
    return lines.join(QLatin1Char('\n'));
}

// Sentences that ask for it (an empty chart's) wrap to the plot's width.
void wrapSentences(QCustomPlot& plot) {
    const int width = plot.axisRect()->width() - 8;
    for (int i = 0; i < plot.itemCount(); ++i) {
        auto* item = qobject_cast<QCPItemText*>(plot.item(i));
        if (!item || !item->property("llmlabWrap").toBool()) continue;
        const QString full = item->property("llmlabSentence").toString();
        const QString text = wrapped(QFontMetrics(item->font()), full, std::max(40, width));
        if (item->text() != text) item->setText(text);
    }
}

void keepInside(QCustomPlot& plot) {
    const QRect area = plot.axisRect()->rect();
    for (int i = 0; i < plot.itemCount(); ++i) {
        auto* item = qobject_cast<QCPItemText*>(plot.item(i));
        if (!item || !item->visible() || item->property("llmlabNoFit").toBool()) continue;
        // The text as set by its chart; a shortened one is put back when there is room again.
        QString full = item->property("llmlabFullText").toString();
        if (full.isEmpty() || (item->text() != full && !item->property("llmlabElided").toBool()))
            full = item->text();
        item->setProperty("llmlabFullText", full);
        const QPointF anchor = item->position->pixelPosition();
        if (!area.contains(anchor.toPoint())) continue; // off the visible range: clipped anyway
        const Qt::Alignment vertical = item->positionAlignment() & Qt::AlignVertical_Mask;
        // Of left, centred and right, the first in the chart's own order that fits.
        Qt::Alignment h = item->positionAlignment() & Qt::AlignHorizontal_Mask;
        std::vector<Qt::Alignment> order = {h};
        for (Qt::Alignment o : {Qt::AlignLeft, Qt::AlignHCenter, Qt::AlignRight})
            if (o != h) order.push_back(o);
        bool placed = false;
        for (Qt::Alignment o : order) {
            const QRect r = rectWith(*item, o | vertical, full);
            if (r.left() >= area.left() && r.right() <= area.right()) {
                h = o;
                placed = true;
                break;
            }
        }
        QString text = full;
        if (!placed) {
            // Wider than either side: open towards the roomier side and shorten the text.
            const double left = anchor.x() - area.left(), right = area.right() - anchor.x();
            h = right >= left ? Qt::AlignLeft : Qt::AlignRight;
            const QMargins pad = item->padding();
            const int room = int(std::max(left, right)) - pad.left() - pad.right() - 2;
            text = QFontMetrics(item->font()).elidedText(full, Qt::ElideRight, std::max(0, room));
        }
        Qt::Alignment v = vertical;
        const QRect r = rectWith(*item, h | v, text);
        if (r.bottom() > area.bottom() && (v & Qt::AlignTop))
            v = Qt::AlignBottom;
        else if (r.top() < area.top() && (v & Qt::AlignBottom))
            v = Qt::AlignTop;
        if ((h | v) != item->positionAlignment()) item->setPositionAlignment(h | v);
        item->setProperty("llmlabElided", text != full);
        if (item->text() != text) item->setText(text);
    }
}

} // namespace

void fitChartToSpace(QCustomPlot& plot) {
    if (plot.axisRectCount() == 0) return;
    // Before the first layout the axis rect has no size yet: nothing to fit to.
    if (plot.axisRect()->width() < 10 || plot.axisRect()->height() < 10) return;
    // Lay out first (as replot does after this): the axis rect then has the size the plot has
    // now, not the one of its last replot — which, for a chart filled while its tab was hidden,
    // was a sliver, and its labels were thinned for that.
    QCPLayout* layout = plot.plotLayout();
    layout->update(QCPLayoutElement::upPreparation);
    layout->update(QCPLayoutElement::upMargins);
    layout->update(QCPLayoutElement::upLayout);
    for (QCPAxis* axis : plot.axisRect()->axes()) thinTicks(*axis);
    fitLegend(plot);
    wrapSentences(plot);
    keepInside(plot);
}

QVector<QRect> tickLabelRects(const QCPAxis& axis) {
    QVector<QRect> rects;
    if (!axis.visible() || !axis.tickLabels()) return rects;
    const QFontMetrics fm(axis.tickLabelFont());
    const QVector<double> ticks = axis.tickVector();
    const QVector<QString> labels = axis.tickVectorLabels();
    const QRect ar = axis.axisRect()->rect();
    for (int i = 0; i < ticks.size() && i < labels.size(); ++i) {
        const double p = axis.coordToPixel(ticks[i]);
        // Labels are drawn centred on their tick (QCustomPlot's default, no rotation).
        QRect b = fm.boundingRect(QRect(0, 0, 10000, 10000), Qt::TextDontClip, labels[i]);
        if (std::abs(std::abs(axis.tickLabelRotation()) - 90) < 1)
            b = QRect(0, 0, b.height(), b.width());
        if (axis.orientation() == Qt::Horizontal) {
            if (p < ar.left() - 1 || p > ar.right() + 1) continue;
            rects.push_back(QRect(int(p - b.width() / 2.0), ar.bottom() + axis.tickLabelPadding(),
                                  b.width(), b.height()));
        } else {
            if (p < ar.top() - 1 || p > ar.bottom() + 1) continue;
            rects.push_back(QRect(ar.left() - axis.tickLabelPadding() - b.width(),
                                  int(p - b.height() / 2.0), b.width(), b.height()));
        }
    }
    return rects;
}

QRect textItemRect(const QCPItemText& item) {
    return rectWith(item, item.positionAlignment(), item.text());
}

} // namespace llmlab::views
