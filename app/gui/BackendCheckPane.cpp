#include "BackendCheckPane.h"

#include "ChartView.h"
#include "OpCheckModel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <map>

namespace llmlab::gui {

namespace {
const QString kOpCheckKind = QStringLiteral("opcheck");
const QString kBenchKind = QStringLiteral("bench");
} // namespace

BackendCheckPane::BackendCheckPane(JobRunner* runner, QWidget* parent)
    : QWidget(parent), m_runner(runner), m_model(new views::OpCheckModel(this)),
      m_benchSizes(standardBenchSizes()) {
    m_runAll = new QPushButton(tr("Run check"), this);
    m_runAll->setToolTip(tr("Compare every op on Vulkan against the CPU, then time matmul"));
    m_opButton = new QPushButton(tr("Ops only"), this);
    m_benchButton = new QPushButton(tr("Benchmark only"), this);
    // Fewer repetitions than `llmlab-cli bench` by default: the GUI wants a quick look.
    m_reps = new QSpinBox(this);
    m_reps->setRange(1, 50);
    m_reps->setValue(3);
    m_reps->setPrefix(tr("reps "));
    auto* exportButton = new QPushButton(tr("Export chart…"), this);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_runAll);
    buttons->addWidget(m_opButton);
    buttons->addWidget(m_benchButton);
    buttons->addWidget(m_reps);
    buttons->addStretch(1);
    buttons->addWidget(exportButton);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("opCheckTable"));
    m_table->setModel(m_model);
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_opSummary = new QLabel(tr("Op check: not run yet."), this);
    m_opSummary->setWordWrap(true);

    m_chart = new views::ChartView(this);
    m_chart->setObjectName(QStringLiteral("benchChart"));
    m_chart->setTitle(tr("Matmul throughput"));
    m_chart->setAxisLabels(tr("n (n\u00D7n\u00D7n product)"), tr("GFLOP/s"));
    m_chart->setExportBaseName(QStringLiteral("matmul-bench"));
    m_chart->setEmptyText(tr("\"Run check\" or \"Benchmark only\" measures matmul throughput"));
    m_benchSummary = new QLabel(tr("Benchmark: not run yet."), this);
    m_benchSummary->setWordWrap(true);

    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_opSummary);
    tableLayout->addWidget(m_table, 1);
    auto* chartBox = new QWidget(this);
    auto* chartLayout = new QVBoxLayout(chartBox);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    chartLayout->addWidget(m_benchSummary);
    chartLayout->addWidget(m_chart, 1);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(tableBox);
    splitter->addWidget(chartBox);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(splitter, 1);

    connect(m_runAll, &QPushButton::clicked, this, &BackendCheckPane::runAll);
    connect(m_opButton, &QPushButton::clicked, this, &BackendCheckPane::runOpCheck);
    connect(m_benchButton, &QPushButton::clicked, this, &BackendCheckPane::runBench);
    connect(exportButton, &QPushButton::clicked, m_chart, &views::ChartView::showExportDialog);
    connect(m_runner, &JobRunner::jobFinished, this, &BackendCheckPane::jobFinished);
    connect(m_runner, &JobRunner::jobFailed, this, &BackendCheckPane::jobEnded);
    connect(m_runner, &JobRunner::jobCancelled, this,
            [this](quint64 id, const QString& kind) { jobEnded(id, kind, tr("cancelled")); });
    m_opButton->setEnabled(false); // until the device list says there is Vulkan
}

void BackendCheckPane::setDevices(const DevicesSnapshot& devices) {
    m_hasVulkan = devices.hasVulkan();
    m_opButton->setEnabled(m_hasVulkan);
    if (!m_hasVulkan) {
        m_opButton->setToolTip(tr("No Vulkan device: %1").arg(devices.vulkanProblem));
        m_opSummary->setText(
            tr("Op check unavailable: no Vulkan device (%1). The benchmark runs on the CPU and "
               "Eigen.")
                .arg(devices.vulkanProblem));
    } else if (m_model->rowCount() == 0) {
        m_opSummary->setText(tr("Op check: not run yet."));
    }
}

void BackendCheckPane::runOpCheck() {
    if (!m_hasVulkan) return;
    m_opSummary->setText(tr("Op check: running…"));
    m_opJob = m_runner->submit(kOpCheckKind, tr("Checking ops (Vulkan vs CPU)"),
                               makeOpCheckJob(m_vulkanDevice));
}

void BackendCheckPane::runBench() {
    m_benchSummary->setText(tr("Benchmark: running…"));
    m_benchJob =
        m_runner->submit(kBenchKind, tr("Benchmarking matmul"),
                         makeBenchJob(m_benchSizes, m_reps->value(), m_hasVulkan, m_vulkanDevice));
}

void BackendCheckPane::runAll() {
    runOpCheck();
    runBench();
}

void BackendCheckPane::showOpCheck(const OpCheckSnapshot& snapshot) {
    m_model->setResults(snapshot.results);
    m_table->resizeColumnsToContents();
    const int passed = m_model->passedCount(), total = m_model->rowCount();
    m_opSummary->setText(tr("%1 of %2 op cases pass on %3 (NMSE against the CPU reference).")
                             .arg(passed)
                             .arg(total)
                             .arg(snapshot.testDevice));
    emit opCheckShown();
}

void BackendCheckPane::showBench(const BenchSnapshot& snapshot) {
    // One series per backend, in the order they were measured; n ascending within each.
    std::vector<std::string> order;
    std::map<std::string, views::SeriesData> series;
    QStringList devices;
    for (const MatmulBenchResult& r : snapshot.results) {
        auto [it, inserted] = series.try_emplace(r.backend);
        if (inserted) {
            order.push_back(r.backend);
            it->second.name = QString::fromStdString(r.backend);
            devices << QStringLiteral("%1: %2").arg(QString::fromStdString(r.backend),
                                                    QString::fromStdString(r.device));
        }
        it->second.keys.push_back(r.n);
        it->second.values.push_back(r.gflops);
    }
    m_chart->clear();
    for (const std::string& name : order)
        m_chart->addSeries(series[name], views::SeriesStyle::LineAndScatter);
    m_chart->rescale();
    m_benchSummary->setText(devices.join(QStringLiteral("; ")));
    emit benchShown();
}

void BackendCheckPane::jobFinished(quint64 id, const QString& kind, const QVariant& result) {
    if (id != m_opJob && id != m_benchJob) return;
    if (kind == kOpCheckKind && result.canConvert<OpCheckSnapshot>())
        showOpCheck(result.value<OpCheckSnapshot>());
    else if (kind == kBenchKind && result.canConvert<BenchSnapshot>())
        showBench(result.value<BenchSnapshot>());
}

void BackendCheckPane::jobEnded(quint64 id, const QString& kind, const QString& message) {
    if (id != m_opJob && id != m_benchJob) return;
    if (kind == kOpCheckKind) m_opSummary->setText(tr("Op check: %1.").arg(message));
    if (kind == kBenchKind) m_benchSummary->setText(tr("Benchmark: %1.").arg(message));
}

} // namespace llmlab::gui
