#include "CostView.h"

#include "ModelSnapshot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTextStream>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <stdexcept>

namespace llmlab::views {

namespace {

// Decimal units, as the course's table and model cards write memory (1 GB = 10^9 bytes).
QString bytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(b, 0, 'f', 0)
                  : QStringLiteral("%1 %2").arg(b, 0, 'g', 3).arg(QLatin1String(units[u]));
}

QString flops(double f) {
    if (f >= 1e12) return QStringLiteral("%1 TFLOP").arg(f / 1e12, 0, 'g', 3);
    if (f >= 1e9) return QStringLiteral("%1 GFLOP").arg(f / 1e9, 0, 'g', 3);
    if (f >= 1e6) return QStringLiteral("%1 MFLOP").arg(f / 1e6, 0, 'g', 3);
    return QStringLiteral("%1 FLOP").arg(f, 0, 'g', 3);
}

} // namespace

CostView::CostView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("costView"));
    m_title = new QLabel(tr("Open a model to see what it costs."), this);
    m_title->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->hide();

    m_context = new QSpinBox(this);
    m_context->setRange(1, 1 << 20);
    m_context->setValue(4096);
    m_context->setSuffix(tr(" tokens"));
    m_batch = new QSpinBox(this);
    m_batch->setRange(1, 4096);
    m_kvType = new QComboBox(this);
    for (DType t : {DType::F16, DType::F32, DType::BF16, DType::Q8_0, DType::Q4_0})
        m_kvType->addItem(QString::fromLatin1(dtypeName(t).data(), int(dtypeName(t).size())),
                          int(t));
    m_trainSeq = new QSpinBox(this);
    m_trainSeq->setRange(1, 1 << 20);
    m_trainSeq->setValue(512);
    m_trainSeq->setSuffix(tr(" tokens"));
    m_checkpointing = new QCheckBox(tr("checkpointing"), this);
    m_checkpointing->setToolTip(tr("Gradient checkpointing: keep only each block's input and "
                                   "recompute the rest in the backward pass"));
    m_checkpointing->setChecked(true);
    m_rank = new QSpinBox(this);
    m_rank->setRange(0, 4096);
    m_rank->setValue(16);
    m_targets = new QLineEdit(QString::fromStdString(CostOptions{}.loraTargets), this);
    m_targets->setToolTip(tr("The matrices LoRA adapts: a regular expression searched in the "
                             "canonical tensor names (blk.N.attn_q.weight, ...)"));

    auto* form = new QFormLayout;
    form->setRowWrapPolicy(QFormLayout::WrapLongRows); // a narrow dock puts fields under labels
    form->addRow(tr("Context"), m_context);
    form->addRow(tr("Batch"), m_batch);
    form->addRow(tr("KV cache type"), m_kvType);
    form->addRow(tr("Training sequence"), m_trainSeq);
    form->addRow(QString(), m_checkpointing);
    form->addRow(tr("LoRA rank"), m_rank);
    form->addRow(tr("LoRA targets"), m_targets);

    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("costTree"));
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({tr("what"), tr("memory / FLOPs"), tr("how")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_tree->setMinimumHeight(160);

    auto* exportButton = new QPushButton(tr("Export CSV…"), this);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the costs"),
                                                          QStringLiteral("cost.csv"),
                                                          tr("CSV (*.csv)"));
        if (path.isEmpty()) return;
        QString error;
        if (!exportCsv(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
    });
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(exportButton);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_tree, 1);
    layout->addLayout(buttons);

    for (QSpinBox* box : {m_context, m_batch, m_trainSeq, m_rank})
        connect(box, &QSpinBox::valueChanged, this, &CostView::recompute);
    connect(m_kvType, &QComboBox::currentIndexChanged, this, &CostView::recompute);
    connect(m_checkpointing, &QCheckBox::toggled, this, &CostView::recompute);
    connect(m_targets, &QLineEdit::editingFinished, this, &CostView::recompute);
}

void CostView::setModel(const ModelSnapshot& model) {
    if (!model.valid()) {
        clear();
        return;
    }
    m_shape = costShapeOf(model.spec, model.tensors, model.displayName.toStdString());
    m_haveShape = m_shape.layers > 0;
    if (model.spec.context > 0) m_context->setValue(model.spec.context);
    recompute();
}

void CostView::setTypicalShape(const QString& name) {
    CostShape s;
    if (!typicalShape(name.toStdString(), &s)) return;
    m_shape = std::move(s);
    m_haveShape = true;
    recompute();
}

void CostView::clear() {
    m_haveShape = false;
    m_report = {};
    m_tree->clear();
    m_error->hide();
    m_title->setText(tr("Open a model to see what it costs."));
}

CostOptions CostView::options() const {
    CostOptions o;
    o.context = m_context->value();
    o.batch = m_batch->value();
    o.kvType = DType(m_kvType->currentData().toInt());
    o.trainSeq = m_trainSeq->value();
    o.checkpointing = m_checkpointing->isChecked();
    o.loraRank = m_rank->value();
    o.loraTargets = m_targets->text().toStdString();
    return o;
}

void CostView::recompute() {
    if (!m_haveShape) return;
    const CostOptions o = options();
    try {
        m_report = computeCost(m_shape, o);
        m_error->hide();
    } catch (const std::invalid_argument& e) {
        // A pattern being typed, a model with no layers: say so, keep the last figures.
        m_error->setText(QString::fromStdString(e.what()));
        m_error->show();
        return;
    }
    const CostReport& r = m_report;
    m_title->setText(tr("<b>%1</b>: %2 parameters (%3 outside the embeddings), %4 as stored")
                         .arg(QString::fromStdString(m_shape.name).toHtmlEscaped(),
                              humanCount(r.params), humanCount(r.params - r.embeddingParams),
                              bytes(r.storedBytes)));
    m_tree->clear();
    auto section = [&](const QString& name) {
        auto* item = new QTreeWidgetItem(m_tree, {name});
        QFont f = item->font(0);
        f.setBold(true);
        item->setFont(0, f);
        item->setExpanded(true);
        return item;
    };
    // The exact figure (bytes, parameters, FLOPs) rides along for the CSV.
    auto row = [](QTreeWidgetItem* parent, const QString& what, const QString& value,
                  const QString& how, double exact) {
        auto* item = new QTreeWidgetItem(parent, {what, value, how});
        item->setToolTip(2, how);
        item->setData(1, Qt::UserRole, exact);
        return item;
    };
    QTreeWidgetItem* weights = section(tr("Weights at each storage type"));
    for (const WeightsAt& w : r.weights)
        row(weights,
            QStringLiteral("%1 (%2 bits)")
                .arg(QString::fromLatin1(dtypeName(w.type).data(), int(dtypeName(w.type).size())))
                .arg(bitsPerWeight(w.type), 0, 'g', 4),
            bytes(w.bytes),
            w.keptTensors ? tr("%1 tensors kept wider (vectors in F32, rows not whole blocks "
                               "in F16)")
                                .arg(w.keptTensors)
                          : QString(),
            w.bytes);
    QTreeWidgetItem* kv = section(tr("KV cache (%1, batch %2)")
                                      .arg(m_kvType->currentText())
                                      .arg(o.batch));
    for (const auto& [c, b] : r.kvByContext)
        row(kv, tr("%1 tokens").arg(c), bytes(b),
            tr("2 x %1 layers x %2 KV heads x %3 dims").arg(m_shape.layers).arg(m_shape.kvHeads)
                .arg(m_shape.headDim),
            b);
    QTreeWidgetItem* infer = section(tr("Inference at %1 tokens").arg(o.context));
    row(infer, tr("weights as stored + KV cache"), bytes(r.inferenceBytes), QString(),
        r.inferenceBytes);
    QTreeWidgetItem* train =
        section(tr("Training step (sequence %1, %2)")
                    .arg(o.trainSeq)
                    .arg(o.checkpointing ? tr("checkpointing") : tr("no checkpointing")));
    row(train, tr("activations"), bytes(r.activationBytes),
        tr("Korthikanti et al. 2022: s b d (34 + 5 a s / d) bytes a block, logits in F32"),
        r.activationBytes);
    row(train, tr("LoRA parameters"), humanCount(r.loraParams),
        tr("rank %1 on %2 matrices").arg(o.loraRank).arg(r.loraMatrices), double(r.loraParams));
    for (const TrainingMemory& t : r.training)
        row(train, QString::fromStdString(t.method), bytes(t.total()),
            tr("weights %1, gradients %2, Adam %3, master %4, adapters %5, activations %6")
                .arg(bytes(t.weights), bytes(t.gradients), bytes(t.optimizer), bytes(t.master),
                     bytes(t.adapters), bytes(t.activations)),
            t.total());
    QTreeWidgetItem* f = section(tr("FLOPs a token"));
    row(f, tr("forward at %1 tokens").arg(o.context), flops(r.flopsPerToken),
        tr("2N = %1 plus attention 2 L ctx d_attn = %2")
            .arg(flops(2.0 * double(r.activeMatmulParams)), flops(r.attentionFlopsPerToken)),
        r.flopsPerToken);
    row(f, tr("training"), flops(r.trainingFlopsPerToken), tr("6N"), r.trainingFlopsPerToken);
}

QString CostView::text() const {
    QString out = m_title->text() + QLatin1Char('\n');
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* s = m_tree->topLevelItem(i);
        out += s->text(0) + QLatin1Char('\n');
        for (int j = 0; j < s->childCount(); ++j)
            out += QStringLiteral("  %1: %2  %3\n")
                       .arg(s->child(j)->text(0), s->child(j)->text(1), s->child(j)->text(2));
    }
    return out;
}

bool CostView::exportCsv(const QString& path, QString* error) const {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        if (error) *error = tr("%1: cannot be written (%2)").arg(path, file.errorString());
        return false;
    }
    QTextStream out(&file);
    out << "section,what,value,exact,how\n";
    auto quote = [](QString s) { return QLatin1Char('"') + s.replace('"', "\"\"") + QLatin1Char('"'); };
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* s = m_tree->topLevelItem(i);
        for (int j = 0; j < s->childCount(); ++j)
            out << quote(s->text(0)) << ',' << quote(s->child(j)->text(0)) << ','
                << quote(s->child(j)->text(1)) << ','
                << QString::number(s->child(j)->data(1, Qt::UserRole).toDouble(), 'g', 17) << ','
                << quote(s->child(j)->text(2)) << '\n';
    }
    return true;
}

} // namespace llmlab::views
