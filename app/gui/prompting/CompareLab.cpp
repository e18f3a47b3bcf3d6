#include "CompareLab.h"

#include "prompting/CompareViews.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace llmlab::gui {

CompareLab::CompareLab(JobRunner* runner, QWidget* parent)
    : QWidget(parent), m_runner(runner), m_inbox(std::make_shared<CompareInbox>()) {
    m_tasks = new QComboBox(this);
    for (const std::string& name : builtinTaskNames())
        m_tasks->addItem(QString::fromStdString(name), QString::fromStdString("builtin:" + name));
    m_tasks->setToolTip(tr("The questions: the course's examples, the two synthetic tasks the "
                           "lab's own models learn (llmlab-cli train-lm), or a JSONL file"));
    m_openTasks = new QPushButton(tr("Open JSONL…"), this);
    m_strategies = new QLineEdit(QStringLiteral("zero,few:3,cot,sc:5"), this);
    m_strategies->setToolTip(tr("Comma-separated: zero, few:K (K demonstrations), cot[:K] "
                                "(reasoning cue, K worked demonstrations), sc:N[:K] (N "
                                "reasoning samples, majority vote), custom[:K] (the template)"));
    m_template = new QLineEdit(this);
    m_template->setPlaceholderText(tr("custom template: {instruction} {examples} {input} {question}"));
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setRange(0.0, 2.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setValue(0.7);
    m_temperature->setToolTip(tr("Temperature of the self-consistency samples (the other "
                                 "strategies decode greedily)"));
    m_seed = new QSpinBox(this);
    m_seed->setRange(0, 1000000);
    m_seed->setValue(1);
    m_questions = new QSpinBox(this);
    m_questions->setRange(0, 100000);
    m_questions->setValue(20);
    m_questions->setSpecialValueText(tr("all"));
    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setRange(0, 4096);
    m_maxTokens->setSpecialValueText(tr("auto"));
    m_maxTokens->setToolTip(tr("Longest reply; auto: 24 tokens for a direct answer, 128 for "
                               "reasoning"));
    m_run = new QPushButton(tr("Compare"), this);
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setEnabled(false);
    m_export = new QPushButton(tr("Export grid…"), this);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);

    auto* form = new QFormLayout;
    auto* taskRow = new QHBoxLayout;
    taskRow->addWidget(m_tasks, 1);
    taskRow->addWidget(m_openTasks);
    form->addRow(tr("Task set"), taskRow);
    form->addRow(tr("Strategies"), m_strategies);
    form->addRow(tr("Template"), m_template);
    auto* numbers = new QHBoxLayout;
    for (auto [label, w] : {std::pair<QString, QWidget*>{tr("T"), m_temperature},
                            {tr("seed"), m_seed},
                            {tr("questions"), m_questions},
                            {tr("max tokens"), m_maxTokens}}) {
        numbers->addWidget(new QLabel(label, this));
        numbers->addWidget(w);
    }
    numbers->addStretch(1);
    numbers->addWidget(m_run);
    numbers->addWidget(m_stop);
    numbers->addWidget(m_export);
    form->addRow(tr("Sampling"), numbers);

    m_gridModel = new views::CompareGridModel(this);
    m_grid = new QTableView(this);
    m_grid->setModel(m_gridModel);
    m_grid->setSelectionMode(QAbstractItemView::SingleSelection);
    m_grid->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_grid->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_grid->horizontalHeader()->setStretchLastSection(true);
    m_grid->setWordWrap(false);

    m_tabs = new QTabWidget(this);
    m_detail = new views::CellDetailView(this);
    m_accuracy = new views::AccuracyChart(this);
    m_tokens = new views::TokensPerCorrectChart(this);
    m_votes = new views::VoteHistogramChart(this);
    m_byN = new views::AccuracyByNChart(this);
    m_tabs->addTab(m_accuracy, tr("Accuracy"));
    m_tabs->addTab(m_detail, tr("Cell"));
    m_tabs->addTab(m_votes, tr("Votes"));
    m_tabs->addTab(m_byN, tr("Accuracy by n"));
    m_tabs->addTab(m_tokens, tr("Tokens per right answer"));
    auto* exportChart = new QPushButton(tr("Export chart…"), this);
    m_tabs->setCornerWidget(exportChart);
    connect(exportChart, &QPushButton::clicked, this, [this] {
        if (auto* chart = qobject_cast<views::ChartView*>(m_tabs->currentWidget()))
            chart->showExportDialog();
        else
            setMessage(tr("The cell view is text: export the grid as CSV or JSON instead"));
    });

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_grid);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({650, 350}); // the grid first: at 1280 px four strategies fit
    split->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    connect(m_run, &QPushButton::clicked, this, &CompareLab::runComparison);
    connect(m_stop, &QPushButton::clicked, this, &CompareLab::stop);
    connect(m_openTasks, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a task set"), QString(),
                                                          tr("Task sets (*.jsonl *.json)"));
        QString error;
        if (!path.isEmpty() && !addTaskFile(path, &error)) setMessage(error);
    });
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the grid"), QStringLiteral("comparison.csv"),
            tr("CSV (*.csv);;JSON with tokens and log-probabilities (*.json)"));
        QString error;
        if (!path.isEmpty() && !exportGrid(path, &error))
            QMessageBox::warning(this, tr("Export"), error);
    });
    connect(m_grid, &QTableView::clicked, this,
            [this](const QModelIndex& i) { showCell(i.row(), i.column()); });
    connect(m_runner, &JobRunner::jobProgress, this,
            [this](quint64 id, const QString&, double, const QString& what) {
                if (id != m_job) return;
                jobProgress(id);
                setMessage(what);
            });
    connect(m_runner, &JobRunner::jobFinished, this,
            [this](quint64 id, const QString&, const QVariant& result) {
                if (id != m_job) return;
                drainInbox();
                const auto snap = result.value<CompareSnapshot>();
                ++m_finished;
                const auto summary = m_gridModel->result().summarize(m_gridModel->taskSet());
                QString line;
                for (const StrategySummary& s : summary)
                    line += tr("%1 %2/%3  ").arg(QString::fromStdString(s.label)).arg(s.correct).arg(s.total);
                jobEnded(id, tr("Done in %1 s: %2").arg(snap.seconds, 0, 'f', 1).arg(line.trimmed()));
            });
    connect(m_runner, &JobRunner::jobFailed, this,
            [this](quint64 id, const QString&, const QString& message) {
                if (id == m_job) jobEnded(id, message);
            });
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString&) {
        if (id == m_job) {
            drainInbox();
            jobEnded(id, tr("Stopped: the cells that finished are kept"));
        }
    });
    setModel(nullptr);
}

CompareLab::~CompareLab() = default;

void CompareLab::setModel(std::shared_ptr<const ModelFile> model) {
    // The last model's cells go: a running job is cancelled and its late reports ignored.
    if (m_job) {
        stop();
        m_job = 0;
        m_stop->setEnabled(false);
    }
    m_inbox->take();
    m_gridModel->start(TaskSet{}, {}, {});
    m_detail->clear();
    m_votes->setCell(nullptr, TaskSet{}, QString());
    refreshCharts();
    m_model = std::move(model);
    m_tokenizer.reset();
    if (m_model) {
        try {
            m_tokenizer = std::make_shared<Tokenizer>(tokenizerFor(*m_model));
        } catch (const std::exception& e) {
            setMessage(QString::fromStdString(e.what()));
        }
    }
    m_run->setEnabled(m_model && m_tokenizer);
    if (!m_model)
        setMessage(tr("Open a model to compare strategies on it (File → Open). The lab trains "
                      "its own that respond to prompting: llmlab-cli train-lm --task rule "
                      "(few-shot) or --task add (chain of thought)"));
    else if (m_tokenizer)
        setMessage(tr("%1: pick a task set and strategies, then Compare")
                       .arg(QFileInfo(QString::fromStdString(m_model->path())).fileName()));
}

QString CompareLab::message() const {
    return m_message->text();
}

void CompareLab::setMessage(const QString& text) {
    m_message->setText(text);
}

bool CompareLab::addTaskFile(const QString& path, QString* error) {
    try {
        TaskSet set = loadTaskSet(path.toStdString());
        m_fileSets.push_back(set);
        m_tasks->addItem(QStringLiteral("%1 (%2)").arg(QString::fromStdString(set.name),
                                                      QFileInfo(path).fileName()),
                         QStringLiteral("file:%1").arg(int(m_fileSets.size()) - 1));
        m_tasks->setCurrentIndex(m_tasks->count() - 1);
        setMessage(tr("%1: %2 questions").arg(QFileInfo(path).fileName()).arg(set.items.size()));
        return true;
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
}

std::optional<TaskSet> CompareLab::selectedTaskSet(QString* error) const {
    const QString key = m_tasks->currentData().toString();
    try {
        if (key.startsWith(QLatin1String("file:"))) return m_fileSets.at(key.mid(5).toInt());
        return loadTaskSet(key.toStdString());
    } catch (const std::exception& e) {
        *error = QString::fromStdString(e.what());
        return std::nullopt;
    }
}

void CompareLab::runComparison() {
    if (!m_model || !m_tokenizer) return;
    QString error;
    const std::optional<TaskSet> set = selectedTaskSet(&error);
    if (!set) {
        setMessage(error);
        return;
    }
    CompareOptions o;
    try {
        o.strategies = parseStrategies(m_strategies->text().toStdString(),
                                       m_template->text().replace(QLatin1String("\\n"), "\n").toStdString());
    } catch (const std::exception& e) {
        setMessage(QString::fromStdString(e.what()));
        return;
    }
    o.temperature = m_temperature->value();
    o.seed = std::uint64_t(m_seed->value());
    o.maxQuestions = m_questions->value();
    o.maxTokens = m_maxTokens->value();
    m_options = o;
    std::vector<std::size_t> items;
    const std::size_t n = o.maxQuestions > 0
                              ? std::min(set->items.size(), std::size_t(o.maxQuestions))
                              : set->items.size();
    for (std::size_t i = 0; i < n; ++i) items.push_back(i);
    m_gridModel->start(*set, o.strategies, items);
    m_grid->resizeColumnToContents(0);
    m_inbox->take();
    m_detail->clear();
    refreshCharts();
    m_job = m_runner->submit(kJobKind, tr("Comparing prompting strategies"),
                             makeCompareJob(m_model, *set, o, m_inbox));
    m_run->setEnabled(false);
    m_stop->setEnabled(true);
    setMessage(tr("Running %1 cells…").arg(n * o.strategies.size()));
}

void CompareLab::stop() {
    if (m_job) m_runner->cancelKind(kJobKind);
}

void CompareLab::jobProgress(quint64) {
    drainInbox();
}

void CompareLab::drainInbox() {
    const std::vector<CompareCell> cells = m_inbox->take();
    if (cells.empty()) return;
    for (const CompareCell& c : cells) m_gridModel->setCell(c);
    refreshCharts();
    const QModelIndex current = m_grid->currentIndex();
    if (current.isValid()) showCell(current.row(), current.column());
}

void CompareLab::jobEnded(quint64, const QString& message) {
    m_job = 0;
    m_run->setEnabled(m_model && m_tokenizer);
    m_stop->setEnabled(false);
    refreshCharts();
    setMessage(message);
}

void CompareLab::refreshCharts() {
    const auto summary = m_gridModel->result().summarize(m_gridModel->taskSet());
    const bool any = m_gridModel->finishedCells() > 0;
    m_accuracy->setSummary(any ? summary : std::vector<StrategySummary>{});
    m_tokens->setSummary(any ? summary : std::vector<StrategySummary>{});
    m_byN->setSummary(any ? summary : std::vector<StrategySummary>{});
}

void CompareLab::showCell(int row, int column) {
    const views::CompareGridModel& g = *m_gridModel;
    const CompareCell* cell = column > 0 ? g.cell(row, column - 1) : nullptr;
    if (!cell) {
        // The question column: the first strategy's cell that has run.
        for (int s = 0; s < int(g.strategies().size()) && !cell; ++s) {
            cell = g.cell(row, s);
            if (cell) column = s + 1;
        }
        if (!cell) return;
    }
    const Strategy& s = g.strategies()[std::size_t(column - 1)];
    if (m_tokenizer) m_detail->showCell(*cell, g.taskSet(), s, *m_tokenizer);
    m_votes->setCell(cell->samples.size() > 1 ? cell : nullptr, g.taskSet(),
                     QString::fromStdString(s.label()));
}

bool CompareLab::exportGrid(const QString& path, QString* error) const {
    const CompareResult r = m_gridModel->result();
    if (r.cells.empty()) {
        if (error) *error = tr("Nothing to export yet: run a comparison first");
        return false;
    }
    const std::string text = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)
                                 ? compareJson(r, m_gridModel->taskSet(), m_options)
                                 : compareCsv(r, m_gridModel->taskSet());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        f.write(text.data(), qint64(text.size())) != qint64(text.size())) {
        if (error) *error = tr("%1: cannot be written").arg(path);
        return false;
    }
    return true;
}

} // namespace llmlab::gui
