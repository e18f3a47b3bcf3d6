// The layout rules every chart follows, applied before each replot: tick labels thin out to
// fit their axis, the legend (under the plot) wraps into as many columns as fit, and text
// markers stay inside the plot. Also the geometry the layout tests measure.
#pragma once

#include <QRect>
#include <QVector>

class QCPAxis;
class QCPItemText;
class QCustomPlot;

namespace llmlab::views {

/// Applies the three rules to `plot` (call before a replot; ChartView does).
void fitChartToSpace(QCustomPlot& plot);

/// Where each tick label of `axis` is drawn, in widget pixels (after a replot).
QVector<QRect> tickLabelRects(const QCPAxis& axis);

/// Where a text item is drawn, in widget pixels (after a replot).
QRect textItemRect(const QCPItemText& item);

} // namespace llmlab::views
