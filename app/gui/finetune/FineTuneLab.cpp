#include "finetune/FineTuneLab.h"

#include "finetune/FineTuneCharts.h"
#include "formats/ModelFile.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QStandardPaths>
#include <QTimer>
#include <QVBoxLayout>

namespace llmlab::gui {

namespace {

QString defaultText() {
#ifdef LLMLAB_DEFAULT_TEXT
    return QStringLiteral(LLMLAB_DEFAULT_TEXT);
#else
    return QString();
#endif
}

QSpinBox* spin(QWidget* parent, int lo, int hi, int value, const QString& tip) {
    auto* s = new QSpinBox(parent);
    s->setRange(lo, hi);
    s->setValue(value);
    s->setToolTip(tip);
    return s;
}

} // namespace

FineTuneLab::FineTuneLab(JobRunner* runner, QWidget* parent) : QWidget(parent), m_runner(runner) {
    m_runsDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/finetune");
    m_modelLabel = new QLabel(this);
    m_modelLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_data = new QLineEdit(defaultText(), this);
    m_data->setToolTip(tr("The text to fine-tune on; its last tenth is held out for the held-out loss"));
    m_chooseData = new QPushButton(tr("Text…"), this);
    m_reference = new QLineEdit(this);
    m_reference->setPlaceholderText(tr("optional: a text of the model's own domain, for the forgetting curve"));
    m_chooseReference = new QPushButton(tr("Text…"), this);
    m_method = new QComboBox(this);
    m_method->addItem(tr("LoRA"), int(FineTuneMethod::Lora));
    m_method->addItem(tr("top layers"), int(FineTuneMethod::TopLayers));
    m_method->addItem(tr("full"), int(FineTuneMethod::Full));
    m_method->addItem(tr("classification head"), int(FineTuneMethod::Head));
    m_method->setToolTip(tr("LoRA adapters, the top blocks, every weight, or a classifier on the frozen model's "
                            "features (its text: lines of label<TAB>text)"));
    m_quant = new QComboBox(this);
    m_quant->addItem(tr("as the file has it"), QString());
    for (const char* t : {"Q8_0", "Q4_0", "Q4_K"}) m_quant->addItem(QStringLiteral("QLoRA on %1").arg(QLatin1String(t)), QLatin1String(t));
    m_quant->setToolTip(tr("QLoRA: the base quantized first and multiplied packed, forward and backward; the "
                           "adapters stay F32"));
    m_rank = spin(this, 1, 256, 8, tr("LoRA rank r"));
    m_alpha = new QDoubleSpinBox(this);
    m_alpha->setRange(0.1, 1024);
    m_alpha->setValue(16);
    m_alpha->setToolTip(tr("LoRA alpha: the update is scaled by alpha / r"));
    m_targets = new QLineEdit(QStringLiteral("q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj"), this);
    m_targets->setToolTip(tr("Which matrices get adapters: a pattern over Hugging Face module names "
                             "(q_proj …) or GGUF names (attn_q …)"));
    m_top = spin(this, 1, 256, 2, tr("Top layers: the last N blocks are trained"));
    m_steps = spin(this, 1, 1000000, 200, tr("Optimiser steps"));
    m_batch = spin(this, 1, 1024, 8, tr("Sequences a step"));
    m_seq = spin(this, 2, 8192, 64, tr("Tokens a sequence"));
    m_lr = new QDoubleSpinBox(this);
    m_lr->setDecimals(5);
    m_lr->setRange(1e-5, 1.0);
    m_lr->setSingleStep(1e-4);
    m_lr->setValue(2e-3);
    m_every = spin(this, 1, 100000, 20, tr("Steps between evaluations and sample generations"));
    m_schedule = new QComboBox(this);
    m_schedule->addItem(tr("constant lr"));
    m_schedule->addItem(tr("cosine, 10% warm-up"));
    m_accumulate = spin(this, 1, 1024, 1, tr("Gradient accumulation: micro-batches of `batch` sequences a step "
                                             "(the memory of one, the gradient of all)"));
    m_checkpointing = new QCheckBox(tr("checkpointing"), this);
    m_checkpointing->setToolTip(tr("Gradient checkpointing: the backward pass recomputes each block from its "
                                   "input, so a step holds one block's activations (a forward pass more of work)"));
    m_dropout = new QDoubleSpinBox(this);
    m_dropout->setRange(0.0, 0.9);
    m_dropout->setSingleStep(0.05);
    m_dropout->setValue(0.0);
    m_dropout->setToolTip(tr("LoRA dropout on the adapters' input, in training only (PEFT's lora_dropout)"));
    m_estimate = new QLabel(this);
    m_estimate->setWordWrap(true);
    m_estimate->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_resume = new QPushButton(tr("Resume…"), this);
    m_resume->setToolTip(tr("Go on with a run folder from its last checkpoint (a run stopped, or killed)"));
    m_prompt = new QLineEdit(QStringLiteral("ROMEO:"), this);
    m_prompt->setToolTip(tr("The fixed prompt continued (greedily) at every evaluation, beside the base model's"));
    m_start = new QPushButton(tr("Start"), this);
    m_stop = new QPushButton(tr("Stop"), this);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Model"), m_modelLabel);
    auto* dataRow = new QHBoxLayout;
    dataRow->addWidget(m_data, 1);
    dataRow->addWidget(m_chooseData);
    form->addRow(tr("Train on"), dataRow);
    auto* refRow = new QHBoxLayout;
    refRow->addWidget(m_reference, 1);
    refRow->addWidget(m_chooseReference);
    form->addRow(tr("Reference"), refRow);
    auto* methodRow = new QHBoxLayout;
    methodRow->addWidget(m_method);
    methodRow->addWidget(m_quant);
    methodRow->addWidget(new QLabel(tr("rank"), this));
    methodRow->addWidget(m_rank);
    methodRow->addWidget(new QLabel(tr("alpha"), this));
    methodRow->addWidget(m_alpha);
    methodRow->addWidget(new QLabel(tr("dropout"), this));
    methodRow->addWidget(m_dropout);
    methodRow->addWidget(new QLabel(tr("top"), this));
    methodRow->addWidget(m_top);
    methodRow->addWidget(m_targets, 1);
    form->addRow(tr("Method"), methodRow);
    auto* runRow = new QHBoxLayout;
    for (auto [label, w] : {std::pair<QString, QWidget*>{tr("steps"), m_steps}, {tr("batch"), m_batch},
                            {tr("tokens"), m_seq}, {tr("lr"), m_lr}, {QString(), m_schedule},
                            {tr("every"), m_every}}) {
        if (!label.isEmpty()) runRow->addWidget(new QLabel(label, this));
        runRow->addWidget(w);
    }
    runRow->addStretch(1);
    form->addRow(tr("Run"), runRow);
    auto* memoryRow = new QHBoxLayout;
    memoryRow->addWidget(new QLabel(tr("accumulate"), this));
    memoryRow->addWidget(m_accumulate);
    memoryRow->addWidget(m_checkpointing);
    memoryRow->addWidget(m_estimate, 1);
    form->addRow(tr("Memory"), memoryRow);
    // The prompt on a row of its own: at 1280 px beside the run's settings it was cut.
    auto* sampleRow = new QHBoxLayout;
    sampleRow->addWidget(m_prompt, 1);
    sampleRow->addWidget(m_start);
    sampleRow->addWidget(m_stop);
    sampleRow->addWidget(m_resume);
    form->addRow(tr("Sample prompt"), sampleRow);

    m_loss = new views::FineTuneLossChart(this);
    m_speed = new views::FineTuneSpeedChart(this);
    m_samples = new QPlainTextEdit(this);
    m_samples->setReadOnly(true);
    m_samples->setPlaceholderText(tr("Sample generations from the prompt, every evaluation, under the base model's"));
    for (QWidget* w : std::initializer_list<QWidget*>{m_loss, m_speed, m_samples}) w->setMinimumSize(220, 160);
    m_gradNorm = new views::FineTuneSeriesChart(tr("Gradient norm (before clipping at 1)"), tr("norm"),
                                                tr("The gradient's norm at each evaluation's last step"),
                                                QStringLiteral("finetune-gradient-norm"), this);
    m_lrChart = new views::FineTuneSeriesChart(tr("Learning rate"), tr("learning rate"),
                                               tr("The schedule's learning rate as the run goes"),
                                               QStringLiteral("finetune-learning-rate"), this);
    for (QWidget* w : std::initializer_list<QWidget*>{m_gradNorm, m_lrChart}) w->setMinimumSize(220, 160);
    m_lower = new QTabWidget(this);
    m_lower->addTab(m_speed, tr("Speed"));
    m_lower->addTab(m_gradNorm, tr("Gradient norm"));
    m_lower->addTab(m_lrChart, tr("Learning rate"));
    auto* charts = new QSplitter(Qt::Vertical, this);
    charts->addWidget(m_loss);
    charts->addWidget(m_lower);
    charts->setStretchFactor(0, 3);
    charts->setStretchFactor(1, 1);
    charts->setChildrenCollapsible(false);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(charts);
    split->addWidget(m_samples);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto* content = new QWidget(this);
    auto* layout = new QVBoxLayout(content);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    m_timer = new QTimer(this);
    m_timer->setInterval(200);
    connect(m_timer, &QTimer::timeout, this, &FineTuneLab::poll);
    connect(m_start, &QPushButton::clicked, this, &FineTuneLab::start);
    connect(m_stop, &QPushButton::clicked, this, &FineTuneLab::stop);
    connect(m_chooseData, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Text to train on"), QFileInfo(m_data->text()).absolutePath());
        if (!p.isEmpty()) {
            m_data->setText(p);
            updateEstimate(); // a head's classes come from the data
        }
    });
    connect(m_chooseReference, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Reference text"), QFileInfo(m_data->text()).absolutePath());
        if (!p.isEmpty()) m_reference->setText(p);
    });
    auto methodChanged = [this] {
        const auto m = FineTuneMethod(m_method->currentData().toInt());
        for (QWidget* w : std::initializer_list<QWidget*>{m_rank, m_alpha, m_targets, m_quant, m_dropout})
            w->setEnabled(m == FineTuneMethod::Lora);
        m_top->setEnabled(m == FineTuneMethod::TopLayers);
        m_reference->setEnabled(m != FineTuneMethod::Head); // a head forgets nothing
        m_chooseReference->setEnabled(m != FineTuneMethod::Head);
    };
    connect(m_method, &QComboBox::currentIndexChanged, this, methodChanged);
    methodChanged();
    connect(m_resume, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Run folder to resume"), m_runsDir);
        if (!dir.isEmpty()) resume(dir);
    });
    // The estimate follows every field it depends on.
    for (QComboBox* b : {m_method, m_quant})
        connect(b, &QComboBox::currentIndexChanged, this, &FineTuneLab::updateEstimate);
    for (QSpinBox* b : {m_rank, m_top, m_batch, m_seq, m_accumulate})
        connect(b, &QSpinBox::valueChanged, this, &FineTuneLab::updateEstimate);
    connect(m_targets, &QLineEdit::textChanged, this, &FineTuneLab::updateEstimate);
    connect(m_data, &QLineEdit::editingFinished, this, &FineTuneLab::updateEstimate);
    connect(m_checkpointing, &QCheckBox::toggled, this, &FineTuneLab::updateEstimate);
    connect(m_runner, &JobRunner::jobProgress, this, [this](quint64 id, const QString&, double f, const QString& what) {
        if (id == m_job) setMessage(QStringLiteral("%1% %2").arg(int(100 * f)).arg(what));
    });
    connect(m_runner, &JobRunner::jobFinished, this, [this](quint64 id, const QString&, const QVariant& result) {
        if (id != m_job) return;
        const auto s = result.value<FineTuneSummary>();
        poll();
        ++m_finished;
        jobEnded(tr("%1 steps in %2 s: held-out loss %3 → %4; the step's buffers %5 MB%6")
                     .arg(s.steps)
                     .arg(s.seconds, 0, 'f', 1)
                     .arg(s.firstHeldOut, 0, 'f', 3)
                     .arg(s.lastHeldOut, 0, 'f', 3)
                     .arg(double(s.stepBytes) / 1e6, 0, 'f', 1)
                     .arg(s.outDir.isEmpty() ? QString() : tr("; metrics in %1").arg(QDir::toNativeSeparators(s.outDir))));
    });
    connect(m_runner, &JobRunner::jobFailed, this, [this](quint64 id, const QString&, const QString& message) {
        if (id == m_job) jobEnded(message);
    });
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString&) {
        if (id == m_job) jobEnded(tr("Stopped: the curves and metrics.csv keep what was measured"));
    });
    setModel(nullptr);
}

FineTuneLab::~FineTuneLab() {
    // The children are deleted after this object's members: a line edit losing focus as the
    // window closes would otherwise call updateEstimate on a model already gone.
    for (QWidget* w : findChildren<QWidget*>()) w->blockSignals(true);
}

void FineTuneLab::setModel(std::shared_ptr<const ModelFile> model) {
    if (m_job) stop();
    m_job = 0;
    m_model = std::move(model);
    m_live.reset();
    m_shownVersion = -1;
    m_loss->setCurves({}, {}, {}, {});
    m_speed->setSpeed({}, {});
    m_gradNorm->setSeries({}, {});
    m_lrChart->setSeries({}, {});
    m_samples->clear();
    if (m_model) {
        m_modelLabel->setText(QString::fromStdString(m_model->path()));
        m_top->setMaximum(std::max(1, m_model->spec().layers));
        setMessage(tr("Choose a text and a method, then Start: curves and samples appear as it trains"));
    } else {
        m_modelLabel->setText(tr("(none: open a model, File → Open)"));
        setMessage(tr("Open a model to fine-tune it"));
    }
    updateEstimate();
    updateButtons();
}

QString FineTuneLab::estimate() const {
    return m_estimate->text();
}

FineTuneConfig FineTuneLab::configFromFields() const {
    FineTuneConfig c;
    c.method = FineTuneMethod(m_method->currentData().toInt());
    c.rank = m_rank->value();
    c.alpha = float(m_alpha->value());
    c.targets = m_targets->text().toStdString();
    c.loraDropout = float(m_dropout->value());
    c.topLayers = m_top->value();
    c.steps = m_steps->value();
    c.batch = m_batch->value();
    c.seqLen = m_seq->value();
    c.accumulate = m_accumulate->value();
    c.checkpointing = m_checkpointing->isChecked();
    c.lr = m_lr->value();
    c.cosine = m_schedule->currentIndex() == 1;
    c.warmup = c.cosine ? std::max<std::int64_t>(1, c.steps / 10) : 0;
    return c;
}

void FineTuneLab::updateEstimate() {
    if (!m_model) {
        m_estimate->clear();
        return;
    }
    const FineTuneConfig c = configFromFields();
    const std::string quant = c.method == FineTuneMethod::Lora ? m_quant->currentData().toString().toStdString() : std::string();
    int classes = 2; // a head's: the labels of its data, where the file can be read
    if (c.method == FineTuneMethod::Head) {
        QFile f(m_data->text());
        if (f.size() < (64 << 20) && f.open(QIODevice::ReadOnly)) {
            QSet<QByteArray> labels;
            while (!f.atEnd()) {
                const QByteArray line = f.readLine();
                if (const qsizetype tab = line.indexOf('\t'); tab > 0) labels.insert(line.left(tab));
            }
            classes = std::max<int>(2, int(labels.size()));
        }
    }
    try {
        const FineTuneEstimate e = estimateFineTune(*m_model, c, quant, classes);
        const TrainingMemory& m = e.memory;
        auto gb = [](double bytes) { // MB below a gigabyte: a small model's figures are not all 0.000
            return bytes < 1e9 ? QStringLiteral("%1 MB").arg(bytes / 1e6, 0, 'f', 1)
                               : QStringLiteral("%1 GB").arg(bytes / 1e9, 0, 'f', 2);
        };
        QString what = tr("trains %1 values").arg(QLocale().toString(qlonglong(e.trainable)));
        if (c.method == FineTuneMethod::Lora) what += tr(" (%n matrices adapted)", nullptr, e.matrices);
        if (c.method == FineTuneMethod::Head) what += tr(" (%n classes)", nullptr, classes);
        m_estimate->setText(tr("%1 · the cost calculator, %2: %3 (weights %4, adapters %5, gradients and "
                               "Adam %6, activations %7)")
                                .arg(what, QString::fromStdString(m.method), gb(m.total()), gb(m.weights),
                                     gb(m.adapters), gb(m.gradients + m.optimizer + m.master), gb(m.activations)));
    } catch (const std::exception& e) {
        m_estimate->setText(QString::fromStdString(e.what()));
    }
}

QString FineTuneLab::message() const {
    return m_message->text();
}

void FineTuneLab::setMessage(const QString& text) {
    m_message->setText(text);
}

void FineTuneLab::updateButtons() {
    m_start->setEnabled(m_job == 0 && m_model);
    m_resume->setEnabled(m_job == 0 && m_model);
    m_stop->setEnabled(m_job != 0);
}

void FineTuneLab::start() {
    if (!m_model || m_job) return;
    if (!QFileInfo::exists(m_data->text())) {
        setMessage(tr("%1: no such text to train on").arg(m_data->text()));
        return;
    }
    if (!m_reference->text().isEmpty() && !QFileInfo::exists(m_reference->text())) {
        setMessage(tr("%1: no such reference text").arg(m_reference->text()));
        return;
    }
    FineTuneRequest r;
    r.model = m_model;
    r.dataPath = m_data->text().toStdString();
    r.config = configFromFields();
    // A head forgets nothing: its run has no reference text (and resumes so from the CLI too).
    if (r.config.method != FineTuneMethod::Head) r.referencePath = m_reference->text().toStdString();
    if (r.config.method == FineTuneMethod::Lora) r.quant = m_quant->currentData().toString().toStdString();
    r.evalEvery = m_every->value();
    m_lastRun = m_runsDir + QStringLiteral("/") + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    r.outDir = m_lastRun.toStdString();
    submit(std::move(r));
}

bool FineTuneLab::resume(const QString& dir) {
    if (!m_model || m_job) {
        setMessage(m_model ? tr("A run is going: stop it first") : tr("Open the run's model first"));
        return false;
    }
    FineTuneRun run;
    try {
        run = readFineTuneRun((dir + QStringLiteral("/config.json")).toStdString());
    } catch (const std::exception& e) {
        setMessage(QString::fromStdString(e.what()));
        return false;
    }
    if (!QFileInfo::exists(dir + QStringLiteral("/checkpoint.safetensors"))) {
        setMessage(tr("%1: no checkpoint to go on from").arg(QDir::toNativeSeparators(dir)));
        return false;
    }
    if (QFileInfo(QString::fromStdString(run.model)).canonicalFilePath() !=
        QFileInfo(QString::fromStdString(m_model->path())).canonicalFilePath()) {
        setMessage(tr("%1 was trained on %2, not on the opened %3: open that model to resume it")
                       .arg(QDir::toNativeSeparators(dir), QString::fromStdString(run.model),
                            QString::fromStdString(m_model->path())));
        return false;
    }
    // The pane shows what the run uses.
    const FineTuneConfig& c = run.config;
    m_data->setText(QString::fromStdString(run.data));
    m_reference->setText(QString::fromStdString(run.reference));
    m_method->setCurrentIndex(m_method->findData(int(c.method)));
    m_quant->setCurrentIndex(std::max(0, m_quant->findData(QString::fromStdString(run.quant))));
    m_rank->setValue(c.rank);
    m_alpha->setValue(c.alpha);
    m_targets->setText(QString::fromStdString(c.targets));
    m_dropout->setValue(c.loraDropout);
    m_top->setValue(c.topLayers);
    m_steps->setValue(int(c.steps));
    m_batch->setValue(c.batch);
    m_seq->setValue(c.seqLen);
    m_accumulate->setValue(c.accumulate);
    m_checkpointing->setChecked(c.checkpointing);
    m_lr->setValue(c.lr);
    m_schedule->setCurrentIndex(c.cosine ? 1 : 0);
    m_every->setValue(run.evalEvery);
    FineTuneRequest r;
    r.model = m_model;
    r.dataPath = run.data;
    r.referencePath = run.reference;
    r.config = c;
    r.quant = run.quant;
    r.evalEvery = run.evalEvery;
    r.outDir = dir.toStdString();
    r.resume = true;
    m_lastRun = dir;
    submit(std::move(r));
    return true;
}

void FineTuneLab::submit(FineTuneRequest r) {
    r.samplePrompt = m_prompt->text().toStdString();
    m_runPrompt = m_prompt->text();
    m_live = std::make_shared<FineTuneLive>();
    m_shownVersion = -1;
    m_samples->clear();
    m_loss->setCurves({}, {}, {}, {});
    m_speed->setSpeed({}, {});
    m_gradNorm->setSeries({}, {});
    m_lrChart->setSeries({}, {});
    m_job = m_runner->submit(kJob, tr("Fine-tuning"), makeFineTuneJob(r, m_live));
    m_timer->start();
    setMessage(r.resume ? tr("Resuming %1…").arg(QDir::toNativeSeparators(m_lastRun)) : tr("Fine-tuning…"));
    updateButtons();
}

void FineTuneLab::stop() {
    if (m_job) m_runner->cancelKind(kJob);
}

void FineTuneLab::jobEnded(const QString& message) {
    m_job = 0;
    poll();
    m_timer->stop();
    setMessage(message);
    updateButtons();
}

void FineTuneLab::poll() {
    if (!m_live) return;
    std::vector<double> steps, train, held, ref, rate, grad, lr;
    std::vector<std::pair<std::int64_t, std::string>> samples;
    std::int64_t trainable = 0;
    std::string method;
    {
        std::lock_guard lock(m_live->mutex);
        if (m_live->version == m_shownVersion) return;
        m_shownVersion = m_live->version;
        steps = m_live->steps;
        train = m_live->train;
        held = m_live->heldOut;
        ref = m_live->reference;
        rate = m_live->tokensPerSecond;
        grad = m_live->gradientNorm;
        lr = m_live->learningRate;
        samples = m_live->samples;
        trainable = m_live->trainable;
        method = m_live->method;
    }
    m_loss->setCurves(steps, train, held, ref);
    m_speed->setSpeed(steps, rate);
    m_gradNorm->setSeries(steps, grad);
    m_lrChart->setSeries(steps, lr);
    QString text = tr("%1, %2 values trained\n\n").arg(QString::fromStdString(method)).arg(trainable);
    for (const auto& [step, s] : samples)
        text += (step == 0 ? (method == "classification head" ? tr("untrained head") : tr("base model"))
                           : tr("step %1").arg(step)) +
                QStringLiteral(": ") +
                (m_runPrompt + QString::fromStdString(s)).simplified() + QStringLiteral("\n\n");
    m_samples->setPlainText(text);
    m_samples->moveCursor(QTextCursor::End);
}

} // namespace llmlab::gui
