// The attribution lab pane: which heads and neurons made this token. A prompt and two
// candidate next tokens; direct logit attribution by head and by layer, the contribution graph
// of information flow routes (click an edge: the head, the tokens it promotes and suppresses),
// activation patching of a corrupted prompt (exact, the gradient estimate, or both with their
// correlation) and each head ablated in turn beside the prompt's attention grid.
#pragma once

#include "interp/InterpJobs.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace llmlab {
class Tokenizer;
}

namespace llmlab::views {
class AttentionGrid;
class ContributionGraphView;
class LayerGrid;
class LogitDiffByLayerChart;
} // namespace llmlab::views

namespace llmlab::gui {

class InterpLab : public QWidget {
    Q_OBJECT
public:
    explicit InterpLab(JobRunner* runner, QWidget* parent = nullptr);
    ~InterpLab() override;

    static inline const QString kAttributeJob = QStringLiteral("interp-attribute");
    static inline const QString kPatchJob = QStringLiteral("interp-patch");
    static inline const QString kAblateJob = QStringLiteral("interp-ablate");
    static inline const QString kProjectJob = QStringLiteral("interp-project");

    void setModel(std::shared_ptr<const ModelFile> model);

    QLineEdit* promptEdit() const { return m_prompt; }
    QLineEdit* corruptEdit() const { return m_corrupt; }
    QLineEdit* targetEdit() const { return m_target; }
    QLineEdit* versusEdit() const { return m_versus; }
    QComboBox* methodBox() const { return m_method; }
    QComboBox* ablationKindBox() const { return m_ablationKind; }
    QComboBox* ablationMetricBox() const { return m_ablationMetric; }
    QPushButton* attributeButton() const { return m_attribute; }
    QPushButton* patchButton() const { return m_patch; }
    QPushButton* ablateButton() const { return m_ablate; }
    QPushButton* stopButton() const { return m_stop; }
    QDoubleSpinBox* thresholdBox() const { return m_threshold; }
    QTabWidget* tabs() const { return m_tabs; }
    views::LayerGrid* headAttribution() const { return m_dlaHeads; }
    views::LogitDiffByLayerChart* layerChart() const { return m_dlaLayers; }
    views::ContributionGraphView* graphView() const { return m_graph; }
    views::LayerGrid* residualPatching() const { return m_patchResidual; }
    views::LayerGrid* headPatching() const { return m_patchHeads; }
    views::LayerGrid* ablationGrid() const { return m_ablation; }
    views::AttentionGrid* attentionGrid() const { return m_attention; }
    QLabel* edgeDetails() const { return m_details; }
    QLabel* patchSummary() const { return m_patchSummary; }
    /// With both methods: which the maps show (0 exact, 1 the gradient estimate).
    QComboBox* patchShownBox() const { return m_patchShown; }
    QLabel* tokenCounts() const { return m_counts; }
    QString message() const;
    int attributionsShown() const { return m_attributions; }
    int patchingsShown() const { return m_patchings; }
    int ablationsShown() const { return m_ablations; }
    int projectionsShown() const { return m_projections; }

public slots:
    void attribute();
    void patch();
    void ablate();
    void stop();

private:
    InterpRequest request() const;
    void submit(const QString& kind, const QString& title, JobFn fn);
    void showAttribution(const AttributeSnapshot& s);
    void showPatching(const PatchSnapshot& s);
    void showPatchMaps();
    void showAblation();
    void showEdge(int edge);
    void updateCounts();
    void jobEnded(const QString& message);
    void setMessage(const QString& text);
    void updateButtons();

    JobRunner* m_runner;
    std::shared_ptr<const ModelFile> m_model;
    std::unique_ptr<Tokenizer> m_tokenizer;
    quint64 m_job = 0, m_projectJob = 0;
    int m_attributions = 0, m_patchings = 0, m_ablations = 0, m_projections = 0;
    AblateSnapshot m_lastAblation;
    PatchSnapshot m_lastPatch;
    std::vector<QString> m_headLabels;

    QLabel* m_modelLabel;
    QLineEdit* m_prompt;
    QLineEdit* m_corrupt;
    QLineEdit* m_target;
    QLineEdit* m_versus;
    QLabel* m_counts;
    QPushButton* m_attribute;
    QPushButton* m_patch;
    QComboBox* m_method;
    QPushButton* m_ablate;
    QComboBox* m_ablationKind;
    QPushButton* m_stop;
    QLabel* m_message;
    QTabWidget* m_tabs;
    views::LayerGrid* m_dlaHeads;
    views::LogitDiffByLayerChart* m_dlaLayers;
    views::ContributionGraphView* m_graph;
    QDoubleSpinBox* m_threshold;
    QSpinBox* m_position;
    QPushButton* m_exportGraph;
    QLabel* m_details;
    views::LayerGrid* m_patchResidual;
    views::LayerGrid* m_patchHeads;
    QLabel* m_patchSummary;
    QComboBox* m_patchShown;
    views::LayerGrid* m_ablation;
    QComboBox* m_ablationMetric;
    views::AttentionGrid* m_attention;
    QLabel* m_headInfo;
};

} // namespace llmlab::gui
