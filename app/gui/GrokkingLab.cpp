#include "GrokkingLab.h"

#include "GrokkingCharts.h"
#include "GrokkingLabControls.h"
#include "GrokkingLabRuns.h"
#include "train/ToyExport.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

namespace llmlab::gui {

GrokkingLab::GrokkingLab(QWidget* parent)
    : QWidget(parent), m_controller(new TrainingController(this)) {
    setObjectName(QStringLiteral("grokkingLab"));
    m_runsRoot = QString::fromStdString(RunStore::defaultRunsRoot());
    QDir().mkpath(m_runsRoot);

    m_charts = new views::GrokkingCharts(this);
    auto* right = new QSplitter(Qt::Vertical, this);
    auto* chartsPane = new QWidget(right);
    auto* chartsLayout = new QVBoxLayout(chartsPane);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    auto* chartBar = new QHBoxLayout;
    m_logSteps = new QCheckBox(tr("Log step axis"), chartsPane);
    m_logSteps->setObjectName(QStringLiteral("logSteps"));
    connect(m_logSteps, &QCheckBox::toggled, m_charts, &views::GrokkingCharts::setLogSteps);
    auto* exportButton = new QToolButton(chartsPane);
    exportButton->setText(tr("Export chart"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    for (views::ChartView* chart : m_charts->charts())
        exportMenu->addAction(chart->title() + QStringLiteral("…"), chart,
                              &views::ChartView::showExportDialog);
    exportButton->setMenu(exportMenu);
    chartBar->addWidget(m_logSteps);
    chartBar->addStretch(1);
    chartBar->addWidget(exportButton);
    chartsLayout->addLayout(chartBar);
    // The charts keep a useful height (GrokkingCharts::kMinChartHeight); a short window
    // scrolls them instead of squeezing them flat.
    auto* chartsScroll = new QScrollArea(chartsPane);
    chartsScroll->setObjectName(QStringLiteral("grokkingChartsScroll"));
    chartsScroll->setWidget(m_charts);
    chartsScroll->setWidgetResizable(true);
    chartsScroll->setFrameShape(QFrame::NoFrame);
    chartsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    chartsLayout->addWidget(chartsScroll, 1);
    right->addWidget(chartsPane);
    right->addWidget(createRunsPanel());
    right->setStretchFactor(0, 4);
    right->setStretchFactor(1, 1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(createSettingsPanel());
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    connect(m_controller, &TrainingController::metricsArrived, this, &GrokkingLab::onMetrics);
    connect(m_controller, &TrainingController::snapshotArrived, this,
            [this](const TrainingSnapshot& s) { m_charts->setSnapshot(s.spectrum, s.attention); });
    connect(m_controller, &TrainingController::finished, this, &GrokkingLab::onFinished);
    connect(m_controller, &TrainingController::pausedChanged, this, &GrokkingLab::updateButtons);
    connect(m_runs, &GrokkingLabRuns::checkedRunsChanged, this, &GrokkingLab::updateOverlays);
    connect(m_runs, &QTreeWidget::itemSelectionChanged, this, &GrokkingLab::updateButtons);

    m_runs->reload(m_runsRoot);
    showMessage(tr("Ready to train: pick a preset or change the settings, then Start."));
    updateButtons();
}

GrokkingLab::~GrokkingLab() = default; // the controller stops and joins a running run

QWidget* GrokkingLab::createSettingsPanel() {
    auto* panel = new QWidget(this);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 4, 0);
    m_controls = new GrokkingLabControls(panel);
    auto* scroll = new QScrollArea(panel);
    scroll->setWidget(m_controls);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(m_controls->sizeHint().width() + 24);
    layout->addWidget(scroll, 1);

    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Start"), panel);
    m_pause = new QPushButton(tr("Pause"), panel);
    m_stop = new QPushButton(tr("Stop"), panel);
    m_start->setObjectName(QStringLiteral("startTraining"));
    m_pause->setObjectName(QStringLiteral("pauseTraining"));
    m_stop->setObjectName(QStringLiteral("stopTraining"));
    m_stop->setToolTip(tr("Stop and keep a checkpoint: the run can be resumed later"));
    m_start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_start->setToolTip(tr("Train a new run with these settings (Ctrl+Return)"));
    connect(m_start, &QPushButton::clicked, this, &GrokkingLab::startRun);
    connect(m_pause, &QPushButton::clicked, this, &GrokkingLab::togglePause);
    connect(m_stop, &QPushButton::clicked, this, &GrokkingLab::stopRun);
    buttons->addWidget(m_start);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_stop);
    layout->addLayout(buttons);

    m_progress = new QProgressBar(panel);
    m_progress->setObjectName(QStringLiteral("trainingProgress"));
    m_progress->setFormat(tr("step %v / %m"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_message = new QLabel(panel);
    m_message->setObjectName(QStringLiteral("trainingMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMinimumHeight(m_message->fontMetrics().height() * 3);
    m_message->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_message);
    return panel;
}

QWidget* GrokkingLab::createRunsPanel() {
    auto* panel = new QWidget(this);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("<b>Runs</b> — check to overlay"), panel));
    bar->addStretch(1);
    m_resume = new QPushButton(tr("Resume run"), panel);
    m_resume->setObjectName(QStringLiteral("resumeRun"));
    m_resume->setToolTip(tr("Go on with the selected run from its last checkpoint"));
    m_save = new QPushButton(tr("Save model…"), panel);
    m_save->setObjectName(QStringLiteral("saveModel"));
    m_save->setToolTip(tr("Save the selected (else the current) run's weights as GGUF or as a "
                          "Hugging Face folder"));
    auto* refresh = new QPushButton(tr("Refresh"), panel);
    connect(m_resume, &QPushButton::clicked, this, &GrokkingLab::resumeSelectedRun);
    connect(m_save, &QPushButton::clicked, this, &GrokkingLab::saveModelInteractive);
    connect(refresh, &QPushButton::clicked, this, [this] { m_runs->reload(m_runsRoot); });
    bar->addWidget(m_resume);
    bar->addWidget(m_save);
    bar->addWidget(refresh);
    layout->addLayout(bar);
    m_runs = new GrokkingLabRuns(panel);
    layout->addWidget(m_runs, 1);
    return panel;
}

QString GrokkingLab::message() const {
    return m_message->text();
}

void GrokkingLab::showMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

QString GrokkingLab::newRunDir(const TrainConfig& config) const {
    // Time first so folders sort by age (listRuns orders by name), then what was trained.
    const QString task = config.task.kind == TaskKind::S5Compose
                             ? QStringLiteral("s5")
                             : QStringLiteral("%1%2")
                                   .arg(QString::fromStdString(taskKey(config.task.kind)))
                                   .arg(config.task.modulus);
    const QString base = m_runsRoot + QLatin1Char('/') +
                         QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")) +
                         QLatin1Char('-') + task;
    QString dir = base;
    for (int i = 2; QFileInfo::exists(dir); ++i) dir = base + QStringLiteral("-%1").arg(i);
    return dir;
}

bool GrokkingLab::startRun() {
    if (m_controller->isRunning()) {
        showMessage(tr("A run is going; stop it before starting another."), true);
        return false;
    }
    const QString problem = m_controls->validate();
    if (!problem.isEmpty()) {
        showMessage(tr("Cannot start: %1").arg(problem), true);
        return false;
    }
    TrainConfig config = m_controls->config();
    const QString dir = newRunDir(config);
    config.name = QFileInfo(dir).fileName().toStdString();
    return beginRun(config, dir, {});
}

bool GrokkingLab::resumeSelectedRun() {
    const QString dir = m_runs->selectedRunDir();
    if (dir.isEmpty() || !m_runs->isResumable(dir) || m_controller->isRunning()) {
        showMessage(tr("Select a run that stopped before its last step to resume it."), true);
        return false;
    }
    TrainConfig config;
    try {
        config = loadRunConfig(dir.toStdString());
    } catch (const std::exception& e) {
        showMessage(QString::fromStdString(e.what()), true);
        return false;
    }
    m_controls->setConfig(config);
    m_runs->setRunChecked(dir, false); // it becomes the current run, not an overlay
    return beginRun(config, dir, m_runs->run(dir)->metrics.rows);
}

bool GrokkingLab::beginRun(const TrainConfig& config, const QString& dir,
                           const std::vector<TrainMetrics>& earlier) {
    QString error;
    if (!m_controller->start(config, dir, &error)) {
        showMessage(error, true);
        return false;
    }
    m_listedActiveRun = false;
    m_runs->setActiveRun(dir);
    m_charts->startRun(GrokkingLabRuns::legendLabel(config) + tr(" (current)"), earlier);
    m_progress->setRange(0, int(std::min<std::int64_t>(config.maxSteps, INT_MAX)));
    m_progress->setValue(earlier.empty() ? 0 : int(earlier.back().step));
    showMessage(tr("Training %1 on %2…")
                    .arg(QFileInfo(dir).fileName(), QString::fromStdString(config.backend)));
    updateOverlays();
    updateButtons();
    return true;
}

void GrokkingLab::onMetrics(const TrainMetrics& m) {
    if (!m_listedActiveRun) {
        // The first row means the training thread made the folder: list it now.
        m_listedActiveRun = true;
        m_runs->updateRun(m_controller->runDir());
        m_runs->setActiveRun(m_controller->runDir());
    }
    m_charts->addMetrics(m);
    m_progress->setValue(int(std::min<std::int64_t>(m.step, m_progress->maximum())));
    const views::TrainingCurves& c = m_charts->currentCurves();
    m_runs->setActiveProgress(m.step, c.grokkedStep());
    QString text = tr("Step %1 of %2: train acc %3%, val acc %4%")
                       .arg(m.step)
                       .arg(m_controller->config().maxSteps)
                       .arg(m.trainAcc * 100, 0, 'f', 1)
                       .arg(m.valAcc * 100, 0, 'f', 1);
    if (c.memorisedStep() >= 0) text += tr("; memorised at %1").arg(c.memorisedStep());
    if (c.grokkedStep() >= 0) text += tr("; grokked at %1").arg(c.grokkedStep());
    if (m_controller->isPaused()) text += tr(" (paused)");
    showMessage(text);
}

void GrokkingLab::onFinished(const TrainingOutcome& outcome) {
    m_charts->refreshNow();
    const QString dir = m_controller->runDir();
    m_runs->setActiveRun(QString());
    m_runs->updateRun(dir);
    if (outcome.failed) {
        showMessage(tr("Training failed: %1").arg(outcome.error), true);
    } else {
        QString text = outcome.cancelled
                           ? tr("Stopped at step %1; checkpoint saved (select the run and Resume "
                                "to go on).")
                                 .arg(outcome.steps)
                           : tr("Finished %1 steps.").arg(outcome.steps);
        if (outcome.memorisedStep >= 0) text += tr(" Memorised at %1.").arg(outcome.memorisedStep);
        if (outcome.grokkedStep >= 0) text += tr(" Grokked at %1.").arg(outcome.grokkedStep);
        showMessage(text);
    }
    updateButtons();
    emit runEnded(outcome);
}

void GrokkingLab::togglePause() {
    if (!m_controller->isRunning()) return;
    m_controller->setPaused(!m_controller->isPaused());
}

void GrokkingLab::stopRun() {
    if (!m_controller->isRunning()) return;
    m_controller->stop();
    showMessage(tr("Stopping (writing a checkpoint)…"));
}

void GrokkingLab::updateOverlays() {
    std::vector<views::OverlayRun> overlays;
    const QString active = m_controller->isRunning() ? m_controller->runDir() : QString();
    for (const QString& dir : m_runs->checkedRunDirs()) {
        const RunInfo* info = m_runs->run(dir);
        if (!info || dir == active) continue;
        overlays.push_back({GrokkingLabRuns::legendLabel(info->config), info->metrics.rows});
    }
    m_charts->setOverlays(std::move(overlays));
}

void GrokkingLab::updateButtons() {
    const bool running = m_controller->isRunning();
    m_start->setEnabled(!running);
    m_pause->setEnabled(running);
    m_pause->setText(running && m_controller->isPaused() ? tr("Resume") : tr("Pause"));
    m_stop->setEnabled(running);
    m_resume->setEnabled(!running && m_runs->isResumable(m_runs->selectedRunDir()));
    m_controls->setEnabled(!running);
}

bool GrokkingLab::saveModel(const QString& runDir, const QString& path, QString* error) {
    try {
        RunStore store(runDir.toStdString());
        if (!store.hasCheckpoint()) {
            if (error) *error = tr("%1 has no checkpoint yet.").arg(runDir);
            return false;
        }
        const TrainConfig config = store.loadConfig();
        const Checkpoint checkpoint = store.loadCheckpoint();
        std::string why;
        const bool ok =
            path.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive)
                ? exportToyGguf(path.toStdString(), config, checkpoint.params, &why)
                : exportToyHfFolder(path.toStdString(), config, checkpoint.params, &why);
        if (!ok && error) *error = QString::fromStdString(why);
        return ok;
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
}

void GrokkingLab::saveModelInteractive() {
    QString dir = m_runs->selectedRunDir();
    if (dir.isEmpty()) dir = m_controller->runDir();
    if (dir.isEmpty()) {
        showMessage(tr("Select a run (or train one) to save its model."), true);
        return;
    }
    QString filter;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save model"), QDir::homePath() + QLatin1Char('/') + QFileInfo(dir).fileName(),
        tr("GGUF file (*.gguf);;Hugging Face folder (*)"), &filter);
    if (path.isEmpty()) return;
    // The folder filter gives a name without .gguf: that is the folder to write.
    const QString target = filter.startsWith(QStringLiteral("GGUF")) && !path.endsWith(".gguf")
                               ? path + QStringLiteral(".gguf")
                               : path;
    QString error;
    if (saveModel(dir, target, &error))
        showMessage(tr("Model saved to %1").arg(target));
    else
        showMessage(tr("Saving the model failed: %1").arg(error), true);
}

} // namespace llmlab::gui
