// The cost pane of the model browser: what the opened model costs (engine/cost) — weights at
// each storage type, the KV cache by context, a training step's memory under full fine-tuning,
// LoRA and QLoRA, FLOPs a token — recomputed as the context, batch, KV type, LoRA rank and
// targets change (arithmetic on the tensor table, microseconds: no worker needed).
#pragma once

#include "cost/ModelCost.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTreeWidget;

namespace llmlab::views {

struct ModelSnapshot;

class CostView : public QWidget {
    Q_OBJECT
public:
    explicit CostView(QWidget* parent = nullptr);

    /// The opened model; an invalid snapshot clears the pane.
    void setModel(const ModelSnapshot& model);
    void clear();
    /// The typical-size shapes (7B ... 8x22B), for comparison without a model.
    void setTypicalShape(const QString& name);

    const CostReport& report() const { return m_report; }
    QTreeWidget* tree() const { return m_tree; }
    QSpinBox* contextBox() const { return m_context; }
    QSpinBox* loraRankBox() const { return m_rank; }
    QLineEdit* targetsEdit() const { return m_targets; }
    /// The pane as text (what the tree shows), and the CSV the Export button writes.
    QString text() const;
    bool exportCsv(const QString& path, QString* error) const;

private:
    void recompute();
    CostOptions options() const;

    CostShape m_shape;
    bool m_haveShape = false;
    CostReport m_report;
    QLabel* m_title = nullptr;
    QLabel* m_error = nullptr;
    QSpinBox* m_context = nullptr;
    QSpinBox* m_batch = nullptr;
    QComboBox* m_kvType = nullptr;
    QSpinBox* m_trainSeq = nullptr;
    QCheckBox* m_checkpointing = nullptr;
    QSpinBox* m_rank = nullptr;
    QLineEdit* m_targets = nullptr;
    QTreeWidget* m_tree = nullptr;
};

} // namespace llmlab::views
