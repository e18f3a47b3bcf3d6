#include "interp/InterpLab.h"

#include "formats/ModelFile.h"
#include "interp/InterpViews.h"
#include "model/Generator.h"
#include "prompt/AttentionData.h"
#include "prompt/AttentionGrid.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace llmlab::gui {

namespace {

QWidget* page(QWidget* parent, std::initializer_list<QWidget*> top, QWidget* body,
              QWidget* bottom = nullptr) {
    auto* w = new QWidget(parent);
    auto* layout = new QVBoxLayout(w);
    if (top.size() > 0) {
        auto* row = new QHBoxLayout;
        for (QWidget* x : top) row->addWidget(x);
        row->addStretch(1);
        layout->addLayout(row);
    }
    layout->addWidget(body, 1);
    if (bottom) layout->addWidget(bottom);
    return w;
}

QSplitter* sideBySide(QWidget* parent, QWidget* a, QWidget* b) {
    auto* s = new QSplitter(Qt::Horizontal, parent);
    s->addWidget(a);
    s->addWidget(b);
    s->setChildrenCollapsible(false);
    s->setStretchFactor(0, 1);
    s->setStretchFactor(1, 1);
    return s;
}

QString signedValue(double v) {
    return QStringLiteral("%1%2").arg(v >= 0 ? QStringLiteral("+") : QString()).arg(v, 0, 'f', 3);
}

} // namespace

InterpLab::InterpLab(JobRunner* runner, QWidget* parent) : QWidget(parent), m_runner(runner) {
    m_modelLabel = new QLabel(this);
    m_modelLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The course's indirect-object example: who gets the drink?
    m_prompt = new QLineEdit(QStringLiteral("When Mary and John went to the store, John gave a drink to"), this);
    m_corrupt = new QLineEdit(QStringLiteral("When Mary and John went to the store, Mary gave a drink to"), this);
    m_corrupt->setToolTip(tr("Activation patching runs this prompt with the clean prompt's values "
                             "patched in, one site at a time: it must have as many tokens"));
    m_target = new QLineEdit(QStringLiteral(" Mary"), this);
    m_target->setToolTip(tr("The next token to explain: one token of the model's vocabulary "
                            "(mind the leading space)"));
    m_versus = new QLineEdit(QStringLiteral(" John"), this);
    m_versus->setToolTip(tr("The token it is compared with: logit(target) - logit(versus) is "
                            "what is attributed. Empty: the model's likeliest other token"));
    for (QLineEdit* e : {m_target, m_versus}) e->setMaximumWidth(120);
    m_counts = new QLabel(this);
    m_attribute = new QPushButton(tr("Attribute"), this);
    m_attribute->setToolTip(tr("Direct logit attribution of the prompt and its contribution graph"));
    m_patch = new QPushButton(tr("Patch"), this);
    m_method = new QComboBox(this);
    m_method->addItem(tr("exact"), int(PatchMethod::Exact));
    m_method->addItem(tr("gradient estimate"), int(PatchMethod::Gradient));
    m_method->addItem(tr("both"), int(PatchMethod::Both));
    m_method->setToolTip(tr("exact: a run for every site patched; gradient estimate: attribution "
                            "patching, one backward pass for all sites; both: the two and their "
                            "correlation"));
    m_ablate = new QPushButton(tr("Ablate heads"), this);
    m_ablationKind = new QComboBox(this);
    m_ablationKind->addItem(tr("zero"), int(AblationKind::Zero));
    m_ablationKind->addItem(tr("mean"), int(AblationKind::Mean));
    m_ablationKind->setToolTip(tr("A head's output replaced by zero, or by its mean over the "
                                  "prompt's positions"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Model"), m_modelLabel);
    form->addRow(tr("Prompt"), m_prompt);
    form->addRow(tr("Corrupted"), m_corrupt);
    auto* tokensRow = new QHBoxLayout;
    tokensRow->addWidget(m_target);
    tokensRow->addWidget(new QLabel(tr("versus"), this));
    tokensRow->addWidget(m_versus);
    tokensRow->addWidget(m_counts, 1);
    form->addRow(tr("Next token"), tokensRow);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_attribute);
    buttons->addSpacing(12);
    buttons->addWidget(m_patch);
    buttons->addWidget(m_method);
    buttons->addSpacing(12);
    buttons->addWidget(m_ablate);
    buttons->addWidget(m_ablationKind);
    buttons->addSpacing(12);
    buttons->addWidget(m_stop);
    buttons->addStretch(1);
    form->addRow(QString(), buttons);

    m_tabs = new QTabWidget(this);
    // Logit attribution.
    m_dlaHeads = new views::LayerGrid(tr("Each head's direct share of the logit difference"), tr("head"),
                                      tr("Attribute a prompt: each head's contribution to "
                                         "logit(target) - logit(versus), through the final norm"),
                                      QStringLiteral("logit-attribution-heads"), this);
    m_dlaLayers = new views::LogitDiffByLayerChart(this);
    for (QWidget* c : std::initializer_list<QWidget*>{m_dlaHeads, m_dlaLayers}) c->setMinimumSize(260, 180);
    m_tabs->addTab(sideBySide(this, m_dlaHeads, m_dlaLayers), tr("Logit attribution"));
    // Contribution graph.
    m_graph = new views::ContributionGraphView(this);
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setRange(0.005, 1.0);
    m_threshold->setSingleStep(0.01);
    m_threshold->setDecimals(3);
    m_threshold->setValue(0.04);
    m_threshold->setToolTip(tr("Edges whose share of the state they enter is below this are left "
                               "out (Ferrando & Voita use 0.04)"));
    m_position = new QSpinBox(this);
    m_position->setRange(0, 0);
    m_position->setToolTip(tr("The prediction whose routes are drawn: after this token"));
    m_exportGraph = new QPushButton(tr("Export…"), this);
    m_details = new QLabel(tr("Click an edge to see its heads and the tokens it promotes"), this);
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setMinimumHeight(48);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_tabs->addTab(page(this, {new QLabel(tr("Threshold"), this), m_threshold,
                               new QLabel(tr("prediction after token"), this), m_position, m_exportGraph},
                        m_graph, m_details),
                   tr("Contribution graph"));
    // Activation patching.
    m_patchResidual = new views::LayerGrid(tr("Residual stream patched at (layer, position)"), tr("position"),
                                           tr("Patch: the clean run's residual stream put into the "
                                              "corrupted run, one layer and position at a time"),
                                           QStringLiteral("patching-residual"), this);
    m_patchHeads = new views::LayerGrid(tr("Head outputs patched at (layer, head)"), tr("head"),
                                        tr("Patch: each head's clean output put into the "
                                           "corrupted run, at every position"),
                                        QStringLiteral("patching-heads"), this);
    for (QWidget* c : std::initializer_list<QWidget*>{m_patchResidual, m_patchHeads}) c->setMinimumSize(260, 180);
    m_patchSummary = new QLabel(this);
    m_patchSummary->setWordWrap(true);
    m_patchShown = new QComboBox(this);
    m_patchShown->addItem(tr("exact patching"));
    m_patchShown->addItem(tr("the gradient estimate"));
    m_patchShown->setEnabled(false);
    m_patchShown->setToolTip(tr("Patched with both methods: the maps of either, on the same scale"));
    m_tabs->addTab(page(this, {new QLabel(tr("Show"), this), m_patchShown},
                        sideBySide(this, m_patchResidual, m_patchHeads), m_patchSummary),
                   tr("Activation patching"));
    // Head ablation, beside the prompt's attention.
    m_ablation = new views::LayerGrid(tr("Each head ablated in turn"), tr("head"),
                                      tr("Ablate heads: each one's output zeroed (or set to its "
                                         "mean) in turn, and what that changes"),
                                      QStringLiteral("head-ablation"), this);
    m_ablation->setMinimumSize(260, 180);
    m_ablationMetric = new QComboBox(this);
    m_ablationMetric->addItem(tr("change of the logit difference"));
    m_ablationMetric->addItem(tr("change of the prompt's loss"));
    m_attention = new views::AttentionGrid(this);
    auto* attentionScroll = new QScrollArea(this);
    attentionScroll->setWidget(m_attention);
    attentionScroll->setWidgetResizable(true);
    attentionScroll->setMinimumWidth(200);
    m_headInfo = new QLabel(tr("The prompt's attention, a map a head: click a head here or in "
                               "the grid"), this);
    m_headInfo->setWordWrap(true);
    auto* attentionBox = new QWidget(this);
    auto* attentionLayout = new QVBoxLayout(attentionBox);
    attentionLayout->setContentsMargins(0, 0, 0, 0);
    attentionLayout->addWidget(attentionScroll, 1);
    attentionLayout->addWidget(m_headInfo);
    // The attention grid is as wide as its thumbnails want; it scrolls instead of taking the
    // ablation grid's half.
    attentionScroll->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    attentionBox->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    QSplitter* ablationSplit = sideBySide(this, m_ablation, attentionBox);
    ablationSplit->setSizes({500, 500});
    m_tabs->addTab(page(this, {new QLabel(tr("Show"), this), m_ablationMetric}, ablationSplit),
                   tr("Head ablation"));

    auto* content = new QWidget(this);
    auto* layout = new QVBoxLayout(content);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(m_tabs, 1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    connect(m_attribute, &QPushButton::clicked, this, &InterpLab::attribute);
    connect(m_patch, &QPushButton::clicked, this, &InterpLab::patch);
    connect(m_ablate, &QPushButton::clicked, this, &InterpLab::ablate);
    connect(m_stop, &QPushButton::clicked, this, &InterpLab::stop);
    for (QLineEdit* e : {m_prompt, m_corrupt, m_target, m_versus})
        connect(e, &QLineEdit::textChanged, this, &InterpLab::updateCounts);
    auto routes = [this] { m_graph->setRoutes(m_position->value(), m_threshold->value()); };
    connect(m_threshold, &QDoubleSpinBox::valueChanged, this, routes);
    connect(m_position, &QSpinBox::valueChanged, this, routes);
    connect(m_graph, &views::ContributionGraphView::edgeClicked, this, &InterpLab::showEdge);
    connect(m_exportGraph, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getSaveFileName(
            this, tr("Export the contribution graph"), QStringLiteral("contribution-graph.png"),
            tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf);;CSV, the edges shown (*.csv)"));
        QString error;
        if (!p.isEmpty() && !m_graph->exportTo(p, &error)) QMessageBox::warning(this, tr("Export"), error);
    });
    connect(m_ablationMetric, &QComboBox::currentIndexChanged, this, &InterpLab::showAblation);
    connect(m_patchShown, &QComboBox::currentIndexChanged, this, &InterpLab::showPatchMaps);
    auto pickHead = [this](int layer, int head) {
        m_ablation->markCell(layer, head);
        m_dlaHeads->markCell(layer, head);
        if (m_attention->selectedLayer() != layer || m_attention->selectedHead() != head)
            m_attention->select(layer, head);
        const AblationResult& r = m_lastAblation.result;
        QString text = tr("Layer %1, head %2").arg(layer).arg(head);
        if (layer < int(r.diffChange.size()) && head < int(r.diffChange[std::size_t(layer)].size()))
            text += tr(": ablated, the logit difference changes by %1 and the loss by %2")
                        .arg(signedValue(r.diffChange[std::size_t(layer)][std::size_t(head)]),
                             signedValue(r.lossChange[std::size_t(layer)][std::size_t(head)]));
        if (m_lastAblation.attention && layer < m_lastAblation.attention->layers()) {
            const views::HeadStats& st = m_lastAblation.attention->stats(layer, head);
            text += tr("; attends %1% to the first token, %2% to the previous one")
                        .arg(int(std::lround(100 * st.bos)))
                        .arg(int(std::lround(100 * st.previous)));
        }
        m_headInfo->setText(text);
    };
    connect(m_ablation, &views::LayerGrid::cellClicked, this, pickHead);
    connect(m_dlaHeads, &views::LayerGrid::cellClicked, this, pickHead);
    connect(m_attention, &views::AttentionGrid::headSelected, this, pickHead);

    connect(m_runner, &JobRunner::jobProgress, this,
            [this](quint64 id, const QString&, double f, const QString& what) {
                if (id == m_job) setMessage(QStringLiteral("%1% %2").arg(int(100 * f)).arg(what));
            });
    connect(m_runner, &JobRunner::jobFinished, this,
            [this](quint64 id, const QString& kind, const QVariant& result) {
                if (id == m_projectJob) {
                    const auto p = result.value<ProjectSnapshot>();
                    m_projectJob = 0;
                    if (p.edge != m_graph->selectedEdge()) return;
                    m_details->setText(m_details->text() +
                                       tr("<br><b>promotes</b> %1<br><b>suppresses</b> %2")
                                           .arg(p.promoted.join(QStringLiteral(", ")).toHtmlEscaped(),
                                                p.suppressed.join(QStringLiteral(", ")).toHtmlEscaped()));
                    ++m_projections;
                    return;
                }
                if (id != m_job) return;
                if (kind == kAttributeJob) {
                    showAttribution(result.value<AttributeSnapshot>());
                } else if (kind == kPatchJob) {
                    showPatching(result.value<PatchSnapshot>());
                } else if (kind == kAblateJob) {
                    m_lastAblation = result.value<AblateSnapshot>();
                    m_attention->setData(m_lastAblation.attention);
                    showAblation();
                    ++m_ablations;
                    jobEnded(tr("Ablated %1 heads (%2) in %3 s: click one to see its attention")
                                 .arg(m_lastAblation.result.runs - 1)
                                 .arg(m_lastAblation.kind == AblationKind::Zero ? tr("zero") : tr("mean"))
                                 .arg(m_lastAblation.result.seconds, 0, 'f', 2));
                    m_tabs->setCurrentIndex(3);
                }
            });
    connect(m_runner, &JobRunner::jobFailed, this, [this](quint64 id, const QString&, const QString& message) {
        if (id == m_projectJob) {
            m_projectJob = 0;
            m_details->setText(message.toHtmlEscaped());
        }
        if (id == m_job) jobEnded(message);
    });
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString&) {
        if (id == m_job) jobEnded(tr("Stopped"));
    });
    setModel(nullptr);
}

InterpLab::~InterpLab() = default;

void InterpLab::setModel(std::shared_ptr<const ModelFile> model) {
    if (m_job) stop();
    m_job = m_projectJob = 0;
    m_model = std::move(model);
    m_tokenizer.reset();
    m_dlaHeads->setGrid({}, {}, QString());
    m_dlaLayers->setAttribution({});
    m_graph->setGraph(nullptr, {});
    m_patchResidual->setGrid({}, {}, QString());
    m_patchHeads->setGrid({}, {}, QString());
    m_ablation->setGrid({}, {}, QString());
    m_attention->setData(nullptr);
    m_lastAblation = {};
    m_lastPatch = {};
    m_patchShown->setEnabled(false);
    m_patchSummary->clear();
    if (m_model) {
        m_modelLabel->setText(QString::fromStdString(m_model->path()));
        try {
            m_tokenizer = std::make_unique<Tokenizer>(tokenizerFor(*m_model));
        } catch (const std::exception& e) {
            setMessage(QString::fromStdString(e.what()));
        }
        m_headLabels.clear();
        for (int h = 0; h < m_model->spec().heads; ++h) m_headLabels.push_back(QString::number(h));
        if (m_tokenizer)
            setMessage(tr("Name the next token to explain and the one it competes with, then "
                          "Attribute, Patch (with a corrupted prompt of the same length) or "
                          "Ablate heads"));
    } else {
        m_modelLabel->setText(tr("(none: open a model, File → Open)"));
        setMessage(tr("Open a model to ask which of its heads and neurons made a prediction"));
    }
    updateCounts();
    updateButtons();
}

QString InterpLab::message() const {
    return m_message->text();
}

void InterpLab::setMessage(const QString& text) {
    m_message->setText(text);
}

void InterpLab::updateButtons() {
    const bool ready = m_job == 0 && m_model && m_tokenizer;
    for (QPushButton* b : {m_attribute, m_patch, m_ablate}) b->setEnabled(ready);
    m_stop->setEnabled(m_job != 0);
}

void InterpLab::updateCounts() {
    if (!m_tokenizer) {
        m_counts->clear();
        return;
    }
    auto count = [this](const QLineEdit* e) {
        return int(m_tokenizer->encode(e->text().toStdString(), {.addSpecial = true}).size());
    };
    const int a = count(m_prompt), b = count(m_corrupt);
    QString text = tr("prompt %1 tokens, corrupted %2").arg(a).arg(b);
    if (a != b) text += tr(" (patching needs the same number)");
    for (const QLineEdit* e : {m_target, m_versus}) {
        if (e->text().isEmpty()) continue;
        const int n = int(m_tokenizer->encode(e->text().toStdString()).size());
        if (n != 1) text += tr("; '%1' is %2 tokens, not one").arg(e->text()).arg(n);
    }
    m_counts->setText(text);
}

InterpRequest InterpLab::request() const {
    return {m_model, m_prompt->text(), m_corrupt->text(), m_target->text(), m_versus->text()};
}

void InterpLab::submit(const QString& kind, const QString& title, JobFn fn) {
    m_job = m_runner->submit(kind, title, std::move(fn));
    setMessage(title + QStringLiteral("…"));
    updateButtons();
}

void InterpLab::attribute() {
    if (!m_model || m_job) return;
    submit(kAttributeJob, tr("Attributing the prediction"), makeAttributeJob(request()));
}

void InterpLab::patch() {
    if (!m_model || m_job) return;
    const auto method = PatchMethod(m_method->currentData().toInt());
    submit(kPatchJob, tr("Patching the corrupted prompt"), makePatchJob(request(), method));
}

void InterpLab::ablate() {
    if (!m_model || m_job) return;
    submit(kAblateJob, tr("Ablating every head"),
           makeAblateJob(request(), AblationKind(m_ablationKind->currentData().toInt())));
}

void InterpLab::stop() {
    if (!m_job) return;
    for (const QString& k : {kAttributeJob, kPatchJob, kAblateJob}) m_runner->cancelKind(k);
}

void InterpLab::jobEnded(const QString& message) {
    m_job = 0;
    setMessage(message);
    updateButtons();
}

void InterpLab::showAttribution(const AttributeSnapshot& s) {
    const LogitAttribution& a = s.attribution;
    m_dlaHeads->setGrid(a.heads, m_headLabels, tr("share of the difference"));
    m_dlaLayers->setAttribution(a);
    std::vector<QString> labels;
    for (std::size_t t = 0; t < s.tokens.labels.size(); ++t)
        labels.push_back(QStringLiteral("%1 %2").arg(t).arg(s.tokens.labels[t]));
    {
        const QSignalBlocker block(m_position);
        m_position->setRange(0, std::max(0, int(s.tokens.ids.size()) - 1));
        m_position->setValue(m_position->maximum());
    }
    m_graph->setGraph(s.graph, labels);
    m_graph->setRoutes(m_position->value(), m_threshold->value());
    m_details->setText(tr("Click an edge to see its heads and the tokens it promotes"));
    ++m_attributions;
    jobEnded(tr("logit('%1') − logit('%2') = %3 after %4 tokens; the embedding gives %5, the heads "
                "and MLPs the rest (the parts sum to %6)")
                 .arg(s.tokens.targetLabel, s.tokens.versusLabel)
                 .arg(a.logitDiff, 0, 'f', 3)
                 .arg(s.tokens.ids.size())
                 .arg(signedValue(a.embedding))
                 .arg(a.total(), 0, 'f', 3));
}

void InterpLab::showPatchMaps() {
    const PatchSnapshot& s = m_lastPatch;
    const bool estimate = s.method == PatchMethod::Gradient ||
                          (s.method == PatchMethod::Both && m_patchShown->currentIndex() == 1);
    const PatchingResult& r = estimate ? s.estimate : s.exact;
    const QString scale = estimate ? tr("fraction recovered (estimated)") : tr("fraction recovered");
    m_patchResidual->setGrid(r.residual, s.tokens.labels, scale);
    m_patchHeads->setGrid(r.heads, m_headLabels, scale);
}

void InterpLab::showPatching(const PatchSnapshot& s) {
    m_lastPatch = s;
    const PatchingResult& r = s.method == PatchMethod::Gradient ? s.estimate : s.exact;
    m_patchShown->setEnabled(s.method == PatchMethod::Both);
    {
        const QSignalBlocker block(m_patchShown);
        m_patchShown->setCurrentIndex(s.method == PatchMethod::Gradient ? 1 : 0);
    }
    showPatchMaps();
    QString summary = tr("logit('%1') − logit('%2'): clean %3, corrupted %4. ")
                          .arg(s.tokens.targetLabel, s.tokens.versusLabel)
                          .arg(r.cleanDiff, 0, 'f', 3)
                          .arg(r.corruptDiff, 0, 'f', 3);
    if (s.method != PatchMethod::Gradient)
        summary += tr("Exact: %1 runs in %2 s. ").arg(s.exact.runs).arg(s.exact.seconds, 0, 'f', 2);
    if (s.method != PatchMethod::Exact)
        summary += tr("Gradient estimate: %1 runs and one backward pass in %2 s. ")
                       .arg(s.estimate.runs)
                       .arg(s.estimate.seconds, 0, 'f', 2);
    if (s.method == PatchMethod::Both)
        summary += tr("The estimate correlates with exact patching at %1 (residual) and %2 (heads).")
                       .arg(s.residualCorrelation, 0, 'f', 3)
                       .arg(s.headCorrelation, 0, 'f', 3);
    m_patchSummary->setText(summary);
    ++m_patchings;
    m_tabs->setCurrentIndex(2);
    jobEnded(tr("Patched: 1 means the clean prediction is back, 0 that nothing changed"));
}

void InterpLab::showAblation() {
    const AblationResult& r = m_lastAblation.result;
    const bool loss = m_ablationMetric->currentIndex() == 1;
    m_ablation->setGrid(loss ? r.lossChange : r.diffChange, m_headLabels,
                        loss ? tr("change of the loss") : tr("change of the difference"));
}

void InterpLab::showEdge(int edge) {
    const auto g = m_graph->graph();
    if (!g || edge < 0 || std::size_t(edge) >= g->edges.size()) {
        m_details->setText(tr("Click an edge to see its heads and the tokens it promotes"));
        return;
    }
    if (m_graph->selectedEdge() != edge) m_graph->selectEdge(edge);
    const FlowEdge& e = g->edges[std::size_t(edge)];
    QString text;
    switch (e.kind) {
    case FlowEdge::Attention: {
        std::vector<int> order(e.heads.size());
        for (std::size_t h = 0; h < order.size(); ++h) order[h] = int(h);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return e.heads[std::size_t(a)] > e.heads[std::size_t(b)]; });
        QStringList heads;
        for (std::size_t k = 0; k < order.size() && k < 3; ++k)
            heads << tr("head %1 (%2)").arg(order[k]).arg(e.heads[std::size_t(order[k])], 0, 'f', 3);
        text = tr("<b>Attention, layer %1</b>: token %2 into token %3, importance %4; mostly %5")
                   .arg(e.layer)
                   .arg(e.from.position)
                   .arg(e.to.position)
                   .arg(e.importance, 0, 'f', 3)
                   .arg(heads.join(QStringLiteral(", ")));
        break;
    }
    case FlowEdge::Mlp:
        text = tr("<b>FFN, layer %1</b> at token %2: importance %3")
                   .arg(e.layer)
                   .arg(e.to.position)
                   .arg(e.importance, 0, 'f', 3);
        break;
    default:
        text = tr("<b>Residual</b>, layer %1 at token %2: the state carried past the block, "
                  "importance %3")
                   .arg(e.layer)
                   .arg(e.to.position)
                   .arg(e.importance, 0, 'f', 3);
        break;
    }
    m_details->setText(text);
    if (e.kind == FlowEdge::Attention || e.kind == FlowEdge::Mlp)
        m_projectJob = m_runner->submit(kProjectJob, tr("Reading the block through the unembedding"),
                                        makeProjectJob(m_model, g, edge, -1));
}

} // namespace llmlab::gui
