#include "GrokkingLabControls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QSpinBox>
#include <QVBoxLayout>

#include <stdexcept>

namespace llmlab::gui {

namespace {
const TaskKind kTasks[] = {TaskKind::AddMod, TaskKind::SubMod,  TaskKind::MulMod,
                           TaskKind::DivMod, TaskKind::QuadMod, TaskKind::S5Compose};

QFormLayout* addGroup(QVBoxLayout* layout, const QString& title) {
    auto* box = new QGroupBox(title);
    auto* form = new QFormLayout(box);
    form->setContentsMargins(6, 4, 6, 4);
    form->setVerticalSpacing(2);
    layout->addWidget(box);
    return form;
}
} // namespace

GrokkingLabControls::GrokkingLabControls(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    QFormLayout* run = addGroup(layout, tr("Preset"));
    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("preset"));
    for (const std::string& name : presetNames()) m_preset->addItem(QString::fromStdString(name));
    run->addRow(tr("Preset"), m_preset);
    connect(m_preset, &QComboBox::activated, this,
            [this] { applyPreset(m_preset->currentText()); });

    QFormLayout* task = addGroup(layout, tr("Task"));
    m_task = new QComboBox(this);
    m_task->setObjectName(QStringLiteral("task"));
    for (TaskKind kind : kTasks)
        m_task->addItem(QString::fromStdString(taskTitle(kind)), int(kind));
    task->addRow(tr("Task"), m_task);
    m_modulus = intField(task, tr("p"), "modulus", 2, 1000);
    m_trainFraction = realField(task, tr("Train fraction"), "trainFraction", 0.01, 0.99, 2, 0.05);
    m_seed = intField(task, tr("Seed"), "seed", 0, 1000000);

    QFormLayout* model = addGroup(layout, tr("Model"));
    m_layers = intField(model, tr("Layers"), "layers", 1, 8);
    m_dModel = intField(model, tr("d_model"), "dModel", 4, 1024);
    m_heads = intField(model, tr("Heads"), "heads", 1, 32);
    m_dMlp = intField(model, tr("d_mlp"), "dMlp", 4, 4096);
    m_activation = new QComboBox(this);
    m_activation->setObjectName(QStringLiteral("activation"));
    m_activation->addItems({QStringLiteral("ReLU"), QStringLiteral("GELU")});
    model->addRow(tr("Activation"), m_activation);
    m_layerNorm = checkField(model, tr("LayerNorm"), "layerNorm");
    m_tied = checkField(model, tr("Tied unembedding"), "tiedUnembed");

    QFormLayout* optim = addGroup(layout, tr("Optimiser (AdamW)"));
    m_lr = realField(optim, tr("Learning rate"), "lr", 1e-6, 1, 5, 1e-4);
    m_weightDecay = realField(optim, tr("Weight decay"), "weightDecay", 0, 10, 3, 0.1);
    m_weightDecay->setToolTip(tr("The main knob of grokking: without it, the model memorises "
                                 "and stays there"));
    m_beta1 = realField(optim, tr("β1"), "beta1", 0, 0.9999, 4, 0.01);
    m_beta2 = realField(optim, tr("β2"), "beta2", 0, 0.9999, 4, 0.01);
    m_warmup = intField(optim, tr("Warm-up steps"), "warmup", 0, 100000);
    m_cosine = checkField(optim, tr("Cosine decay"), "cosineDecay");
    m_batch = intField(optim, tr("Batch size"), "batchSize", 0, 1000000);
    m_batch->setSpecialValueText(tr("full"));
    m_clip = realField(optim, tr("Clip grad norm"), "clipNorm", 0, 1000, 2, 0.5);
    m_clip->setSpecialValueText(tr("off"));
    m_grokfast = checkField(optim, tr("Grokfast"), "grokfast");
    m_grokfastAlpha = realField(optim, tr("Grokfast α"), "grokfastAlpha", 0, 0.9999, 4, 0.01);
    m_grokfastLambda = realField(optim, tr("Grokfast λ"), "grokfastLambda", 0, 100, 2, 0.5);
    connect(m_grokfast, &QCheckBox::toggled, this, &GrokkingLabControls::updateEnabled);

    QFormLayout* schedule = addGroup(layout, tr("Schedule"));
    m_maxSteps = intField(schedule, tr("Max steps"), "maxSteps", 1, 10000000);
    m_evalEvery = intField(schedule, tr("Evaluate every"), "evalEvery", 1, 100000);
    m_backend = new QComboBox(this);
    m_backend->setObjectName(QStringLiteral("trainBackend"));
    m_backend->addItems({QStringLiteral("cpu"), QStringLiteral("vulkan"), QStringLiteral("auto")});
    schedule->addRow(tr("Backend"), m_backend);
    layout->addStretch(1);

    applyPreset(QStringLiteral("quick"));
}

QSpinBox* GrokkingLabControls::intField(QFormLayout* form, const QString& label, const char* name,
                                        int lo, int hi) {
    auto* box = new QSpinBox(this);
    box->setObjectName(QString::fromLatin1(name));
    box->setRange(lo, hi);
    form->addRow(label, box);
    connect(box, &QSpinBox::valueChanged, this, &GrokkingLabControls::changed);
    return box;
}

QDoubleSpinBox* GrokkingLabControls::realField(QFormLayout* form, const QString& label,
                                               const char* name, double lo, double hi, int decimals,
                                               double step) {
    auto* box = new QDoubleSpinBox(this);
    box->setObjectName(QString::fromLatin1(name));
    box->setDecimals(decimals);
    box->setRange(lo, hi);
    box->setSingleStep(step);
    form->addRow(label, box);
    connect(box, &QDoubleSpinBox::valueChanged, this, &GrokkingLabControls::changed);
    return box;
}

QCheckBox* GrokkingLabControls::checkField(QFormLayout* form, const QString& label,
                                           const char* name) {
    auto* box = new QCheckBox(this);
    box->setObjectName(QString::fromLatin1(name));
    form->addRow(label, box);
    connect(box, &QCheckBox::toggled, this, &GrokkingLabControls::changed);
    return box;
}

void GrokkingLabControls::updateEnabled() {
    m_grokfastAlpha->setEnabled(m_grokfast->isChecked());
    m_grokfastLambda->setEnabled(m_grokfast->isChecked());
}

bool GrokkingLabControls::applyPreset(const QString& name) {
    TrainConfig c;
    if (!presetConfig(name.toStdString(), &c)) return false;
    setConfig(c);
    return true;
}

QString GrokkingLabControls::presetName() const {
    return m_preset->currentText();
}

void GrokkingLabControls::setConfig(const TrainConfig& c) {
    m_base = c;
    const int presetIndex = m_preset->findText(QString::fromStdString(c.preset));
    if (presetIndex >= 0) m_preset->setCurrentIndex(presetIndex);
    m_task->setCurrentIndex(std::max(0, m_task->findData(int(c.task.kind))));
    m_modulus->setValue(c.task.modulus);
    m_trainFraction->setValue(c.task.trainFraction);
    m_seed->setValue(int(c.task.seed));
    m_layers->setValue(c.model.layers);
    m_dModel->setValue(c.model.dModel);
    m_heads->setValue(c.model.heads);
    m_dMlp->setValue(c.model.dMlp);
    m_activation->setCurrentIndex(c.model.activation == ToyActivation::Gelu ? 1 : 0);
    m_layerNorm->setChecked(c.model.layerNorm);
    m_tied->setChecked(c.model.tiedUnembed);
    m_lr->setValue(c.optim.lr);
    m_weightDecay->setValue(c.optim.weightDecay);
    m_beta1->setValue(c.optim.beta1);
    m_beta2->setValue(c.optim.beta2);
    m_warmup->setValue(c.optim.warmupSteps);
    m_cosine->setChecked(c.optim.cosineDecay);
    m_batch->setValue(c.optim.batchSize);
    m_clip->setValue(c.optim.clipNorm);
    m_grokfast->setChecked(c.optim.grokfast);
    m_grokfastAlpha->setValue(c.optim.grokfastAlpha);
    m_grokfastLambda->setValue(c.optim.grokfastLambda);
    m_maxSteps->setValue(int(std::min<std::int64_t>(c.maxSteps, m_maxSteps->maximum())));
    m_evalEvery->setValue(c.evalEvery);
    const int backendIndex = m_backend->findText(QString::fromStdString(c.backend));
    if (backendIndex >= 0) m_backend->setCurrentIndex(backendIndex);
    updateEnabled();
}

TrainConfig GrokkingLabControls::config() const {
    TrainConfig c = m_base;
    c.task.kind = TaskKind(m_task->currentData().toInt());
    c.task.modulus = m_modulus->value();
    c.task.trainFraction = m_trainFraction->value();
    c.task.seed = std::uint64_t(m_seed->value());
    c.model.layers = m_layers->value();
    c.model.dModel = m_dModel->value();
    c.model.heads = m_heads->value();
    c.model.dMlp = m_dMlp->value();
    c.model.activation =
        m_activation->currentIndex() == 1 ? ToyActivation::Gelu : ToyActivation::Relu;
    c.model.layerNorm = m_layerNorm->isChecked();
    c.model.tiedUnembed = m_tied->isChecked();
    c.optim.lr = m_lr->value();
    c.optim.weightDecay = m_weightDecay->value();
    c.optim.beta1 = m_beta1->value();
    c.optim.beta2 = m_beta2->value();
    c.optim.warmupSteps = m_warmup->value();
    c.optim.cosineDecay = m_cosine->isChecked();
    c.optim.batchSize = m_batch->value();
    c.optim.clipNorm = m_clip->value();
    c.optim.grokfast = m_grokfast->isChecked();
    c.optim.grokfastAlpha = m_grokfastAlpha->value();
    c.optim.grokfastLambda = m_grokfastLambda->value();
    c.maxSteps = m_maxSteps->value();
    c.evalEvery = m_evalEvery->value();
    c.backend = m_backend->currentText().toStdString();
    c.fitModelToTask();
    return c;
}

QString GrokkingLabControls::validate() const {
    const TrainConfig c = config();
    try {
        // The engine's own checks, so the sentence is the one the engine would throw.
        validateToyConfig(c.model);
        makeTask(c.task);
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace llmlab::gui
