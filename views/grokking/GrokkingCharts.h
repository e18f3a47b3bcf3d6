// The grokking lab's charts: loss, accuracy, weight norms, Nanda et al.'s progress measures
// (restricted and excluded loss, the Fourier Gini coefficient), embedding spectrum and attention
// at "=". Keeps every logged point of the current run (TrainingCurves) and overlays of past runs,
// and redraws on a timer so a fast training loop never waits for the plots.
#pragma once

#include "ChartView.h"
#include "CurvesChart.h"
#include "TrainingCurves.h"

#include <QElapsedTimer>
#include <QTimer>

#include <vector>

namespace llmlab::views {

/// A finished or stopped run drawn beside the current one.
struct OverlayRun {
    QString label; ///< legend name, e.g. "wd 0.3"
    std::vector<TrainMetrics> rows;
};

class GrokkingCharts : public QWidget {
    Q_OBJECT
public:
    /// At most this many points per drawn series (decimated min/max beyond it).
    static constexpr std::size_t kMaxDrawnPoints = 2000;
    /// Curves replot at most every 100 ms (10/s); snapshots at most every 300 ms.
    static constexpr int kCurveIntervalMs = 100;
    static constexpr int kSnapshotIntervalMs = 300;
    /// No chart is drawn shorter than this: below it the window scrolls (a 1280x720 laptop).
    static constexpr int kMinChartHeight = 190;

    explicit GrokkingCharts(QWidget* parent = nullptr);

    /// Starts showing a new current run named `label`, with the rows it already has (resume).
    void startRun(const QString& label, const std::vector<TrainMetrics>& earlier = {});
    /// One evaluation of the current run; drawn at the next throttled refresh.
    void addMetrics(const TrainMetrics& row);
    /// The latest spectrum and attention; drawn at the next throttled refresh.
    void setSnapshot(const std::vector<double>& spectrum, const AttentionAtEquals& attention);
    /// Past runs overlaid on the loss and accuracy charts.
    void setOverlays(std::vector<OverlayRun> overlays);
    const std::vector<OverlayRun>& overlays() const { return m_overlays; }

    void setLogSteps(bool on);
    bool logSteps() const { return m_logSteps; }

    /// Draws everything now (the end of a run, tests).
    void refreshNow();
    /// The data model of the current run; tests may feed it directly, then call refreshNow().
    TrainingCurves& currentCurves() { return m_current; }
    const TrainingCurves& currentCurves() const { return m_current; }
    QString currentLabel() const { return m_currentLabel; }
    /// How many times the curve charts were redrawn (to check the throttle).
    int curveRefreshCount() const { return m_curveRefreshes; }
    bool hasSnapshot() const { return m_hasSnapshot; }

    CurvesChart* lossChart() const { return m_loss; }
    CurvesChart* accuracyChart() const { return m_accuracy; }
    CurvesChart* normChart() const { return m_norms; }
    CurvesChart* progressChart() const { return m_progress; }
    CurvesChart* giniChart() const { return m_gini; }
    /// The key frequencies of the last evaluation (empty when unknown: a run read from disk).
    const std::vector<int>& keyFrequencies() const { return m_keyFrequencies; }
    ChartView* spectrumChart() const { return m_spectrum; }
    ChartView* attentionChart() const { return m_attention; }
    QList<ChartView*> charts() const;

private:
    void schedule();
    void onTimer();
    void refreshCurves();
    void refreshSnapshot();
    std::vector<StepMarker> markers() const;

    CurvesChart* m_loss = nullptr;
    CurvesChart* m_accuracy = nullptr;
    CurvesChart* m_norms = nullptr;
    CurvesChart* m_progress = nullptr;
    CurvesChart* m_gini = nullptr;
    std::vector<int> m_keyFrequencies;
    ChartView* m_spectrum = nullptr;
    ChartView* m_attention = nullptr;

    TrainingCurves m_current;
    QString m_currentLabel;
    bool m_hasCurrent = false;
    std::vector<OverlayRun> m_overlays;
    std::vector<TrainingCurves> m_overlayCurves;
    std::vector<double> m_spectrumData;
    AttentionAtEquals m_attentionData;
    bool m_hasSnapshot = false;

    QTimer m_timer;
    QElapsedTimer m_sinceSnapshot;
    bool m_curvesDirty = false;
    bool m_snapshotDirty = false;
    bool m_logSteps = false;
    int m_curveRefreshes = 0;
};

} // namespace llmlab::views
