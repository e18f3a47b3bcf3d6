#include "MainWindow.h"

#include "BackendCheckPane.h"
#include "DevicesDialog.h"
#include "GrokkingLab.h"
#include "ModelBrowser.h"
#include "OpenModelDialog.h"
#include "PromptLab.h"
#include "RecentModels.h"
#include "browser/TensorInspector.h"
#include "discovery/ModelDiscovery.h"
#include "formats/ModelFile.h"
#include "landscape/LandscapeLab.h"
#include "prompting/CompareLab.h"
#include "sweeps/SweepLab.h"
#include "finetune/FineTuneLab.h"
#include "interp/InterpLab.h"
#include "quant/QuantLab.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QMouseEvent>
#include <QPushButton>
#include <QResizeEvent>
#include <QShowEvent>
#include <QTimer>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

// Q_INIT_RESOURCE must be called outside any namespace; the resources live in a static library,
// where nothing else would pull them into the program.
static void initResources() {
    Q_INIT_RESOURCE(llmlab);
}

namespace llmlab::gui {

namespace {
const QString kDevicesKind = QStringLiteral("devices");
const QString kBackendKind = QStringLiteral("backend");
const char* const kBackendNames[] = {"auto", "cpu", "vulkan"};
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_runner(new JobRunner(this)) {
    initResources();
    setWindowTitle(QStringLiteral("llmlab"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/llmlab.svg")));
    setDockNestingEnabled(true);
    resize(1280, 800);

    createDocks();
    createActions();
    createStatusBar();

    connect(m_runner, &JobRunner::jobStarted, this, &MainWindow::jobStarted);
    connect(m_runner, &JobRunner::jobProgress, this, &MainWindow::jobProgress);
    connect(m_runner, &JobRunner::jobFinished, this, &MainWindow::jobFinished);
    connect(m_runner, &JobRunner::jobFailed, this,
            [this](quint64 id, const QString& kind, const QString& message) {
                jobEnded(id, kind, tr("failed: %1").arg(message));
            });
    connect(m_runner, &JobRunner::jobCancelled, this,
            [this](quint64 id, const QString& kind) { jobEnded(id, kind, tr("cancelled")); });
    connect(m_runner, &JobRunner::idle, this, [this] {
        m_progress->hide();
        m_cancelButton->hide();
        m_cancelAction->setEnabled(false);
        m_jobLabel->clear();
    });

    // Both on the worker: enumerating Vulkan devices and creating a backend can take a moment.
    m_runner->submit(kDevicesKind, tr("Listing devices"), makeDevicesJob());
    chooseBackend(QStringLiteral("auto"));
}

MainWindow::~MainWindow() = default;

void MainWindow::createDocks() {
    // The centre holds the two labs as tabs: the grokking lab first, as the app opens on it
    // ("ready to train" with no model to load), and the prompt lab for an opened model. Tabs
    // rather than docks keep the window's minimum size within a laptop screen.
    m_lab = new GrokkingLab(this);
    m_promptLab = new PromptLab(m_runner, this);
    m_centre = new QTabWidget(this);
    m_centre->setObjectName(QStringLiteral("centreTabs"));
    m_centre->setDocumentMode(true);
    m_centre->addTab(m_lab, tr("Grokking lab"));
    m_centre->addTab(m_promptLab, tr("Prompt lab"));
    m_landscapeLab = new LandscapeLab(m_runner, this);
    m_centre->addTab(m_landscapeLab, tr("Landscape lab"));
    m_compareLab = new CompareLab(m_runner, this);
    m_centre->addTab(m_compareLab, tr("Prompting strategies"));
    m_sweepLab = new SweepLab(m_runner, this);
    m_centre->addTab(m_sweepLab, tr("Sweeps"));
    m_quantLab = new QuantLab(m_runner, this);
    m_centre->addTab(m_quantLab, tr("Quantization"));
    m_interpLab = new InterpLab(m_runner, this);
    m_centre->addTab(m_interpLab, tr("Attribution"));
    m_fineTuneLab = new FineTuneLab(m_runner, this);
    m_centre->addTab(m_fineTuneLab, tr("Fine-tuning"));
    // A run that ended in the grokking lab can be looked at at once.
    connect(m_lab, &GrokkingLab::runEnded, m_landscapeLab, &LandscapeLab::refreshRuns);
    setCentralWidget(m_centre);
    // The model browser's docks (layer tree, summary, parameter share, tensor inspector).
    m_browser = new ModelBrowser(m_runner, this);

    m_checkPane = new BackendCheckPane(m_runner, this);
    m_checkDock = new QDockWidget(tr("Backend check"), this);
    m_checkDock->setObjectName(QStringLiteral("backendCheckDock"));
    m_checkDock->setWidget(m_checkPane);
    addDockWidget(Qt::BottomDockWidgetArea, m_checkDock);

    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_logDock = new QDockWidget(tr("Job log"), this);
    m_logDock->setObjectName(QStringLiteral("jobLogDock"));
    m_logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    // Tabbed under the labs, the log in front: the labs' charts get the height.
    tabifyDockWidget(m_checkDock, m_logDock);
    m_logDock->raise();
    resizeDocks({m_checkDock, m_logDock}, {150, 150}, Qt::Vertical);

    // The tensor inspector joins the centre's tabs once a model is open, and comes to the front
    // when a tensor is picked in the layer tree.
    m_centre->addTab(m_browser->inspector(), tr("Tensor inspector"));
    m_centre->setTabVisible(m_centre->indexOf(m_browser->inspector()), false);
    connect(m_browser, &ModelBrowser::tensorShown, this,
            [this] { m_centre->setCurrentWidget(m_browser->inspector()); });
    // An opened model goes to the prompt lab too (the same mapped file, shared read-only).
    connect(m_browser, &ModelBrowser::modelOpened, this, [this] {
        m_promptLab->setModel(m_browser->model());
        m_landscapeLab->setModel(m_browser->model());
        m_compareLab->setModel(m_browser->model());
        m_quantLab->setModel(m_browser->model());
        m_interpLab->setModel(m_browser->model());
        m_fineTuneLab->setModel(m_browser->model());
        rememberModel(m_browser->snapshot().path);
        m_centre->setTabVisible(m_centre->indexOf(m_browser->inspector()), true);
    });
}

void MainWindow::openLandscape(const QString& path, bool compare) {
    m_centre->setCurrentWidget(m_landscapeLab);
    if (QFileInfo(path).isFile()) {
        m_landscapeLab->openCsv(path);
        return;
    }
    if (!m_landscapeLab->selectRun(QFileInfo(path).absoluteFilePath())) {
        QMessageBox::warning(this, tr("Not a run"),
                             tr("%1: not a run folder (it has no config.json)").arg(path));
        return;
    }
    if (compare) {
        m_landscapeLab->directionsBox()->setCurrentIndex(1); // PCA: the path on both surfaces
        m_landscapeLab->compareMemorisedGrokked();
    } else {
        m_landscapeLab->compute();
    }
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open model…"), this, &MainWindow::showOpenModelDialog);
    open->setShortcut(QKeySequence::Open);
    // Rebuilt each time it opens, from the list kept across sessions.
    m_recentMenu = file->addMenu(tr("Open &recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    // The backend chooser: a toolbar for quick switching, mirrored in Settings > Backend.
    QToolBar* bar = addToolBar(tr("Backend"));
    bar->setObjectName(QStringLiteral("backendToolBar"));
    m_backendCombo = new QComboBox(bar);
    m_backendCombo->setObjectName(QStringLiteral("backendCombo"));
    for (const char* name : kBackendNames) m_backendCombo->addItem(QString::fromLatin1(name));
    m_deviceCombo = new QComboBox(bar);
    m_deviceCombo->setObjectName(QStringLiteral("deviceCombo"));
    m_deviceCombo->addItem(tr("default Vulkan device"), -1);
    m_deviceCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(new QLabel(tr(" Backend: "), bar));
    bar->addWidget(m_backendCombo);
    bar->addWidget(new QLabel(tr("  Device: "), bar));
    bar->addWidget(m_deviceCombo);
    connect(m_backendCombo, &QComboBox::activated, this, &MainWindow::backendChosenInUi);
    connect(m_deviceCombo, &QComboBox::activated, this, &MainWindow::backendChosenInUi);

    QMenu* settings = menuBar()->addMenu(tr("&Settings"));
    QMenu* backendMenu = settings->addMenu(tr("&Backend"));
    m_backendGroup = new QActionGroup(this);
    for (int i = 0; i < int(std::size(kBackendNames)); ++i) {
        QAction* action = backendMenu->addAction(QString::fromLatin1(kBackendNames[i]));
        action->setCheckable(true);
        action->setChecked(i == 0);
        m_backendGroup->addAction(action);
        connect(action, &QAction::triggered, this, [this, i] {
            m_backendCombo->setCurrentIndex(i);
            backendChosenInUi();
        });
    }

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_checkDock->toggleViewAction());
    view->addAction(m_logDock->toggleViewAction());
    view->addSeparator();
    for (QDockWidget* dock : m_browser->docks()) view->addAction(dock->toggleViewAction());

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(tr("&Devices…"), this, &MainWindow::showDevicesDialog);
    tools->addAction(tr("Run &backend check"), m_checkPane, &BackendCheckPane::runAll);
    m_cancelAction = tools->addAction(tr("&Cancel running job"), this, &MainWindow::cancelJobs);
    // Esc anywhere in the window cancels, as the design promises; a window-wide action so it
    // works whichever pane has focus.
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setShortcutContext(Qt::WindowShortcut);
    m_cancelAction->setEnabled(false);
    addAction(m_cancelAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About llmlab"), this, [this] {
        QMessageBox::about(this, tr("About llmlab"),
                           tr("<b>llmlab %1</b><p>A desktop lab for looking inside language "
                              "models.</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::createStatusBar() {
    m_backendLabel = new QLabel(tr("Backend: starting…"), this);
    m_backendLabel->setObjectName(QStringLiteral("backendStatus"));
    m_jobLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setToolTip(tr("Cancel the running job (Esc)"));
    m_cancelButton->hide();
    connect(m_cancelButton, &QPushButton::clicked, this, &MainWindow::cancelJobs);
    statusBar()->addWidget(m_backendLabel, 1);
    statusBar()->addPermanentWidget(m_jobLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancelButton);
}

QString MainWindow::backendStatusText() const {
    return m_backendLabel->text();
}

void MainWindow::chooseBackend(const QString& name, int vulkanDevice) {
    // Keep the toolbar and the Settings menu showing what was chosen (also from the command line).
    const int index = m_backendCombo->findText(name);
    if (index >= 0) {
        m_backendCombo->setCurrentIndex(index);
        m_backendGroup->actions().at(index)->setChecked(true);
    }
    m_backendLabel->setText(tr("Backend: starting %1…").arg(name));
    m_runner->submit(kBackendKind, tr("Starting the %1 backend").arg(name),
                     makeBackendJob(name, vulkanDevice));
    m_checkPane->setVulkanDevice(vulkanDevice);
}

void MainWindow::backendChosenInUi() {
    const QString name = m_backendCombo->currentText();
    m_backendGroup->actions().at(m_backendCombo->currentIndex())->setChecked(true);
    m_deviceCombo->setEnabled(name != QLatin1String("cpu"));
    chooseBackend(name, m_deviceCombo->currentData().toInt());
}

DevicesDialog* MainWindow::showDevicesDialog() {
    if (!m_devicesDialog) {
        m_devicesDialog = new DevicesDialog(this);
        m_devicesDialog->setAttribute(Qt::WA_DeleteOnClose);
        if (m_devicesKnown) m_devicesDialog->setDevices(m_devices);
    }
    m_devicesDialog->show();
    m_devicesDialog->raise();
    return m_devicesDialog;
}

void MainWindow::openModel(const QString& path) {
    m_browser->openModel(path);
}

void MainWindow::fillRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = recentModels();
    for (const QString& path : recent)
        m_recentMenu
            ->addAction(QString::fromStdString(modelDisplayName(path.toStdString())), this,
                        [this, path] { openModel(path); })
            ->setToolTip(path);
    if (recent.isEmpty()) m_recentMenu->addAction(tr("(none yet)"))->setEnabled(false);
}

OpenModelDialog* MainWindow::showOpenModelDialog() {
    if (!m_openDialog) {
        m_openDialog = new OpenModelDialog(m_runner, this);
        m_openDialog->setAttribute(Qt::WA_DeleteOnClose);
        // Modal: clicks do not reach the window behind while a model is being chosen.
        m_openDialog->setWindowModality(Qt::WindowModal);
        connect(m_openDialog, &OpenModelDialog::modelChosen, this, &MainWindow::openModel);
    }
    m_openDialog->show();
    m_openDialog->raise();
    return m_openDialog;
}

void MainWindow::cancelJobs() {
    if (!m_runner->busy()) return;
    m_jobLabel->setText(tr("Cancelling…"));
    m_runner->cancelAll();
}

void MainWindow::jobStarted(quint64 id, const QString&, const QString& title) {
    m_jobTitles.insert(id, title);
    m_currentJobTitle = title;
    m_jobLabel->setText(title);
    m_progress->setValue(0);
    m_progress->show();
    m_cancelButton->show();
    m_cancelAction->setEnabled(true);
    log(tr("%1: started").arg(title));
}

void MainWindow::jobProgress(quint64, const QString&, double fraction, const QString& what) {
    m_progress->setValue(int(std::clamp(fraction, 0.0, 1.0) * 1000));
    m_jobLabel->setText(what.isEmpty() ? m_currentJobTitle : what);
}

void MainWindow::jobFinished(quint64 id, const QString& kind, const QVariant& result) {
    if (kind == kDevicesKind && result.canConvert<DevicesSnapshot>()) {
        m_devices = result.value<DevicesSnapshot>();
        m_devicesKnown = true;
        m_deviceCombo->clear();
        m_deviceCombo->addItem(tr("default Vulkan device"), -1);
        for (const DeviceInfo& d : m_devices.devices) {
            if (d.backend == "vulkan")
                m_deviceCombo->addItem(QString::fromStdString(d.name), d.index);
        }
        m_checkPane->setDevices(m_devices);
        if (m_devicesDialog) m_devicesDialog->setDevices(m_devices);
        emit devicesListed();
    } else if (kind == kBackendKind && result.canConvert<BackendStatus>()) {
        const auto status = result.value<BackendStatus>();
        m_backendLabel->setText(gui::backendStatusText(status));
        m_backendLabel->setToolTip(status.vulkanProblem);
        emit backendChanged(status);
    }
    jobEnded(id, kind, tr("done"));
}

void MainWindow::jobEnded(quint64 id, const QString& kind, const QString& how) {
    if (kind == kBackendKind && how != tr("done") && !how.startsWith(tr("cancelled")))
        m_backendLabel->setText(tr("Backend: none (%1)").arg(how));
    // Jobs dropped before they started have no title: name their kind instead.
    const QString title = m_jobTitles.take(id);
    log(tr("%1: %2").arg(title.isEmpty() ? kind + tr(" job") : title, how));
}

void MainWindow::log(const QString& line) {
    m_log->appendPlainText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) +
                           line);
}

void MainWindow::rememberDockSizes() {
    // QMainWindow's own record of its docks (areas, tabs, sizes): put back whole, it gives
    // every dock its size at least as exactly as resizeDocks, tabified ones included.
    m_dockState = saveState();
    m_dockSizesAt = size();
}

void MainWindow::restoreDockSizes() {
    m_restorePending = false;
    if (m_dockState.isEmpty()) return;
    // Sizes only: a dock closed (or opened) since the state was taken stays as the user left it.
    QHash<QDockWidget*, bool> open;
    for (QDockWidget* d : findChildren<QDockWidget*>()) open.insert(d, d->toggleViewAction()->isChecked());
    restoreState(m_dockState);
    for (auto it = open.cbegin(); it != open.cend(); ++it)
        if (it.key()->toggleViewAction()->isChecked() != it.value()) it.key()->setVisible(it.value());
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (!m_dockSizesAt.isValid()) // once laid out
        QTimer::singleShot(0, this, [this] {
            if (!m_dockSizesAt.isValid()) rememberDockSizes();
        });
}

void MainWindow::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    if (!m_dockSizesAt.isValid() || !isVisible()) return;
    const QSize now = event->size();
    if (now.width() >= m_dockSizesAt.width() && now.height() >= m_dockSizesAt.height()) {
        // At least as large as when they were set: the docks get their sizes back (once the
        // layout has taken the new size, or it overrides them), and the sizes now belong to
        // this larger window.
        m_dockSizesAt = now;
        if (!m_restorePending) { // one restore for a burst of resize events (a drag)
            m_restorePending = true;
            QTimer::singleShot(0, this, [this] { restoreDockSizes(); });
        }
    }
}

void MainWindow::mouseReleaseEvent(QMouseEvent* event) {
    // The end of a drag of a dock separator (the main window's own mouse events): what the
    // user set is what a larger window comes back to.
    QMainWindow::mouseReleaseEvent(event);
    rememberDockSizes();
}

} // namespace llmlab::gui
