// The main window: dockable panes, the backend chooser, the worker's progress and cancel.
#pragma once

#include "Jobs.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QActionGroup;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

class QTabWidget;

namespace llmlab::gui {

class BackendCheckPane;
class DevicesDialog;
class GrokkingLab;
class LandscapeLab;
class CompareLab;
class SweepLab;
class QuantLab;
class InterpLab;
class FineTuneLab;
class ModelBrowser;
class OpenModelDialog;
class PromptLab;

/// Owns the JobRunner (one worker thread) and the panes. At start it lists devices and makes
/// the "auto" backend on the worker; the status bar then names the backend and its device.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    JobRunner* runner() const { return m_runner; }
    BackendCheckPane* backendCheckPane() const { return m_checkPane; }
    /// The central widget: the grokking lab.
    GrokkingLab* grokkingLab() const { return m_lab; }
    /// The layer tree, summary, parameter share and tensor inspector docks.
    ModelBrowser* modelBrowser() const { return m_browser; }
    /// The prompt lab dock: runs prompts on the model opened last.
    PromptLab* promptLab() const { return m_promptLab; }
    /// The landscape lab tab: loss landscapes of the grokking runs.
    LandscapeLab* landscapeLab() const { return m_landscapeLab; }
    CompareLab* compareLab() const { return m_compareLab; }
    SweepLab* sweepLab() const { return m_sweepLab; }
    QuantLab* quantLab() const { return m_quantLab; }
    InterpLab* interpLab() const { return m_interpLab; }
    FineTuneLab* fineTuneLab() const { return m_fineTuneLab; }
    /// The status bar's backend text ("Backend: cpu — ...").
    QString backendStatusText() const;
    const DevicesSnapshot& devices() const { return m_devices; }
    bool devicesKnown() const { return m_devicesKnown; }

public slots:
    /// Makes `name` ("auto", "cpu", "vulkan") the backend, on `vulkanDevice` (-1: default).
    void chooseBackend(const QString& name, int vulkanDevice = -1);
    /// Opens (or raises) the Devices dialog and returns it.
    DevicesDialog* showDevicesDialog();
    /// Opens a model file or Hugging Face folder in the model browser (on the worker).
    void openModel(const QString& path);
    /// File > Open model…: opens (or raises) the Open dialog and returns it.
    OpenModelDialog* showOpenModelDialog();
    /// Shows the landscape lab on a run folder (computing its landscape, or the memorised and
    /// grokked ones side by side with `compare`) or on a landscape CSV.
    void openLandscape(const QString& path, bool compare = false);
    /// Cancels the running job and drops the queued ones (Esc, the Cancel button).
    void cancelJobs();

signals:
    void backendChanged(const BackendStatus& status);
    void devicesListed();

public slots:
    /// Remembers the docks' sizes as they are now, in a window this large: a smaller window
    /// squeezes them, and growing back to this size puts them back (Qt would give the room to
    /// the centre instead). Called when the window is first shown, when a dock separator is
    /// dragged, and after a pane sizes its dock (ModelBrowser, for the first model).
    void rememberDockSizes();

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    void restoreDockSizes();
    void createActions();
    void fillRecentMenu();
    void createDocks();
    void createStatusBar();
    void backendChosenInUi();
    void jobStarted(quint64 id, const QString& kind, const QString& title);
    void jobProgress(quint64 id, const QString& kind, double fraction, const QString& what);
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobEnded(quint64 id, const QString& kind, const QString& how);
    void log(const QString& line);

    JobRunner* m_runner = nullptr;
    BackendCheckPane* m_checkPane = nullptr;
    GrokkingLab* m_lab = nullptr;
    ModelBrowser* m_browser = nullptr;
    QPointer<OpenModelDialog> m_openDialog;
    QDockWidget* m_checkDock = nullptr;
    QDockWidget* m_logDock = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QComboBox* m_backendCombo = nullptr;
    QComboBox* m_deviceCombo = nullptr;
    QActionGroup* m_backendGroup = nullptr;
    QAction* m_cancelAction = nullptr;
    QLabel* m_backendLabel = nullptr;
    QLabel* m_jobLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QPointer<DevicesDialog> m_devicesDialog;
    DevicesSnapshot m_devices;
    bool m_devicesKnown = false;
    QString m_currentJobTitle;
    QHash<quint64, QString> m_jobTitles; // started jobs, for the log
    QSize m_dockSizesAt;                 // the window size the remembered dock sizes belong to
    QByteArray m_dockState;              // saveState() then
    bool m_restorePending = false;
    PromptLab* m_promptLab = nullptr;
    LandscapeLab* m_landscapeLab = nullptr;
    CompareLab* m_compareLab = nullptr;
    SweepLab* m_sweepLab = nullptr;
    QuantLab* m_quantLab = nullptr;
    InterpLab* m_interpLab = nullptr;
    FineTuneLab* m_fineTuneLab = nullptr;
    QTabWidget* m_centre = nullptr;
    QMenu* m_recentMenu = nullptr;
};

} // namespace llmlab::gui
