// The data model behind the grokking lab's curves: every logged evaluation of one run, the
// memorisation and grokking steps, and decimated series for drawing. No widgets, so tests can
// feed it rows and check what the charts would show.
#pragma once

#include "ChartData.h"

#include "train/Trainer.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmlab::views {

/// Which column of the metrics log a series shows.
enum class Curve {
    TrainLoss,
    ValLoss,
    TrainAcc,
    ValAcc,
    WeightNorm,
    RestrictedLoss, ///< Nanda et al.'s progress measures: NaN where the task has none
    ExcludedLoss,
    FourierGini,
};

class TrainingCurves {
public:
    /// Accuracy at which a run counts as memorised (train) or grokked (validation).
    static constexpr double kThreshold = 0.99;

    void clear();
    /// Replaces every row (a run loaded from its metrics.csv).
    void setRows(const std::vector<TrainMetrics>& rows);
    /// Appends one evaluation. A row at or before the last step first drops the rows from that
    /// step on: a resumed run re-logs from its checkpoint, and the log on disk does the same.
    void append(const TrainMetrics& row);

    const std::vector<TrainMetrics>& rows() const { return m_rows; }
    std::size_t size() const { return m_rows.size(); }
    std::int64_t lastStep() const { return m_rows.empty() ? 0 : m_rows.back().step; }
    /// First step with train accuracy >= kThreshold; -1 when not reached.
    std::int64_t memorisedStep() const { return m_memorised; }
    /// First step with validation accuracy >= kThreshold; -1 when not reached.
    std::int64_t grokkedStep() const { return m_grokked; }

    /// A column against steps, decimated to `maxPoints` (see decimateMinMax).
    SeriesData series(Curve curve, const QString& name, std::size_t maxPoints,
                      bool positiveKeysOnly = false) const;
    /// Names of the per-component weight norms, in first-seen order (embed, attn, mlp, ...).
    const std::vector<std::string>& componentNames() const { return m_componentNames; }
    /// True when some row has the progress measures (a+b or a-b over every pair).
    bool hasProgressMeasures() const { return m_hasProgress; }
    SeriesData componentSeries(const std::string& component, const QString& name,
                               std::size_t maxPoints, bool positiveKeysOnly = false) const;

private:
    void pushColumns(const TrainMetrics& row);
    void rebuild();

    std::vector<TrainMetrics> m_rows;
    // Columns kept alongside the rows so a replot does not walk the structs each time.
    std::vector<double> m_steps, m_trainLoss, m_valLoss, m_trainAcc, m_valAcc, m_weightNorm;
    std::vector<double> m_restricted, m_excluded, m_gini;
    bool m_hasProgress = false;
    std::vector<std::string> m_componentNames;
    std::map<std::string, std::vector<double>> m_components; // NaN where a row lacks it
    std::int64_t m_memorised = -1;
    std::int64_t m_grokked = -1;
};

} // namespace llmlab::views
