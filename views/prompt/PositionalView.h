// Positional encodings: the course's sinusoidal table for a chosen d and length, chosen
// dimensions over t, and the position-similarity matrix; for an opened model its RoPE
// frequencies and rotation angles, or a GPT-2's learned position embeddings' similarity.
#pragma once

#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace llmlab {
class ModelFile;
}

namespace llmlab::views {

class ChartView;

class PositionalView : public QWidget {
    Q_OBJECT
public:
    explicit PositionalView(QWidget* parent = nullptr);

    ChartView* encodingChart() const { return m_encoding; }
    ChartView* curvesChart() const { return m_curves; }
    ChartView* similarityChart() const { return m_similarity; }
    /// RoPE frequencies (curve) or, for learned positions, nothing.
    ChartView* modelCurveChart() const { return m_modelCurve; }
    /// RoPE angles or the learned embeddings' cosine similarity.
    ChartView* modelMapChart() const { return m_modelMap; }
    QSpinBox* dimensionBox() const { return m_d; }
    QSpinBox* lengthBox() const { return m_length; }
    QLineEdit* dimensionsEdit() const { return m_dims; }
    /// What the model part says (or why it is empty).
    QString modelMessage() const;

public slots:
    /// Redraws the course charts from the controls.
    void refresh();
    /// Draws the model's own positional scheme; null clears that part.
    void setModel(std::shared_ptr<const llmlab::ModelFile> model);

private:
    void refreshModel();

    std::shared_ptr<const ModelFile> m_model;
    QSpinBox* m_d = nullptr;
    QSpinBox* m_length = nullptr;
    QLineEdit* m_dims = nullptr;
    ChartView* m_encoding = nullptr;
    ChartView* m_curves = nullptr;
    ChartView* m_similarity = nullptr;
    ChartView* m_modelCurve = nullptr;
    ChartView* m_modelMap = nullptr;
    QLabel* m_modelLabel = nullptr;
};

} // namespace llmlab::views
