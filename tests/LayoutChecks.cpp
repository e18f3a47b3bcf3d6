#include "LayoutChecks.h"

#include "ChartLayout.h"
#include "ChartView.h"

#include <QAbstractButton>
#include <QDockWidget>
#include <QMainWindow>
#include <QPushButton>
#include <QTabBar>

#include <qcustomplot.h>

#include <algorithm>

namespace llmlab::test {

bool onScreen(const QWidget* widget) {
    if (!widget->isVisible()) return false;
    // A dock tabbed behind another stays "visible" to Qt at its unlaid-out size: it is on
    // screen only when its tab is the current one of the main window's tab bar that lists it.
    for (const QWidget* w = widget; w; w = w->parentWidget()) {
        const auto* dock = qobject_cast<const QDockWidget*>(w);
        if (!dock) continue;
        const auto* window = qobject_cast<const QMainWindow*>(dock->parentWidget());
        if (!window || window->tabifiedDockWidgets(const_cast<QDockWidget*>(dock)).isEmpty())
            return true;
        for (const QTabBar* bar : window->findChildren<QTabBar*>(Qt::FindDirectChildrenOnly))
            for (int i = 0; i < bar->count(); ++i)
                if (bar->tabText(i) == dock->windowTitle() && bar->isVisible())
                    return bar->currentIndex() == i;
        return true;
    }
    return true;
}

QStringList chartLayoutProblems(views::ChartView* chart, const QString& what) {
    QStringList problems;
    QCustomPlot* plot = chart->plot();
    plot->replot();
    plot->replot(); // the rules read the previous layout's sizes: the second pass is what shows
    const QRect area = plot->axisRect()->rect();
    const QString where = what + QStringLiteral(" (") + chart->title() + QStringLiteral(")");
    if (plot->plotLayout()->rowCount() > 1)
        if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0)))
            for (const QString& line : title->text().split(QLatin1Char('\n')))
                if (QFontMetrics(title->font()).horizontalAdvance(line) > plot->width())
                problems << where + QStringLiteral(": the title is cut (%1 px wide)")
                                        .arg(plot->width());
    if (plot->legend->visible()) {
        if (plot->legend->outerRect().intersects(area))
            problems << where + QStringLiteral(": the legend covers the plot");
        // (2 pixels of slack: QCustomPlot's layout rounds each row to whole pixels.)
        const QRect legend = plot->legend->outerRect();
        if (!plot->rect().adjusted(0, 0, 0, 2).contains(legend))
            problems << where + QStringLiteral(": the legend is cut (%1x%2 at %3,%4 in %5x%6)")
                                    .arg(legend.width())
                                    .arg(legend.height())
                                    .arg(legend.x())
                                    .arg(legend.y())
                                    .arg(plot->width())
                                    .arg(plot->height());
    }
    for (QCPAxis* axis : plot->axisRect()->axes()) {
        const QVector<QRect> rects = views::tickLabelRects(*axis);
        for (int i = 1; i < rects.size(); ++i)
            if (rects[i].intersects(rects[i - 1]))
                problems << where + QStringLiteral(": tick labels '%1' and '%2' overlap")
                                        .arg(axis->tickVectorLabels().value(i - 1),
                                             axis->tickVectorLabels().value(i));
    }
    for (int i = 0; i < plot->itemCount(); ++i) {
        auto* text = qobject_cast<QCPItemText*>(plot->item(i));
        if (!text || !text->visible()) continue;
        const QPointF anchor = text->position->pixelPosition();
        if (!area.contains(anchor.toPoint())) continue; // its point is off the visible range
        const QRect r = views::textItemRect(*text).adjusted(1, 1, -1, -1);
        if (!area.contains(r))
            problems << where + QStringLiteral(": the label '%1' leaves the plot (%2,%3 %4x%5 "
                                               "outside %6,%7 %8x%9)")
                                    .arg(text->text())
                                    .arg(r.x())
                                    .arg(r.y())
                                    .arg(r.width())
                                    .arg(r.height())
                                    .arg(area.x())
                                    .arg(area.y())
                                    .arg(area.width())
                                    .arg(area.height());
    }
    return problems;
}

QStringList squeezedWidgets(QWidget* root, const QString& where) {
    QStringList problems;
    for (views::ChartView* chart : root->findChildren<views::ChartView*>())
        if (onScreen(chart) && chart->height() < kMinChartHeight)
            problems << QStringLiteral("%1: chart '%2' is %3 px tall")
                            .arg(where, chart->title())
                            .arg(chart->height());
    for (QAbstractButton* b : root->findChildren<QAbstractButton*>()) {
        if (!onScreen(b) || b->text().isEmpty()) continue;
        if (qobject_cast<QTabBar*>(b->parentWidget())) continue; // scroll arrows
        QString text = b->text();
        text.remove(QLatin1Char('&'));
        // At its size hint a button shows its label whole; a push button's hint has a minimum
        // width, so the label plus a little padding is enough for it.
        int need = b->sizeHint().width();
        if (qobject_cast<QPushButton*>(b))
            need = std::min(need, b->fontMetrics().horizontalAdvance(text) + 8 +
                                      (b->icon().isNull() ? 0 : b->iconSize().width()));
        // What shows of it: a scroll area's viewport or a splitter can cut a button that has
        // its full width.
        // (One scrolled wholly out of view is not cut: the pane scrolls to it.)
        const QRect seen = b->visibleRegion().boundingRect();
        if (seen.isEmpty()) continue;
        const int shown = std::min(b->width(), seen.width());
        if (shown < need)
            problems << QStringLiteral("%1: '%2' shows %3 px, its label needs %4")
                            .arg(where, text)
                            .arg(shown)
                            .arg(need);
    }
    return problems;
}

} // namespace llmlab::test
