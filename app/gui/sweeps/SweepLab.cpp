#include "SweepLab.h"

#include "SweepController.h"
#include "lm/LmRun.h"
#include "sweeps/SweepCharts.h"
#include "train/RunStore.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

namespace llmlab::gui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

// The text a scaling sweep trains on by default: $LLMLAB_TEXT, else the fixtures' copy.
std::string defaultText() {
    if (const char* env = std::getenv("LLMLAB_TEXT")) return env;
#ifdef LLMLAB_DEFAULT_TEXT
    return LLMLAB_DEFAULT_TEXT;
#else
    return "";
#endif
}

std::int64_t runLength(const SweepSpec& spec, const SweepRun& run) {
    try {
        if (spec.kind == SweepKind::Grokking) return configFromJson(run.configJson).maxSteps;
        if (spec.kind == SweepKind::Lm) return lmConfigFromJson(run.configJson).steps;
    } catch (const std::exception&) {
    }
    return 0;
}

enum Column { ColRun, ColSettings, ColStatus, ColStep, ColResult, ColumnCount };

} // namespace

SweepLab::SweepLab(JobRunner* runner, QWidget* parent)
    : QWidget(parent), m_runner(runner), m_controller(new SweepController(this)) {
    m_preset = new QComboBox(this);
    for (const std::string& name : sweepPresetNames()) m_preset->addItem(q(name));
    m_preset->setToolTip(tr("A built-in sweep; its JSON below can be edited before running"));
    m_openSpec = new QPushButton(tr("Open spec…"), this);
    m_openFolder = new QPushButton(tr("Open sweep folder…"), this);
    m_openFolder->setToolTip(tr("Show (or resume) a sweep run before, from the app or "
                                "llmlab-cli sweep"));
    m_folder = new QLineEdit(this);
    m_folder->setToolTip(tr("The sweep's folder: run-NNNN/ per run, sweep.json, results.csv. "
                            "Running again in the same folder resumes it."));
    m_jobs = new QSpinBox(this);
    m_jobs->setRange(1, std::max(1, QThread::idealThreadCount() * 2));
    m_jobs->setValue(std::max(1, QThread::idealThreadCount()));
    m_jobs->setToolTip(tr("Runs at once, one CPU thread each"));
    m_run = new QPushButton(tr("Run sweep"), this);
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setEnabled(false);
    m_export = new QPushButton(tr("Export chart…"), this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_spec = new QPlainTextEdit(this);
    m_spec->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_spec->setToolTip(tr("The sweep as JSON: \"base\" (the config every run starts from), "
                          "\"grid\" (fields by dotted path and their values) or \"runs\" (a "
                          "list of changes)"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::TypeWriter);
    m_spec->setFont(mono);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels(
        {tr("run"), tr("settings"), tr("status"), tr("step"), tr("result")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ColSettings, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);

    m_lossVsC = new views::ScalingLawChart(views::ScalingLawChart::Axis::Compute, this);
    m_lossVsN = new views::ScalingLawChart(views::ScalingLawChart::Axis::Params, this);
    m_isoflop = new views::IsoFlopChart(this);
    m_optimal = new views::ComputeOptimalChart(this);
    m_descent = new views::DoubleDescentChart(this);
    m_phases = new views::PhaseDiagramChart(this);
    m_runCurves = new views::SweepRunChart(this);
    m_pca = new views::EmbeddingPcaChart(this);
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setRange(0.5, 1.0);
    m_threshold->setDecimals(3);
    m_threshold->setSingleStep(0.01);
    m_threshold->setValue(0.99);
    m_threshold->setToolTip(tr("An accuracy at or above this counts as reached"));
    m_delay = new QDoubleSpinBox(this);
    m_delay->setRange(1.0, 100.0);
    m_delay->setSingleStep(0.5);
    m_delay->setValue(2.0);
    m_delay->setToolTip(tr("Grokking when validation reaches the threshold more than this many "
                           "times later than training; sooner is comprehension"));
    m_pcaStep = new QSlider(Qt::Horizontal, this);
    m_pcaStep->setEnabled(false);
    m_pcaStep->setToolTip(tr("The snapshot of the run whose embeddings are shown"));
    m_runMetric = new QComboBox(this);
    m_runMetric->addItems({tr("accuracy"), tr("loss")});

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Sweep:"), this));
    top->addWidget(m_preset);
    top->addWidget(m_openSpec);
    top->addWidget(m_openFolder);
    top->addWidget(new QLabel(tr("Folder:"), this));
    top->addWidget(m_folder, 1);
    top->addWidget(new QLabel(tr("At once:"), this));
    top->addWidget(m_jobs);
    top->addWidget(m_run);
    top->addWidget(m_stop);
    top->addWidget(m_export);

    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_spec);
    left->addWidget(m_table);
    left->setStretchFactor(0, 2);
    left->setStretchFactor(1, 3);

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_lossVsC, tr("Loss vs C"));
    m_tabs->addTab(m_lossVsN, tr("Loss vs N"));
    m_tabs->addTab(m_isoflop, tr("IsoFLOP"));
    m_tabs->addTab(m_optimal, tr("N_opt(C)"));
    m_tabs->addTab(m_descent, tr("Double descent"));
    auto* phasePage = new QWidget(this);
    auto* phaseLayout = new QVBoxLayout(phasePage);
    auto* thresholds = new QHBoxLayout;
    thresholds->addWidget(new QLabel(tr("Reached at accuracy ≥"), phasePage));
    thresholds->addWidget(m_threshold);
    thresholds->addWidget(new QLabel(tr("grokking when validation is later by ×"), phasePage));
    thresholds->addWidget(m_delay);
    thresholds->addStretch(1);
    phaseLayout->addLayout(thresholds);
    phaseLayout->addWidget(m_phases, 1);
    m_tabs->addTab(phasePage, tr("Phases"));
    auto* runPage = new QWidget(this);
    auto* runLayout = new QVBoxLayout(runPage);
    auto* runTop = new QHBoxLayout;
    runTop->addWidget(new QLabel(tr("Show"), runPage));
    runTop->addWidget(m_runMetric);
    runTop->addWidget(new QLabel(tr("Embeddings at snapshot:"), runPage));
    runTop->addWidget(m_pcaStep, 1);
    runLayout->addLayout(runTop);
    auto* runCharts = new QSplitter(Qt::Horizontal, runPage);
    runCharts->addWidget(m_runCurves);
    runCharts->addWidget(m_pca);
    runLayout->addWidget(runCharts, 1);
    m_tabs->addTab(runPage, tr("Run"));

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({480, 800}); // the table's settings readable at 1280 wide

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    auto* status = new QHBoxLayout;
    status->addWidget(m_progress, 1);
    status->addWidget(m_message, 3);
    layout->addLayout(status);
    layout->addWidget(split, 1);

    connect(m_preset, qOverload<int>(&QComboBox::activated), this, &SweepLab::loadPreset);
    connect(m_run, &QPushButton::clicked, this, &SweepLab::runSweep);
    connect(m_stop, &QPushButton::clicked, this, &SweepLab::stop);
    connect(m_openSpec, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a sweep spec"), QString(),
                                                          tr("Sweep (*.json)"));
        if (path.isEmpty()) return;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            setMessage(tr("%1: cannot be read").arg(path));
            return;
        }
        m_spec->setPlainText(QString::fromUtf8(f.readAll()));
        QString error;
        if (auto spec = parsedSpec(&error)) m_folder->setText(defaultFolder(q(spec->name)));
        setMessage(error.isEmpty() ? tr("Opened %1").arg(path) : error);
    });
    connect(m_openFolder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a sweep folder"));
        if (!dir.isEmpty()) openFolder(dir);
    });
    connect(m_export, &QPushButton::clicked, this, [this] {
        QWidget* page = m_tabs->currentWidget();
        auto* chart = qobject_cast<views::ChartView*>(page);
        if (!chart) chart = page->findChild<views::ChartView*>();
        if (chart) chart->showExportDialog();
    });
    connect(m_table, &QTableWidget::cellClicked, this, [this](int row, int) { showRun(row); });
    connect(m_phases, &views::PhaseDiagramChart::runClicked, this, [this](int run) {
        showRun(run);
        m_tabs->setCurrentIndex(m_tabs->count() - 1);
    });
    connect(m_threshold, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            [this] { drawPhases(); });
    connect(m_delay, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            [this] { drawPhases(); });
    connect(m_runMetric, qOverload<int>(&QComboBox::activated), this,
            [this] { showRun(m_shownRun); });
    connect(m_pcaStep, &QSlider::valueChanged, this, &SweepLab::showPcaAt);
    connect(m_controller, &SweepController::runStateChanged, this, &SweepLab::runStateChanged);
    connect(m_controller, &SweepController::runStep, this, &SweepLab::runStep);
    connect(m_controller, &SweepController::finished, this, &SweepLab::sweepFinished);
    connect(m_runner, &JobRunner::jobFinished, this,
            [this](quint64 id, const QString&, const QVariant& result) {
                if (id == m_analysisJob) showAnalysis(result.value<SweepAnalysisSnapshot>());
            });
    connect(m_runner, &JobRunner::jobFailed, this,
            [this](quint64 id, const QString&, const QString& message) {
                if (id == m_analysisJob) setMessage(message);
            });
    loadPreset(0);
}

SweepLab::~SweepLab() = default;

QString SweepLab::defaultFolder(const QString& name) {
    QDir runs(q(RunStore::defaultRunsRoot()));
    return QDir::cleanPath(runs.absoluteFilePath(QStringLiteral("../sweeps/") + name));
}

QString SweepLab::message() const {
    return m_message->text();
}

bool SweepLab::isRunning() const {
    return m_controller->isRunning();
}

void SweepLab::setMessage(const QString& text) {
    m_message->setText(text);
}

void SweepLab::loadPreset(int index) {
    const std::string name = m_preset->itemText(index).toStdString();
    m_spec->setPlainText(q(sweepPresetText(name, defaultText())));
    m_folder->setText(defaultFolder(q(name)));
    QString error;
    if (auto spec = parsedSpec(&error)) {
        setSpec(*spec);
        setMessage(tr("%1: %2 runs. Run sweep trains them (a folder that has some resumes).")
                       .arg(q(name))
                       .arg(spec->runs.size()));
        if (QFileInfo::exists(m_folder->text() + "/sweep.json")) refreshAnalysis();
    } else {
        setMessage(error);
    }
}

std::optional<SweepSpec> SweepLab::parsedSpec(QString* error) const {
    try {
        return parseSweepSpec(m_spec->toPlainText().toStdString(), "the sweep");
    } catch (const std::exception& e) {
        if (error) *error = q(e.what());
        return std::nullopt;
    }
}

void SweepLab::setSpec(const SweepSpec& spec) {
    m_current = spec;
    m_currentDir = m_folder->text();
    m_runSteps.assign(spec.runs.size(), 0);
    m_runMax.clear();
    for (const SweepRun& r : spec.runs) m_runMax.push_back(runLength(spec, r));
    m_runState.assign(spec.runs.size(), int(SweepRunState::State::Pending));
    m_shownRun = -1;
    fillTable();
    for (views::ChartView* c : std::initializer_list<views::ChartView*>{
             m_lossVsC, m_lossVsN, m_isoflop, m_optimal, m_descent, m_phases, m_runCurves, m_pca})
        c->clear();
    updateProgress();
}

void SweepLab::fillTable() {
    m_table->setRowCount(0);
    if (!m_current) return;
    m_table->setRowCount(int(m_current->runs.size()));
    for (const SweepRun& r : m_current->runs) {
        auto set = [&](int col, const QString& text) {
            m_table->setItem(r.index, col, new QTableWidgetItem(text));
        };
        set(ColRun, QString::number(r.index));
        set(ColSettings, q(r.label));
        set(ColStatus, tr("pending"));
        set(ColStep, QString());
        set(ColResult, QString());
    }
}

bool SweepLab::openFolder(const QString& dir) {
    if (isRunning()) {
        setMessage(tr("Stop the running sweep first."));
        return false;
    }
    try {
        const SweepSpec spec = loadSweepSpec((dir + "/sweep.json").toStdString());
        m_spec->setPlainText(q(spec.text));
        m_folder->setText(dir);
        const int preset = m_preset->findText(q(spec.name));
        if (preset >= 0) m_preset->setCurrentIndex(preset);
        setSpec(spec);
        refreshAnalysis();
        setMessage(tr("%1: sweep '%2', %3 runs").arg(dir, q(spec.name)).arg(spec.runs.size()));
        return true;
    } catch (const std::exception& e) {
        setMessage(q(e.what()));
        return false;
    }
}

void SweepLab::runSweep() {
    QString error;
    const auto spec = parsedSpec(&error);
    if (!spec) {
        setMessage(error);
        return;
    }
    const QString dir = m_folder->text().trimmed();
    if (dir.isEmpty()) {
        setMessage(tr("Choose a folder for the sweep."));
        return;
    }
    m_folder->setText(dir);
    try {
        prepareSweepFolder(*spec, dir.toStdString());
    } catch (const std::exception& e) {
        setMessage(q(e.what()));
        return;
    }
    setSpec(*spec);
    if (!m_controller->start(*spec, dir, m_jobs->value(), &error)) {
        setMessage(error);
        return;
    }
    m_run->setEnabled(false);
    m_stop->setEnabled(true);
    m_preset->setEnabled(false);
    m_openFolder->setEnabled(false);
    setMessage(tr("Running %1 runs, %2 at once…").arg(spec->runs.size()).arg(m_jobs->value()));
    refreshAnalysis(); // runs an earlier session finished show at once
}

void SweepLab::stop() {
    m_controller->stop();
    setMessage(tr("Stopping: each run writes its checkpoint…"));
}

void SweepLab::runStateChanged(int index, int state, const QString& error) {
    if (!m_current || index < 0 || index >= int(m_runState.size())) return;
    m_runState[std::size_t(index)] = state;
    using S = SweepRunState::State;
    const S s = S(state);
    const QString text = s == S::Running ? tr("running")
                         : s == S::Done  ? tr("done")
                         : s == S::Failed ? tr("failed")
                         : s == S::Stopped ? tr("stopped")
                                           : tr("pending");
    if (auto* item = m_table->item(index, ColStatus)) {
        item->setText(text);
        item->setToolTip(error);
    }
    if (s == S::Done) {
        m_runSteps[std::size_t(index)] = m_runMax[std::size_t(index)];
        if (auto* item = m_table->item(index, ColStep))
            item->setText(QString::number(m_runMax[std::size_t(index)]));
        refreshAnalysis();
    }
    updateProgress();
}

void SweepLab::runStep(int index, qint64 step) {
    if (index < 0 || index >= int(m_runSteps.size())) return;
    m_runSteps[std::size_t(index)] = step;
    if (auto* item = m_table->item(index, ColStep))
        item->setText(QStringLiteral("%1 / %2").arg(step).arg(m_runMax[std::size_t(index)]));
    updateProgress();
}

void SweepLab::updateProgress() {
    double total = 0, done = 0;
    for (std::size_t i = 0; i < m_runMax.size(); ++i) {
        total += double(m_runMax[i]);
        done += double(std::min(m_runSteps[i], m_runMax[i]));
    }
    m_progress->setValue(total > 0 ? int(1000 * done / total) : 0);
    int finished = 0;
    for (int s : m_runState) finished += s == int(SweepRunState::State::Done);
    m_progress->setFormat(tr("%1 of %2 runs, %p%").arg(finished).arg(m_runState.size()));
}

void SweepLab::sweepFinished(int done, int failed, bool cancelled, const QString& error) {
    m_run->setEnabled(true);
    m_stop->setEnabled(false);
    m_preset->setEnabled(true);
    m_openFolder->setEnabled(true);
    if (failed < 0)
        setMessage(error);
    else if (cancelled)
        setMessage(tr("Stopped with %1 runs done; Run sweep goes on from the checkpoints.")
                       .arg(done));
    else
        setMessage(tr("Sweep done: %1 runs%2. Results in %3/results.csv")
                       .arg(done)
                       .arg(failed ? tr(", %1 failed (%2)").arg(failed).arg(error) : QString())
                       .arg(m_currentDir));
    refreshAnalysis();
}

void SweepLab::refreshAnalysis() {
    if (!m_current) return;
    const SweepSpec spec = *m_current;
    const std::string dir = m_currentDir.toStdString();
    m_analysisJob = m_runner->submit(kAnalysisJob, tr("Fitting the sweep"),
                                     [spec, dir](JobContext&) -> QVariant {
                                         SweepAnalysisSnapshot s;
                                         s.results = readSweepResults(spec, dir);
                                         if (spec.kind == SweepKind::Lm)
                                             s.scaling = analyseScaling(s.results);
                                         if (spec.kind == SweepKind::RandomFeatures)
                                             s.features = readFeaturesResults(dir);
                                         return QVariant::fromValue(s);
                                     });
}

void SweepLab::showAnalysis(const SweepAnalysisSnapshot& s) {
    ++m_analyses;
    if (!m_current) return;
    for (const SweepResult& r : s.results) {
        if (r.index >= m_table->rowCount()) continue;
        if (r.status == "done" && m_runState[std::size_t(r.index)] != int(SweepRunState::State::Running)) {
            m_runState[std::size_t(r.index)] = int(SweepRunState::State::Done);
            m_runSteps[std::size_t(r.index)] = m_runMax[std::size_t(r.index)];
            m_table->item(r.index, ColStatus)->setText(tr("done"));
            m_table->item(r.index, ColStep)->setText(QString::number(m_runMax[std::size_t(r.index)]));
        } else if (r.status == "failed") {
            m_table->item(r.index, ColStatus)->setText(tr("failed"));
            m_table->item(r.index, ColStatus)->setToolTip(q(r.error));
        }
        auto value = [&](const char* k) {
            const auto it = r.values.find(k);
            return it == r.values.end() ? NAN : it->second;
        };
        QString result;
        if (r.status == "done") {
            if (m_current->kind == SweepKind::Lm)
                result = tr("val loss %1, C %2")
                             .arg(value("val_loss"), 0, 'f', 4)
                             .arg(value("flops"), 0, 'g', 3);
            else
                result = tr("val acc %1%, %2")
                             .arg(100 * value("val_acc"), 0, 'f', 1)
                             .arg(q(r.phase));
        }
        m_table->item(r.index, ColResult)->setText(result);
    }
    updateProgress();
    if (s.scaling) {
        const ScalingAnalysis& a = *s.scaling;
        m_lossVsC->setData(a.points, a.computeFrontier, a.lossVsCompute, a.lossVsComputeGamma);
        m_lossVsN->setData(a.points, a.sizeFrontier, a.lossVsParams, a.lossVsParamsGamma);
        m_isoflop->setProfiles(a.optimal.profiles);
        m_optimal->setFit(a.optimal);
    }
    if (m_current->kind == SweepKind::RandomFeatures && !s.features.empty())
        m_descent->setFeatures(s.features, m_current->features.samples);
    if (m_current->kind == SweepKind::Grokking && m_current->axes.size() == 1 ||
        (m_current->kind == SweepKind::Grokking && m_current->axes.size() >= 1 &&
         m_current->name.find("double-descent") != std::string::npos)) {
        // A one-axis grokking sweep (a width sweep): final losses against the axis.
        std::vector<double> x, val, train;
        for (const SweepResult& r : s.results) {
            const auto axis = r.values.find(m_current->axes[0]);
            if (r.status != "done" || axis == r.values.end()) continue;
            x.push_back(axis->second);
            val.push_back(r.values.at("val_loss"));
            train.push_back(r.values.at("train_loss"));
        }
        if (!x.empty())
            m_descent->setWidthCurve(q(m_current->axes[0]), x, val, train);
    }
    drawPhases();
}

void SweepLab::drawPhases() {
    if (!m_current || m_current->kind != SweepKind::Grokking || m_current->axes.size() < 2) {
        m_phases->clear();
        return;
    }
    PhaseThresholds t;
    t.accuracy = m_threshold->value();
    t.delayRatio = m_delay->value();
    const std::vector<PhaseCell> cells =
        classifySweepRuns(*m_current, m_currentDir.toStdString(), t);
    // Columns: the first axis's distinct values in order; rows: the second's.
    const std::string xa = m_current->axes[0], ya = m_current->axes[1];
    std::vector<std::string> xs, ys;
    auto valueOf = [](const SweepRun& r, const std::string& axis) {
        for (const auto& [a, v] : r.values)
            if (a == axis) return v;
        return std::string();
    };
    for (const SweepRun& r : m_current->runs) {
        const std::string x = valueOf(r, xa), y = valueOf(r, ya);
        if (std::find(xs.begin(), xs.end(), x) == xs.end()) xs.push_back(x);
        if (std::find(ys.begin(), ys.end(), y) == ys.end()) ys.push_back(y);
    }
    std::vector<views::PhaseDiagramChart::Cell> out;
    for (const PhaseCell& c : cells) {
        const SweepRun& r = m_current->runs[std::size_t(c.index)];
        // Runs not begun have no metrics yet: no cell.
        if (c.phase.trainStep < 0 && !c.finished &&
            m_runState[std::size_t(c.index)] == int(SweepRunState::State::Pending))
            continue;
        views::PhaseDiagramChart::Cell cell;
        cell.column = int(std::find(xs.begin(), xs.end(), valueOf(r, xa)) - xs.begin());
        cell.row = int(std::find(ys.begin(), ys.end(), valueOf(r, ya)) - ys.begin());
        cell.runIndex = c.index;
        cell.phase = c.phase;
        cell.finished = c.finished;
        cell.label = q(c.label);
        out.push_back(cell);
    }
    QStringList xt, yt;
    for (const std::string& x : xs) xt << q(x);
    for (const std::string& y : ys) yt << q(y);
    m_phases->setCells(q(xa), xt, q(ya), yt, out);
}

void SweepLab::showRun(int index) {
    if (!m_current || index < 0 || index >= int(m_current->runs.size())) return;
    m_shownRun = index;
    const SweepRun& run = m_current->runs[std::size_t(index)];
    const RunStore store(sweepRunDir(m_currentDir.toStdString(), run));
    const MetricsLog log = store.loadMetrics();
    const bool grokking = m_current->kind == SweepKind::Grokking;
    const bool loss = !grokking || m_runMetric->currentIndex() == 1;
    m_runCurves->setRun(tr("run %1: %2").arg(index).arg(q(run.label)), log.rows,
                        grokking ? detectSlingshots(log.rows) : std::vector<SlingshotEvent>{},
                        loss);
    m_snapshotSteps = grokking ? store.snapshotSteps() : std::vector<std::int64_t>{};
    m_pcaStep->blockSignals(true);
    m_pcaStep->setRange(0, std::max<int>(0, int(m_snapshotSteps.size()) - 1));
    m_pcaStep->setValue(int(m_snapshotSteps.size()) - 1);
    m_pcaStep->setEnabled(m_snapshotSteps.size() > 1);
    m_pcaStep->blockSignals(false);
    if (m_snapshotSteps.empty())
        m_pca->clear();
    else
        showPcaAt(m_pcaStep->value());
}

void SweepLab::showPcaAt(int snapshot) {
    if (!m_current || m_shownRun < 0 || snapshot < 0 || snapshot >= int(m_snapshotSteps.size()))
        return;
    const SweepRun& run = m_current->runs[std::size_t(m_shownRun)];
    try {
        const RunStore store(sweepRunDir(m_currentDir.toStdString(), run));
        const TrainConfig config = configFromJson(run.configJson);
        const ToyParams params = store.loadSnapshot(m_snapshotSteps[std::size_t(snapshot)]);
        const int operands = config.model.vocab - 1;
        const EmbeddingPca pca = embeddingPca(params, operands);
        if (!pca.error.empty()) {
            setMessage(q(pca.error));
            return;
        }
        m_pca->setPca(pca, m_snapshotSteps[std::size_t(snapshot)]);
    } catch (const std::exception& e) {
        setMessage(q(e.what()));
    }
}

} // namespace llmlab::gui
