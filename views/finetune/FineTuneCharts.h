// The fine-tuning lab's charts: the losses as training goes (the batch's, the held-out tenth's,
// and the reference text's — the forgetting curve), and the training speed.
#pragma once

#include "ChartView.h"

#include <vector>

namespace llmlab::views {

class FineTuneLossChart : public ChartView {
    Q_OBJECT
public:
    explicit FineTuneLossChart(QWidget* parent = nullptr);
    /// One point per evaluation; NaN where a value was not measured (no reference text, the
    /// batch loss before the first step).
    void setCurves(const std::vector<double>& steps, const std::vector<double>& train,
                   const std::vector<double>& heldOut, const std::vector<double>& reference);
};

class FineTuneSpeedChart : public ChartView {
    Q_OBJECT
public:
    explicit FineTuneSpeedChart(QWidget* parent = nullptr);
    void setSpeed(const std::vector<double>& steps, const std::vector<double>& tokensPerSecond);
};

/// One quantity per evaluation (the gradient norm, the learning rate): a line over the steps.
class FineTuneSeriesChart : public ChartView {
    Q_OBJECT
public:
    FineTuneSeriesChart(const QString& title, const QString& yLabel, const QString& emptyText,
                        const QString& exportName, QWidget* parent = nullptr);
    /// Points at step 0 (the evaluation before training) are left out.
    void setSeries(const std::vector<double>& steps, const std::vector<double>& values);

private:
    QString m_name;
};

} // namespace llmlab::views
