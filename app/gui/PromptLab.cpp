#include "PromptLab.h"

#include "AttentionView.h"
#include "LogitLensModel.h"
#include "PositionalView.h"
#include "PromptCharts.h"
#include "TokenStrip.h"
#include "formats/ModelFile.h"
#include "model/Generator.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace llmlab::gui {

namespace {
QDoubleSpinBox* doubleBox(double lo, double hi, double value, double step, const QString& tip) {
    auto* b = new QDoubleSpinBox;
    b->setRange(lo, hi);
    b->setDecimals(2);
    b->setSingleStep(step);
    b->setValue(value);
    b->setToolTip(tip);
    return b;
}
} // namespace

PromptLab::PromptLab(JobRunner* runner, QWidget* parent) : QWidget(parent), m_runner(runner) {
    qRegisterMetaType<PromptRunSnapshot>();
    qRegisterMetaType<GenerationSnapshot>();

    m_strip = new views::TokenStrip;
    auto* stripScroll = new QScrollArea;
    stripScroll->setWidget(m_strip);
    stripScroll->setWidgetResizable(true);
    stripScroll->setMinimumHeight(44);

    m_attention = new views::AttentionView;
    m_next = new views::NextTokenChart;
    m_lensModel = new views::LogitLensModel(this);
    m_lensTable = new QTableView;
    m_lensTable->setObjectName(QStringLiteral("logitLens"));
    m_lensTable->setModel(m_lensModel);
    m_lensTable->horizontalHeader()->setDefaultSectionSize(64);
    m_lensTable->verticalHeader()->setDefaultSectionSize(36);
    m_generation = new views::GenerationView;
    // The text and, under it, the key to its colours.
    m_generationPane = new QWidget;
    auto* generationLayout = new QVBoxLayout(m_generationPane);
    generationLayout->setContentsMargins(0, 0, 0, 0);
    generationLayout->addWidget(m_generation, 1);
    generationLayout->addWidget(new views::ProbabilityLegend(m_generationPane));
    m_positional = new views::PositionalView;

    m_tabs = new QTabWidget;
    m_tabs->addTab(m_attention, tr("Attention"));
    m_tabs->addTab(m_next, tr("Next token"));
    m_tabs->addTab(m_lensTable, tr("Logit lens"));
    m_tabs->addTab(m_generationPane, tr("Generation"));
    m_tabs->addTab(m_positional, tr("Positions"));
    // One visible Export button for whatever the current tab shows.
    m_export = new QPushButton(tr("Export…"));
    m_export->setObjectName(QStringLiteral("promptExport"));
    m_export->setToolTip(
        tr("Export the chart (PNG, SVG, PDF, CSV) or the table (CSV) of this tab"));
    m_tabs->setCornerWidget(m_export, Qt::TopRightCorner);
    connect(m_export, &QPushButton::clicked, this, &PromptLab::exportCurrentTab);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(stripScroll);
    split->addWidget(m_tabs);
    split->setStretchFactor(1, 1);

    auto* layout = new QHBoxLayout(this);
    // The controls scroll when the window is short (a laptop screen) rather than setting its
    // minimum height.
    auto* controls = new QScrollArea;
    controls->setWidget(makeControls());
    controls->setWidgetResizable(true);
    controls->setFrameShape(QFrame::NoFrame);
    controls->setMaximumWidth(340);
    controls->setMinimumWidth(240);
    controls->setMinimumHeight(120);
    layout->addWidget(controls);
    layout->addWidget(split, 1);

    connect(m_runner, &JobRunner::jobFinished, this, &PromptLab::jobFinished);
    connect(m_runner, &JobRunner::jobFailed, this, &PromptLab::jobFailed);
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString&) {
        if (id == m_runJob || id == m_generateJob) setMessage(tr("Cancelled."));
    });
    updateEnabled();
}

PromptLab::~PromptLab() {
    // The runner may outlive the pane: stop our jobs; late tokens die with m_sink's connections.
    if (!m_runner) return;
    m_runner->cancelKind(kRunKind);
    m_runner->cancelKind(kGenerateKind);
}

QWidget* PromptLab::makeControls() {
    m_prompt = new QPlainTextEdit(QStringLiteral(
        "Once upon a time there was a little girl named Lily. She loved to play outside."));
    m_prompt->setPlaceholderText(tr("Type a prompt"));
    m_run = new QPushButton(tr("Run"));
    m_run->setToolTip(tr("Process the prompt and capture attention and the logit lens"));
    m_generate = new QPushButton(tr("Generate"));
    m_cancel = new QPushButton(tr("Cancel"));
    m_chat = new QCheckBox(tr("Chat format"));
    m_chat->setToolTip(tr("Wrap the prompt in the model's chat template as a user message"));
    m_plainSpecial = new QCheckBox(tr("Special tokens as plain text"));
    m_plainSpecial->setToolTip(tr("Off (the default, as Hugging Face): \"<|im_start|>\" typed in "
                                  "the prompt is that control token. On: it is ordinary text."));
    m_tokens = new QSpinBox;
    m_tokens->setRange(1, 4096);
    m_tokens->setValue(48);
    m_context = new QSpinBox;
    m_context->setRange(16, 32768);
    m_context->setValue(1024);
    m_context->setToolTip(tr("Cache size: the most tokens (prompt + generated) a run holds"));
    m_temperature = doubleBox(0, 5, 0.8, 0.1, tr("0 picks the most likely token"));
    m_topK = new QSpinBox;
    m_topK->setRange(0, 1000000);
    m_topK->setValue(40);
    m_topK->setToolTip(tr("Keep the k most likely tokens (0: all)"));
    m_topP = doubleBox(0, 1, 0.95, 0.05, tr("Keep the smallest set with this much probability"));
    m_minP = doubleBox(0, 1, 0.05, 0.01, tr("Drop tokens below min-p × p(most likely)"));
    m_repetition = doubleBox(0.5, 3, 1.1, 0.05, tr("> 1 discourages recent tokens"));
    m_seed = new QSpinBox;
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(42);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* form = new QFormLayout;
    form->addRow(tr("Tokens to generate"), m_tokens);
    form->addRow(tr("Context"), m_context);
    form->addRow(tr("Temperature"), m_temperature);
    form->addRow(tr("Top-k"), m_topK);
    form->addRow(tr("Top-p"), m_topP);
    form->addRow(tr("Min-p"), m_minP);
    form->addRow(tr("Repetition penalty"), m_repetition);
    form->addRow(tr("Seed"), m_seed);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_generate);
    buttons->addWidget(m_cancel);

    auto* box = new QWidget;
    box->setMaximumWidth(320);
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(0, 0, 0, 0);
    v->addWidget(m_prompt, 1);
    v->addWidget(m_chat);
    v->addWidget(m_plainSpecial);
    v->addLayout(buttons);
    v->addLayout(form);
    v->addWidget(m_message);

    connect(m_run, &QPushButton::clicked, this, &PromptLab::runPrompt);
    connect(m_generate, &QPushButton::clicked, this, &PromptLab::generateText);
    connect(m_cancel, &QPushButton::clicked, this, &PromptLab::cancel);
    return box;
}

QString PromptLab::message() const {
    return m_message->text();
}

void PromptLab::setMessage(const QString& text) {
    m_message->setText(text);
}

SamplingParams PromptLab::sampling() const {
    SamplingParams p;
    p.temperature = float(m_temperature->value());
    p.topK = m_topK->value();
    p.topP = float(m_topP->value());
    p.minP = float(m_minP->value());
    p.repetitionPenalty = float(m_repetition->value());
    p.seed = std::uint64_t(m_seed->value());
    return p;
}

void PromptLab::updateEnabled() {
    const bool ready = m_model && m_tokenizer;
    m_run->setEnabled(ready);
    m_generate->setEnabled(ready);
    m_chat->setEnabled(ready && m_tokenizer->chatTemplate() != ChatTemplateKind::None);
}

void PromptLab::setModel(std::shared_ptr<const ModelFile> model) {
    cancel();
    m_model = std::move(model);
    m_tokenizer.reset();
    // Nothing of the previous model's run stays on view: its tokens, attention, next-token
    // distribution, logit lens and generation belong to another vocabulary and other weights.
    m_strip->setTokens({});
    m_attention->setData(nullptr, {});
    m_next->setEntries({});
    m_lensModel->setTable({});
    m_generation->start(QString());
    m_lastRun = {};
    m_lastGeneration = {};
    if (m_model) {
        try {
            m_tokenizer = std::make_shared<const Tokenizer>(tokenizerFor(*m_model));
            const ModelSpec& s = m_model->spec();
            setMessage(tr("%1: %2 layers × %3 heads.")
                           .arg(QString::fromStdString(m_model->path()))
                           .arg(s.layers)
                           .arg(s.heads));
            if (s.context > 0) m_context->setValue(std::min(m_context->value(), s.context));
        } catch (const std::exception& e) {
            setMessage(tr("No tokenizer: %1").arg(QString::fromUtf8(e.what())));
        }
    } else {
        setMessage(tr("Open a model to run prompts."));
    }
    m_positional->setModel(m_model);
    updateEnabled();
}

void PromptLab::exportCurrentTab() {
    QWidget* tab = m_tabs->currentWidget();
    if (tab == m_next) {
        m_next->showExportDialog();
    } else if (tab == m_attention) {
        m_attention->detail()->showExportDialog();
    } else if (tab == m_lensTable) {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the logit lens"), QStringLiteral("logit-lens.csv"), tr("CSV (*.csv)"));
        if (path.isEmpty()) return;
        QString error;
        if (!writeLogitLensCsv(path, &error))
            QMessageBox::warning(this, tr("Export failed"), error);
    } else if (tab == m_positional) {
        // Five charts: pick one.
        QMenu menu(this);
        for (views::ChartView* c : {m_positional->encodingChart(), m_positional->curvesChart(),
                                    m_positional->similarityChart(),
                                    m_positional->modelCurveChart(), m_positional->modelMapChart()})
            menu.addAction(c->title().isEmpty() ? c->emptyText() : c->title(), c,
                           &views::ChartView::showExportDialog);
        menu.exec(m_export->mapToGlobal(QPoint(0, m_export->height())));
    } else {
        QMessageBox::information(this, tr("Export"),
                                 tr("The generation is text: select it and copy it."));
    }
}

bool PromptLab::writeLogitLensCsv(const QString& path, QString* error) const {
    QFile file(path);
    const QByteArray bytes = views::logitLensCsv(m_lensModel->table()).toUtf8();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(bytes) != bytes.size()) {
        if (error) *error = path + QStringLiteral(": ") + file.errorString();
        return false;
    }
    return true;
}

PromptRequest PromptLab::request() const {
    PromptRequest r;
    r.model = m_model;
    r.tokenizer = m_tokenizer;
    r.text = m_prompt->toPlainText();
    r.chat = m_chat->isChecked() && m_chat->isEnabled();
    r.plainSpecial = m_plainSpecial->isChecked();
    r.context = m_context->value();
    r.maxTokens = m_tokens->value();
    r.sampling = sampling();
    return r;
}

void PromptLab::runPrompt() {
    if (!m_model || !m_tokenizer) return;
    setMessage(tr("Running the prompt…"));
    m_runJob = m_runner->submit(kRunKind, tr("Running the prompt"), makePromptRunJob(request()));
}

void PromptLab::generateText() {
    if (!m_model || !m_tokenizer) return;
    // A fresh sink per generation: tokens of a replaced one still in flight go nowhere.
    if (m_sink) m_sink->disconnect(this);
    m_sink = std::make_shared<TokenSink>();
    connect(m_sink.get(), &TokenSink::token, this, [this](int id, const QString& text, double lp) {
        m_generation->appendToken(id, text, lp);
    });
    const PromptRequest r = request();
    const std::vector<std::int32_t> ids =
        promptTokens(*m_tokenizer, r.text, r.chat, r.plainSpecial);
    m_generation->start(QString::fromStdString(m_tokenizer->decode(ids, {false, true})));
    m_tabs->setCurrentWidget(m_generationPane);
    setMessage(tr("Generating…"));
    m_generateJob = m_runner->submit(kGenerateKind, tr("Generating"), makeGenerateJob(r, m_sink));
}

void PromptLab::cancel() {
    if (!m_runner) return;
    m_runner->cancelKind(kRunKind);
    m_runner->cancelKind(kGenerateKind);
}

void PromptLab::jobFinished(quint64 id, const QString& kind, const QVariant& result) {
    if (kind == kRunKind && id == m_runJob) {
        m_lastRun = result.value<PromptRunSnapshot>();
        showRun(m_lastRun);
        ++m_runsFinished;
    } else if (kind == kGenerateKind && id == m_generateJob) {
        m_lastGeneration = result.value<GenerationSnapshot>();
        // The decoder may hold back the end of a character until the end: show what it flushed.
        const QString streamed = m_generation->generatedText();
        if (m_lastGeneration.text.startsWith(streamed) &&
            m_lastGeneration.text.size() > streamed.size())
            m_generation->appendToken(m_lastGeneration.ids.empty() ? 0
                                                                   : m_lastGeneration.ids.back(),
                                      m_lastGeneration.text.mid(streamed.size()), 0);
        setMessage(
            tr("Generated %1 tokens (%2 tokens/s)%3.")
                .arg(m_lastGeneration.ids.size())
                .arg(m_lastGeneration.tokensPerSecond, 0, 'f', 1)
                .arg(m_lastGeneration.stoppedAtEnd ? tr(", stopped at end of text") : QString()));
        ++m_generationsFinished;
    }
}

void PromptLab::jobFailed(quint64 id, const QString&, const QString& message) {
    if (id == m_runJob || id == m_generateJob) setMessage(tr("Failed: %1").arg(message));
}

void PromptLab::showRun(const PromptRunSnapshot& snap) {
    m_strip->setTokens(snap.chips);
    QStringList labels;
    for (const views::TokenChip& c : snap.chips) labels << views::visiblePiece(c.bytes);
    m_attention->setData(snap.attention, labels);
    m_next->setEntries(snap.next,
                       sampling().temperature > 0 ? snap.sampled : std::vector<double>{});
    m_lensModel->setTable(snap.lens);
    setMessage(tr("%1 tokens in %2 s.%3")
                   .arg(snap.ids.size())
                   .arg(snap.seconds, 0, 'f', 2)
                   .arg(snap.note.isEmpty() ? QString() : QStringLiteral(" ") + snap.note));
}

} // namespace llmlab::gui
