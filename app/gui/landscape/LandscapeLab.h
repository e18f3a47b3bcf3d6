// The landscape lab: pick a grokking run and a snapshot, choose directions (random
// filter-normalised, PCA of the trajectory, or the line between two checkpoints), and see the
// loss around the weights as a contour map, a 3-D surface and a 1-D interpolation, with the
// training path on them; or the memorised and grokked checkpoints side by side.
#pragma once

#include "LandscapeJobs.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QFormLayout;
class QLayout;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace llmlab::views {
class ContourChart;
class InterpolationChart;
class LandscapeCompare;
class SurfaceView;
} // namespace llmlab::views

namespace llmlab::gui {

class LandscapeLab : public QWidget {
    Q_OBJECT
public:
    /// Jobs go to `runner`; runs are listed from `runsRoot` (RunStore::defaultRunsRoot()).
    explicit LandscapeLab(JobRunner* runner, QWidget* parent = nullptr);
    ~LandscapeLab() override;

    static inline const QString kKind = QStringLiteral("landscape");

    QComboBox* runBox() const { return m_run; }
    QComboBox* centreBox() const { return m_centre; }
    QComboBox* directionsBox() const { return m_directions; }
    QSpinBox* gridBox() const { return m_grid; }
    QDoubleSpinBox* rangeBox() const { return m_range; }
    QComboBox* splitBox() const { return m_split; }
    QCheckBox* logBox() const { return m_log; }
    QPushButton* computeButton() const { return m_compute; }
    QPushButton* compareButton() const { return m_compareButton; }
    QTabWidget* tabs() const { return m_tabs; }
    views::ContourChart* contour() const { return m_contour; }
    views::SurfaceView* surface() const { return m_surface; }
    views::InterpolationChart* interpolation() const { return m_line; }
    views::LandscapeCompare* comparison() const { return m_compare; }
    QString message() const;
    QString costText() const;
    /// The landscape shown (empty runDir and grid before the first).
    const RunLandscape& current() const { return m_current.main; }

    /// The spec the controls describe.
    LandscapeSpec specFromControls() const;
    /// The opened model, for its landscape on a text (null: none open).
    void setModel(std::shared_ptr<const ModelFile> model);
    QComboBox* sourceBox() const { return m_source; }
    QPlainTextEdit* textEdit() const { return m_text; }
    QLineEdit* tensorsEdit() const { return m_tensors; }

public slots:
    /// Lists the runs under the runs root again (keeping the selection where it can).
    void refreshRuns();
    /// Selects the run in `dir` (listing it first if needed); false when it is not a run.
    bool selectRun(const QString& dir);
    /// Computes (or reads from the cache) the landscape the controls describe.
    void compute();
    /// The memorised and grokked checkpoints side by side, same directions and grid.
    void compareMemorisedGrokked();
    /// Shows a landscape CSV computed elsewhere (llmlab-cli, merged slices).
    void openCsv(const QString& path);

signals:
    /// A landscape arrived and is drawn.
    void landscapeShown();

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* makeControls();
    QWidget* withExport(QWidget* chart,
                        const QList<QPair<QString, std::function<void()>>>& exports);
    void refreshCentres();
    bool modelSource() const;
    /// False (and says so) when there is no run to compute on.
    bool haveRun();
    void updateEnabled();
    void updateCost();
    void submit(const LandscapeRequest& request, const QString& title);
    void display(const LandscapeSnapshot& snap);
    void redraw();
    void setMessage(const QString& text, bool error = false);
    void jobFinished(quint64 id, const QString& kind, const QVariant& result);
    void jobFailed(quint64 id, const QString& kind, const QString& message);

    JobRunner* m_runner;
    QString m_runsRoot;
    quint64 m_job = 0;
    LandscapeSnapshot m_current;
    double m_secondsPerPass = 0; // measured on the last computation

    std::shared_ptr<const ModelFile> m_model;
    QFormLayout* m_form = nullptr;
    QLayout* m_runRow = nullptr;
    QComboBox* m_source = nullptr;
    QLabel* m_modelName = nullptr;
    QPlainTextEdit* m_text = nullptr;
    QSpinBox* m_tokens = nullptr;
    QComboBox* m_run = nullptr;
    QComboBox* m_centre = nullptr;
    QComboBox* m_directions = nullptr;
    QComboBox* m_from = nullptr;
    QComboBox* m_to = nullptr;
    QSpinBox* m_grid = nullptr;
    QDoubleSpinBox* m_range = nullptr;
    QComboBox* m_split = nullptr;
    QSpinBox* m_seed = nullptr;
    QCheckBox* m_filterNorm = nullptr;
    QCheckBox* m_keep1D = nullptr;
    QLineEdit* m_tensors = nullptr;
    QCheckBox* m_log = nullptr;
    QLabel* m_cost = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_compute = nullptr;
    QPushButton* m_compareButton = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_cancel = nullptr;

    QTabWidget* m_tabs = nullptr;
    views::ContourChart* m_contour = nullptr;
    views::SurfaceView* m_surface = nullptr;
    views::InterpolationChart* m_line = nullptr;
    views::LandscapeCompare* m_compare = nullptr;
};

} // namespace llmlab::gui
