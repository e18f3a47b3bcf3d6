// The "Backend check" pane: every op compared Vulkan vs CPU, and the matmul benchmark chart.
#pragma once

#include "Jobs.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace llmlab::views {
class ChartView;
class OpCheckModel;
} // namespace llmlab::views

namespace llmlab::gui {

/// Submits its jobs to the app's JobRunner and shows their snapshots: a pass/fail table of
/// standardOpCases() and a GFLOP/s-vs-n chart per backend (exportable like every chart).
class BackendCheckPane : public QWidget {
    Q_OBJECT
public:
    explicit BackendCheckPane(JobRunner* runner, QWidget* parent = nullptr);

    /// Enables the op check when there is a Vulkan device; else shows why not.
    void setDevices(const DevicesSnapshot& devices);
    /// The Vulkan device the check and the benchmark use (-1: the factory's default).
    void setVulkanDevice(int index) { m_vulkanDevice = index; }
    /// The matrix sizes benchmarked (standardBenchSizes() unless set; tests use small ones).
    void setBenchSizes(std::vector<int> sizes) { m_benchSizes = std::move(sizes); }

    views::ChartView* benchChart() const { return m_chart; }
    views::OpCheckModel* opModel() const { return m_model; }

    /// Shows a finished snapshot (also used directly by tests and by loading saved results).
    void showOpCheck(const OpCheckSnapshot& snapshot);
    void showBench(const BenchSnapshot& snapshot);

public slots:
    void runOpCheck();
    void runBench();
    /// Both, op check first (the bench then waits its turn on the worker).
    void runAll();

signals:
    void opCheckShown();
    void benchShown();

private:
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobEnded(quint64 id, const QString& kind, const QString& message);

    JobRunner* m_runner = nullptr;
    views::OpCheckModel* m_model = nullptr;
    views::ChartView* m_chart = nullptr;
    QTableView* m_table = nullptr;
    QPushButton* m_runAll = nullptr;
    QPushButton* m_opButton = nullptr;
    QPushButton* m_benchButton = nullptr;
    QSpinBox* m_reps = nullptr;
    QLabel* m_opSummary = nullptr;
    QLabel* m_benchSummary = nullptr;
    bool m_hasVulkan = false;
    int m_vulkanDevice = -1;
    quint64 m_opJob = 0; // the latest job of each kind: older ones' ends are ignored
    quint64 m_benchJob = 0;
    std::vector<int> m_benchSizes;
};

} // namespace llmlab::gui
