// The grokking lab's settings form: preset, task, model, optimiser and schedule, read into and
// filled from a TrainConfig. Every widget has an objectName so tests can set it.
#pragma once

#include "train/TrainConfig.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QSpinBox;

namespace llmlab::gui {

class GrokkingLabControls : public QWidget {
    Q_OBJECT
public:
    explicit GrokkingLabControls(QWidget* parent = nullptr);

    /// Fills every field from `config`.
    void setConfig(const TrainConfig& config);
    /// The config the fields describe (model vocab and sequence length fitted to the task).
    TrainConfig config() const;
    /// Fills the fields from a preset ("quick", "nanda"); false for an unknown name.
    bool applyPreset(const QString& name);
    QString presetName() const;

    /// One readable sentence when the fields describe a run that cannot be built (d_model not
    /// divisible by heads, division with a non-prime p, ...); empty when it can.
    QString validate() const;

signals:
    void changed();

private:
    QSpinBox* intField(QFormLayout* form, const QString& label, const char* name, int lo, int hi);
    QDoubleSpinBox* realField(QFormLayout* form, const QString& label, const char* name, double lo,
                              double hi, int decimals, double step);
    QCheckBox* checkField(QFormLayout* form, const QString& label, const char* name);
    void updateEnabled();

    QComboBox* m_preset = nullptr;
    QComboBox* m_task = nullptr;
    QSpinBox* m_modulus = nullptr;
    QDoubleSpinBox* m_trainFraction = nullptr;
    QSpinBox* m_seed = nullptr;
    QSpinBox* m_layers = nullptr;
    QSpinBox* m_dModel = nullptr;
    QSpinBox* m_heads = nullptr;
    QSpinBox* m_dMlp = nullptr;
    QComboBox* m_activation = nullptr;
    QCheckBox* m_layerNorm = nullptr;
    QCheckBox* m_tied = nullptr;
    QDoubleSpinBox* m_lr = nullptr;
    QDoubleSpinBox* m_weightDecay = nullptr;
    QDoubleSpinBox* m_beta1 = nullptr;
    QDoubleSpinBox* m_beta2 = nullptr;
    QSpinBox* m_warmup = nullptr;
    QCheckBox* m_cosine = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_clip = nullptr;
    QCheckBox* m_grokfast = nullptr;
    QDoubleSpinBox* m_grokfastAlpha = nullptr;
    QDoubleSpinBox* m_grokfastLambda = nullptr;
    QSpinBox* m_maxSteps = nullptr;
    QSpinBox* m_evalEvery = nullptr;
    QComboBox* m_backend = nullptr;
    TrainConfig m_base; // fields the form does not show (checkpoint interval, ...)
};

} // namespace llmlab::gui
