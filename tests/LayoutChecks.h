// Geometry checks shared by the GUI tests: a chart's layout rules (legend clear of the plot and
// whole, tick labels apart, marker labels inside) and a window's (no chart squeezed flat, no
// button label cut). Each returns one sentence per problem, so a test can report them all.
#pragma once

#include <QString>
#include <QStringList>

class QWidget;

namespace llmlab::views {
class ChartView;
}

namespace llmlab::test {

/// Below this a chart shows little but its legend.
inline constexpr int kMinChartHeight = 150;

/// Visible and not hidden behind another tab (a dock tabbed behind another counts as hidden,
/// though Qt calls it visible).
bool onScreen(const QWidget* widget);

/// Replots `chart` (twice: the rules read the previous layout) and lists what breaks the chart
/// base's rules. `what` names the chart in the sentences.
QStringList chartLayoutProblems(views::ChartView* chart, const QString& what);

/// Visible charts under `root` shorter than kMinChartHeight, and visible buttons and check
/// boxes narrower than their label needs. `where` starts each sentence.
QStringList squeezedWidgets(QWidget* root, const QString& where);

} // namespace llmlab::test
