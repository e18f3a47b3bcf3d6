// The Sweeps lab's charts: loss against compute and against model size with their power-law
// fits, IsoFLOP parabolas with their minima, the compute-optimal N_opt(C) beside Chinchilla's
// slope, double-descent curves, the phase diagram of grokking, and one run's curves and
// embedding ring. Each is fed engine results; none computes a fit itself.
#pragma once

#include "ChartView.h"
#include "sweep/DoubleDescent.h"
#include "sweep/Phases.h"
#include "sweep/ScalingFits.h"
#include "train/Trainer.h"

#include <vector>

namespace llmlab::views {

/// Final validation loss of every run (grey) against compute or parameters, the frontier
/// (lowest loss per budget or size) and the fitted L = a x^-γ + b, its formula and the 95%
/// interval of γ in the legend. Log-log.
class ScalingLawChart : public ChartView {
    Q_OBJECT
public:
    enum class Axis { Compute, Params };
    explicit ScalingLawChart(Axis axis, QWidget* parent = nullptr);
    void setData(const std::vector<ScalingPoint>& runs, const std::vector<ScalingPoint>& frontier,
                 const PowerLawFit& fit, const Interval& gamma);

private:
    Axis m_axis;
};

/// One curve per compute budget: the runs' loss against N (log x), the fitted parabola in
/// ln N, and its minimum as a star.
class IsoFlopChart : public ChartView {
    Q_OBJECT
public:
    explicit IsoFlopChart(QWidget* parent = nullptr);
    void setProfiles(const std::vector<IsoFlopProfile>& profiles);
};

/// N_opt and D_opt against C from the IsoFLOP minima, the fitted lines with their exponents
/// and intervals, and Chinchilla's exponent 0.5 drawn through the same middle for reference.
class ComputeOptimalChart : public ChartView {
    Q_OBJECT
public:
    explicit ComputeOptimalChart(QWidget* parent = nullptr);
    void setFit(const ComputeOptimalFit& fit);
};

/// Test (and train) error against the number of random features, one curve per ridge, the
/// interpolation threshold (features = samples) as a vertical line; or, for a width sweep of
/// the toy transformer, validation loss against the width.
class DoubleDescentChart : public ChartView {
    Q_OBJECT
public:
    explicit DoubleDescentChart(QWidget* parent = nullptr);
    void setFeatures(const std::vector<RandomFeaturesPoint>& curve, int samples);
    /// x: the varied model size; y: final validation and training loss per run.
    void setWidthCurve(const QString& xLabel, const std::vector<double>& x,
                       const std::vector<double>& valLoss, const std::vector<double>& trainLoss);
};

/// The phase of each run of a two-axis grokking sweep as a coloured cell (comprehension,
/// grokking, memorisation, confusion), the phase and both steps in the cell's tooltip; a click
/// asks for the run's curves.
class PhaseDiagramChart : public ChartView {
    Q_OBJECT
public:
    explicit PhaseDiagramChart(QWidget* parent = nullptr);
    struct Cell {
        int column = 0, row = 0, runIndex = -1;
        PhaseResult phase;
        bool finished = false;
        QString label;
    };
    /// Axis names and the tick text of each column and row.
    void setCells(const QString& xName, const QStringList& xTicks, const QString& yName,
                  const QStringList& yTicks, const std::vector<Cell>& cells);
    /// The tooltip text at a data point (empty outside every cell); tests read it.
    QString cellText(double x, double y) const;
    int runAt(double x, double y) const;

signals:
    void runClicked(int runIndex);

private:
    const Cell* cellAt(double x, double y) const;
    std::vector<Cell> m_cells;
};

/// One run's train and validation accuracy (or loss) against the step, the slingshot events
/// as vertical markers and the last layer's norm on a second series.
class SweepRunChart : public ChartView {
    Q_OBJECT
public:
    explicit SweepRunChart(QWidget* parent = nullptr);
    void setRun(const QString& label, const std::vector<TrainMetrics>& rows,
                const std::vector<SlingshotEvent>& slingshots, bool lossNotAccuracy);
};

/// The token embeddings' 2-D PCA, each operand coloured by its value around the hue circle:
/// a ring appears when the representation becomes structured.
class EmbeddingPcaChart : public ChartView {
    Q_OBJECT
public:
    explicit EmbeddingPcaChart(QWidget* parent = nullptr);
    void setPca(const EmbeddingPca& pca, std::int64_t step);
};

} // namespace llmlab::views
