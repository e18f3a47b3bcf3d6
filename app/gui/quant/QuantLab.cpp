#include "QuantLab.h"

#include "formats/ModelFile.h"
#include "model/Generator.h"
#include "quant/ModelQuantizer.h"
#include "quant/QuantViews.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
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

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent) {
    auto* t = new QTableView(parent);
    t->setModel(model);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->hide();
    t->setWordWrap(false);
    return t;
}

} // namespace

QuantLab::QuantLab(JobRunner* runner, QWidget* parent) : QWidget(parent), m_runner(runner) {
    m_outDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
               QStringLiteral("/quant");
    m_reference = new QLabel(this);
    m_reference->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_files = new QListWidget(this);
    m_files->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_files->setMaximumHeight(64);
    m_files->setMinimumHeight(40);
    m_files->setToolTip(tr("The files compared with the reference: made here, or any GGUF of "
                           "the same model"));
    m_add = new QPushButton(tr("Add files…"), this);
    m_remove = new QPushButton(tr("Remove"), this);
    m_schemes = new QLineEdit(QStringLiteral("Q8_0 Q6_K Q4_K_M Q4_0 Q3_K_M Q2_K"), this);
    m_schemes->setToolTip(tr("Types to make, separated by spaces: %1")
                              .arg(QString::fromStdString([] {
                                  std::string s;
                                  for (const std::string& n : quantSchemeNames()) s += n + " ";
                                  return s;
                              }())));
    m_pure = new QCheckBox(tr("pure (every matrix the one type)"), this);
    m_pure->setToolTip(tr("Off: llama.cpp's mixture rules (the output matrix at Q6_K, attn_v and "
                          "ffn_down with more bits in the layers that matter most)"));
    m_importance = new QCheckBox(tr("importance matrix from the text"), this);
    m_importance->setToolTip(tr("Weights each column's rounding error by its mean squared "
                                "activation, measured by running the model on the text below"));
    m_make = new QPushButton(tr("Make ladder"), this);
    m_text = new QLineEdit(defaultText(), this);
    m_chooseText = new QPushButton(tr("Text…"), this);
    m_tokens = new QSpinBox(this);
    m_tokens->setRange(8, 8192);
    m_tokens->setValue(256);
    m_tokens->setToolTip(tr("Tokens of the text scored (KL, top-1, perplexity)"));
    m_decode = new QSpinBox(this);
    m_decode->setRange(0, 512);
    m_decode->setValue(32);
    m_decode->setToolTip(tr("Greedy decode steps timed per file (0: speed not measured)"));
    m_compare = new QPushButton(tr("Compare"), this);
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setEnabled(false);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Reference"), m_reference);
    auto* filesRow = new QHBoxLayout;
    filesRow->addWidget(m_files, 1);
    auto* fileButtons = new QVBoxLayout;
    fileButtons->addWidget(m_add);
    fileButtons->addWidget(m_remove);
    fileButtons->addStretch(1);
    filesRow->addLayout(fileButtons);
    form->addRow(tr("Ladder"), filesRow);
    auto* makeRow = new QHBoxLayout;
    makeRow->addWidget(m_schemes, 1);
    makeRow->addWidget(m_pure);
    makeRow->addWidget(m_importance);
    makeRow->addWidget(m_make);
    form->addRow(tr("Make"), makeRow);
    auto* textRow = new QHBoxLayout;
    textRow->addWidget(m_text, 1);
    textRow->addWidget(m_chooseText);
    textRow->addWidget(new QLabel(tr("tokens"), this));
    textRow->addWidget(m_tokens);
    textRow->addWidget(new QLabel(tr("decode"), this));
    textRow->addWidget(m_decode);
    textRow->addWidget(m_compare);
    textRow->addWidget(m_stop);
    form->addRow(tr("Text"), textRow);

    m_ladderModel = new views::QuantLadderModel(this);
    m_table = makeTable(m_ladderModel, this);
    m_table->setMinimumHeight(60); // a laptop's 720 px: the table scrolls, the charts keep 150
    m_exportTable = new QPushButton(tr("Export table…"), this);
    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_table, 1);
    auto* tableButtons = new QHBoxLayout;
    tableButtons->addStretch(1);
    tableButtons->addWidget(m_exportTable);
    tableLayout->addLayout(tableButtons);

    m_tabs = new QTabWidget(this);
    m_kl = new views::KlPositionChart(this);
    m_lens = new views::LensDriftChart(this);
    m_next = new views::QuantNextTokenChart(this);
    for (views::ChartView* c : std::initializer_list<views::ChartView*>{m_kl, m_lens, m_next})
        c->setMinimumHeight(150);
    m_map = new views::TensorErrorMap(this);
    m_map->setMinimumHeight(150);
    m_tensorModel = new views::TensorErrorModel(this);
    m_tensorTable = makeTable(m_tensorModel, this);
    m_tensorTable->setMinimumHeight(60);
    m_tensorTable->setSortingEnabled(false);
    m_fileBox = new QComboBox(this);
    m_exportTensors = new QPushButton(tr("Export tensors…"), this);
    auto* errorPage = new QWidget(this);
    auto* errorLayout = new QVBoxLayout(errorPage);
    auto* errorTop = new QHBoxLayout;
    errorTop->addWidget(new QLabel(tr("File"), this));
    errorTop->addWidget(m_fileBox, 1);
    errorTop->addWidget(m_exportTensors);
    errorLayout->addLayout(errorTop);
    auto* errorSplit = new QSplitter(Qt::Horizontal, errorPage);
    errorSplit->addWidget(m_map);
    errorSplit->addWidget(m_tensorTable);
    errorSplit->setChildrenCollapsible(false);
    errorLayout->addWidget(errorSplit, 1);
    m_tabs->addTab(m_kl, tr("KL by position"));
    m_tabs->addTab(m_lens, tr("Logit lens drift"));
    m_tabs->addTab(m_next, tr("Next token"));
    m_tabs->addTab(errorPage, tr("Tensor error"));
    auto* exportChart = new QPushButton(tr("Export chart…"), this);
    m_tabs->setCornerWidget(exportChart);
    connect(exportChart, &QPushButton::clicked, this, [this] {
        if (auto* chart = qobject_cast<views::ChartView*>(m_tabs->currentWidget()))
            chart->showExportDialog();
        else
            m_map->showExportDialog();
    });

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(tableBox);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    split->setSizes({190, 380}); // the table shows a ladder of five without scrolling
    split->setChildrenCollapsible(false);

    // In a scroll area: on a laptop's 720 px the pane scrolls instead of squeezing its charts
    // below their 150 px or pushing the window past the screen.
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

    connect(m_add, &QPushButton::clicked, this, [this] {
        addLadderFiles(QFileDialog::getOpenFileNames(this, tr("Add quantized files"), m_outDir,
                                                     tr("GGUF models (*.gguf);;All files (*)")));
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        qDeleteAll(m_files->selectedItems());
        updateButtons();
    });
    connect(m_chooseText, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Text to score"),
                                                       QFileInfo(m_text->text()).absolutePath());
        if (!p.isEmpty()) m_text->setText(p);
    });
    connect(m_make, &QPushButton::clicked, this, &QuantLab::makeLadder);
    connect(m_compare, &QPushButton::clicked, this, &QuantLab::compare);
    connect(m_stop, &QPushButton::clicked, this, &QuantLab::stop);
    connect(m_fileBox, &QComboBox::currentIndexChanged, this, &QuantLab::showFile);
    connect(m_exportTable, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Export the ladder"),
                                                       QStringLiteral("quant-ladder.csv"), tr("CSV (*.csv)"));
        QString error;
        if (!p.isEmpty() && !exportTable(p, false, &error)) QMessageBox::warning(this, tr("Export"), error);
    });
    connect(m_exportTensors, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Export the tensors"),
                                                       QStringLiteral("quant-tensors.csv"), tr("CSV (*.csv)"));
        QString error;
        if (!p.isEmpty() && !exportTable(p, true, &error)) QMessageBox::warning(this, tr("Export"), error);
    });
    connect(m_runner, &JobRunner::jobProgress, this,
            [this](quint64 id, const QString&, double f, const QString& what) {
                if (id == m_job) setMessage(QStringLiteral("%1% %2").arg(int(100 * f)).arg(what));
            });
    connect(m_runner, &JobRunner::jobFinished, this,
            [this](quint64 id, const QString& kind, const QVariant& result) {
                if (id != m_job) return;
                if (kind == kLadderJob) {
                    const auto snap = result.value<LadderSnapshot>();
                    addLadderFiles(snap.paths);
                    ++m_laddersMade;
                    jobEnded(tr("Made %1 files in %2: %3")
                                 .arg(snap.paths.size())
                                 .arg(QDir::toNativeSeparators(m_outDir))
                                 .arg(snap.summary.trimmed().replace(QLatin1Char('\n'), QLatin1String("; "))));
                } else {
                    const auto r = result.value<QuantCompareResult>();
                    showResult(r);
                    ++m_finished;
                    jobEnded(tr("Compared %1 files on %2 tokens").arg(r.models.size()).arg(r.tokens.size()));
                }
            });
    connect(m_runner, &JobRunner::jobFailed, this,
            [this](quint64 id, const QString&, const QString& message) {
                if (id == m_job) jobEnded(message);
            });
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString& kind) {
        if (id == m_job)
            jobEnded(kind == kLadderJob ? tr("Stopped: the files finished before are kept")
                                        : tr("Stopped"));
    });
    setModel(nullptr);
}

QuantLab::~QuantLab() = default;

void QuantLab::setModel(std::shared_ptr<const ModelFile> model) {
    if (m_job) stop();
    m_job = 0;
    m_model = std::move(model);
    m_files->clear();
    m_tokenLabels.clear();
    showResult({});
    if (m_model) {
        m_reference->setText(QString::fromStdString(m_model->path()));
        try {
            const Tokenizer t = tokenizerFor(*m_model);
            for (std::int32_t id = 0; id < t.vocabSize(); ++id) {
                QString s = QString::fromStdString(t.tokenBytes(id));
                s.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
                m_tokenLabels.push_back(QStringLiteral("'%1'").arg(s));
            }
        } catch (const std::exception&) {
            // Token ids then label the next-token chart.
        }
        setMessage(tr("Make a ladder of quantized files from this model, or add files made "
                      "elsewhere, then Compare them on the text"));
    } else {
        m_reference->setText(tr("(none: open a model, File → Open)"));
        setMessage(tr("Open a model: it becomes the reference the quantized files are compared "
                      "with"));
    }
    updateButtons();
}

QStringList QuantLab::ladderFiles() const {
    QStringList out;
    for (int i = 0; i < m_files->count(); ++i) out << m_files->item(i)->text();
    return out;
}

void QuantLab::addLadderFiles(const QStringList& paths) {
    const QStringList have = ladderFiles();
    for (const QString& p : paths)
        if (!p.isEmpty() && !have.contains(p)) m_files->addItem(p);
    updateButtons();
}

void QuantLab::setOutputFolder(const QString& dir) {
    m_outDir = dir;
}

QString QuantLab::message() const {
    return m_message->text();
}

void QuantLab::setMessage(const QString& text) {
    m_message->setText(text);
}

void QuantLab::updateButtons() {
    const bool idle = m_job == 0;
    m_make->setEnabled(idle && m_model);
    m_compare->setEnabled(idle && m_model && m_files->count() > 0);
    m_stop->setEnabled(!idle);
}

void QuantLab::makeLadder() {
    if (!m_model) return;
    LadderRequest r;
    r.outDir = m_outDir.toStdString();
    r.pure = m_pure->isChecked();
    for (const QString& s : m_schemes->text().split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        try {
            r.schemes.push_back(quantScheme(s.toStdString()).name);
        } catch (const std::exception& e) {
            setMessage(QString::fromStdString(e.what()));
            return;
        }
    }
    if (r.schemes.empty()) {
        setMessage(tr("Name at least one type to make (Q8_0 Q4_K_M …)"));
        return;
    }
    if (m_importance->isChecked()) {
        if (!QFileInfo::exists(m_text->text())) {
            setMessage(tr("%1: no such text for the importance matrix").arg(m_text->text()));
            return;
        }
        r.importanceText = m_text->text().toStdString();
    }
    m_job = m_runner->submit(kLadderJob, tr("Quantizing"), makeLadderJob(m_model, r));
    setMessage(tr("Quantizing into %1…").arg(QDir::toNativeSeparators(m_outDir)));
    updateButtons();
}

void QuantLab::compare() {
    if (!m_model || m_files->count() == 0) return;
    if (!QFileInfo::exists(m_text->text())) {
        setMessage(tr("%1: no such text to score").arg(m_text->text()));
        return;
    }
    QuantCompareOptions o;
    o.maxTokens = m_tokens->value();
    o.decodeTokens = m_decode->value();
    std::vector<std::string> files;
    for (const QString& p : ladderFiles()) files.push_back(p.toStdString());
    m_job = m_runner->submit(kCompareJob, tr("Comparing quantizations"),
                             makeQuantCompareJob(m_model->path(), files, m_text->text().toStdString(), o));
    setMessage(tr("Comparing %1 files…").arg(files.size() + 1));
    updateButtons();
}

void QuantLab::stop() {
    if (!m_job) return;
    m_runner->cancelKind(kLadderJob);
    m_runner->cancelKind(kCompareJob);
}

void QuantLab::jobEnded(const QString& message) {
    m_job = 0;
    setMessage(message);
    updateButtons();
}

void QuantLab::showResult(const QuantCompareResult& r) {
    m_ladderModel->setResult(r);
    m_kl->setResult(r);
    m_lens->setResult(r);
    m_next->setResult(r, m_tokenLabels);
    const QSignalBlocker block(m_fileBox);
    m_fileBox->clear();
    for (std::size_t m = 1; m < r.models.size(); ++m)
        m_fileBox->addItem(QStringLiteral("%1 — %2")
                               .arg(QString::fromStdString(r.models[m].label),
                                    QFileInfo(QString::fromStdString(r.models[m].path)).fileName()));
    // The most quantized file first: where the errors are worth seeing.
    showFile(m_fileBox->count() - 1);
    m_fileBox->setCurrentIndex(m_fileBox->count() - 1);
}

void QuantLab::showFile(int index) {
    const QuantCompareResult& r = m_ladderModel->result();
    const std::size_t m = std::size_t(index + 1);
    if (index < 0 || m >= r.models.size()) {
        m_map->setModel(nullptr, 0);
        m_tensorModel->setTensors({});
        return;
    }
    m_map->setModel(&r.models[m], r.layers);
    m_tensorModel->setTensors(r.models[m].tensors);
}

bool QuantLab::exportTable(const QString& path, bool tensors, QString* error) const {
    const QString csv = tensors ? m_tensorModel->toCsv() : m_ladderModel->toCsv();
    if ((tensors ? m_tensorModel->rowCount() : m_ladderModel->rowCount()) == 0) {
        if (error) *error = tr("Nothing to export yet: compare a ladder first");
        return false;
    }
    QFile f(path);
    const QByteArray bytes = csv.toUtf8();
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size()) {
        if (error) *error = tr("%1: cannot be written").arg(path);
        return false;
    }
    return true;
}

} // namespace llmlab::gui
