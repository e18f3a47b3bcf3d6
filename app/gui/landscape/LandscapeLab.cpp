#include "LandscapeLab.h"

#include "ContourChart.h"
#include "InterpolationChart.h"
#include "LandscapeCompare.h"
#include "SurfaceView.h"
#include "train/RunStore.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace llmlab::gui {

namespace {

QString formatSeconds(double s) {
    if (s < 90) return QObject::tr("%1 s").arg(s, 0, 'f', s < 10 ? 1 : 0);
    return QObject::tr("%1 min").arg(s / 60, 0, 'f', 1);
}

} // namespace

LandscapeLab::LandscapeLab(JobRunner* runner, QWidget* parent)
    : QWidget(parent), m_runner(runner),
      m_runsRoot(QString::fromStdString(RunStore::defaultRunsRoot())) {
    qRegisterMetaType<LandscapeSnapshot>();
    m_contour = new views::ContourChart;
    m_surface = new views::SurfaceView;
    m_line = new views::InterpolationChart;
    m_compare = new views::LandscapeCompare;
    for (views::ChartView* c :
         {static_cast<views::ChartView*>(m_contour), static_cast<views::ChartView*>(m_line)})
        c->setEmptyText(tr("Pick a run and press Compute"));

    m_tabs = new QTabWidget;
    m_tabs->addTab(
        withExport(m_contour, {{tr("Export…"), [this] { m_contour->showExportDialog(); }}}),
        tr("Contour"));
    m_tabs->addTab(
        withExport(m_surface, {{tr("Export…"), [this] { m_surface->showExportDialog(); }}}),
        tr("3-D surface"));
    m_tabs->addTab(withExport(m_line, {{tr("Export…"), [this] { m_line->showExportDialog(); }}}),
                   tr("Interpolation"));
    m_tabs->addTab(withExport(m_compare, {{tr("Export memorised…"),
                                           [this] { m_compare->contour(0)->showExportDialog(); }},
                                          {tr("Export grokked…"),
                                           [this] { m_compare->contour(1)->showExportDialog(); }}}),
                   tr("Memorised vs grokked"));

    auto* controls = new QScrollArea;
    controls->setWidget(makeControls());
    controls->setWidgetResizable(true);
    controls->setFrameShape(QFrame::NoFrame);
    controls->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    controls->setMaximumWidth(340);
    // Wide enough for its longest label with the vertical scroll bar beside it.
    controls->setMinimumWidth(std::min(340, controls->widget()->sizeHint().width() + 24));
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(controls);
    layout->addWidget(m_tabs, 1);

    connect(m_runner, &JobRunner::jobFinished, this, &LandscapeLab::jobFinished);
    connect(m_runner, &JobRunner::jobFailed, this, &LandscapeLab::jobFailed);
    connect(m_runner, &JobRunner::jobCancelled, this, [this](quint64 id, const QString&) {
        if (id != m_job) return;
        m_job = 0;
        setMessage(modelSource() ? tr("Stopped.")
                                 : tr("Stopped. Compute again to go on where it stopped (the "
                                      "points so far are kept in the run folder)."));
        updateEnabled();
    });
    connect(m_runner, &JobRunner::jobProgress, this,
            [this](quint64 id, const QString&, double, const QString& what) {
                if (id == m_job) setMessage(what);
            });
    refreshRuns();
}

LandscapeLab::~LandscapeLab() = default;

QWidget* LandscapeLab::withExport(QWidget* chart,
                                  const QList<QPair<QString, std::function<void()>>>& exports) {
    auto* box = new QWidget;
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(2, 2, 2, 2);
    v->addWidget(chart, 1);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    for (const auto& [text, fn] : exports) {
        auto* b = new QPushButton(text);
        connect(b, &QPushButton::clicked, this, fn);
        row->addWidget(b);
    }
    v->addLayout(row);
    return box;
}

QWidget* LandscapeLab::makeControls() {
    auto* panel = new QWidget;
    auto* v = new QVBoxLayout(panel);
    auto* form = new QFormLayout;
    m_form = form;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_source = new QComboBox;
    m_source->addItem(tr("A grokking run"));
    m_source->addItem(tr("The opened model, on a text"));
    m_source->setToolTip(tr("A toy model trained in the grokking lab (with its training path), "
                            "or the model opened with File → Open model"));
    form->addRow(tr("Landscape of"), m_source);
    m_modelName = new QLabel(tr("no model open (File → Open model…)"));
    m_modelName->setWordWrap(true);
    form->addRow(tr("Model"), m_modelName);
    m_text = new QPlainTextEdit(
        QStringLiteral("Once upon a time, there was a little girl named Lily. She loved to play "
                       "outside in the sunshine with her dog."));
    m_text->setToolTip(tr("The next-token loss is measured on this text (paste any)"));
    m_text->setMaximumHeight(90);
    form->addRow(tr("Text"), m_text);
    m_tokens = new QSpinBox;
    m_tokens->setRange(2, 4096);
    m_tokens->setValue(128);
    m_tokens->setToolTip(tr("The text is cut to this many tokens"));
    form->addRow(tr("Tokens"), m_tokens);

    m_run = new QComboBox;
    m_run->setObjectName(QStringLiteral("landscapeRun"));
    m_run->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_run->setMinimumContentsLength(12);
    auto* refresh = new QPushButton(tr("Refresh"));
    refresh->setToolTip(tr("List the runs again (a run trained since appears)"));
    connect(refresh, &QPushButton::clicked, this, &LandscapeLab::refreshRuns);
    auto* runRow = new QHBoxLayout;
    m_runRow = runRow;
    runRow->addWidget(m_run, 1);
    runRow->addWidget(refresh);
    form->addRow(tr("Run"), runRow);

    m_centre = new QComboBox;
    m_centre->setToolTip(tr("The weights θ* the landscape is centred on: any snapshot of the run"));
    form->addRow(tr("Centre"), m_centre);

    m_directions = new QComboBox;
    m_directions->addItem(tr("Random, filter-normalised"), int(DirectionKind::Random));
    m_directions->addItem(tr("PCA of the training path"), int(DirectionKind::Pca));
    m_directions->addItem(tr("Line between two snapshots"), int(DirectionKind::Line));
    form->addRow(tr("Directions"), m_directions);
    m_from = new QComboBox;
    m_to = new QComboBox;
    form->addRow(tr("Line from"), m_from);
    form->addRow(tr("Line to"), m_to);

    m_grid = new QSpinBox;
    m_grid->setRange(5, 201);
    m_grid->setValue(41);
    m_grid->setToolTip(tr("Points a side (a line: points along it)"));
    form->addRow(tr("Grid"), m_grid);
    m_range = new QDoubleSpinBox;
    m_range->setRange(0, 1000);
    m_range->setDecimals(2);
    m_range->setSingleStep(0.25);
    m_range->setValue(1.0);
    m_range->setSpecialValueText(tr("fit the path"));
    m_range->setToolTip(tr("Half-width of the grid in direction units; 0 fits a PCA grid to the "
                           "training path"));
    form->addRow(tr("Range ±"), m_range);
    m_split = new QComboBox;
    m_split->addItem(tr("validation"), int(LandscapeSplit::Validation));
    m_split->addItem(tr("training"), int(LandscapeSplit::Train));
    m_split->addItem(tr("both"), int(LandscapeSplit::Both));
    form->addRow(tr("Data"), m_split);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 1000000);
    m_seed->setValue(1);
    form->addRow(tr("Seed"), m_seed);
    m_filterNorm = new QCheckBox(tr("Filter normalisation"));
    m_filterNorm->setChecked(true);
    m_filterNorm->setToolTip(tr("Each row of a direction scaled to the norm of the same row of "
                                "the weights (Li et al. 2018)"));
    form->addRow(QString(), m_filterNorm);
    m_keep1D = new QCheckBox(tr("Move biases and norm gains too"));
    form->addRow(QString(), m_keep1D);
    m_tensors = new QLineEdit;
    m_tensors->setPlaceholderText(tr("all tensors (e.g. attn_ or ffn_)"));
    m_tensors->setToolTip(tr("A regular expression: only the tensors whose names match move"));
    form->addRow(tr("Tensors"), m_tensors);
    m_log = new QCheckBox(tr("Log scale"));
    m_log->setChecked(true);
    connect(m_log, &QCheckBox::toggled, this, &LandscapeLab::redraw);
    form->addRow(tr("Colours"), m_log);
    v->addLayout(form);

    m_cost = new QLabel;
    m_cost->setWordWrap(true);
    v->addWidget(m_cost);
    m_compute = new QPushButton(tr("Compute"));
    m_compute->setDefault(true);
    connect(m_compute, &QPushButton::clicked, this, &LandscapeLab::compute);
    m_compareButton = new QPushButton(tr("Memorised vs grokked"));
    m_compareButton->setToolTip(tr("The landscapes at the first memorised and the first grokked "
                                   "snapshot, same directions, one colour scale"));
    connect(m_compareButton, &QPushButton::clicked, this, &LandscapeLab::compareMemorisedGrokked);
    m_open = new QPushButton(tr("Open CSV…"));
    m_open->setToolTip(tr("A landscape computed by llmlab-cli, or merged from slices"));
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a landscape"), m_runsRoot,
                                                          tr("Landscape CSV (*.csv)"));
        if (!path.isEmpty()) openCsv(path);
    });
    m_cancel = new QPushButton(tr("Stop"));
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_runner->cancelKind(kKind); });
    for (QPushButton* b : {m_compute, m_compareButton, m_open, m_cancel}) v->addWidget(b);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(m_message);
    v->addStretch(1);

    // Combo boxes shrink with the panel instead of widening it to their longest item.
    for (QComboBox* c : {m_run, m_centre, m_directions, m_from, m_to, m_split}) {
        c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        c->setMinimumContentsLength(10);
    }
    connect(m_run, &QComboBox::currentIndexChanged, this, &LandscapeLab::refreshCentres);
    connect(m_source, &QComboBox::currentIndexChanged, this, [this] {
        if (modelSource()) {
            m_directions->setCurrentIndex(0); // random directions over chosen tensors
            m_grid->setValue(21);
            if (m_tensors->text().trimmed().isEmpty())
                m_tensors->setText(QStringLiteral("blk\\.0\\.ffn_"));
        }
        updateEnabled();
        updateCost();
    });
    connect(m_tensors, &QLineEdit::textChanged, this, &LandscapeLab::updateEnabled);
    for (QComboBox* c : {m_directions, m_split, m_centre, m_from, m_to})
        connect(c, &QComboBox::currentIndexChanged, this, [this] {
            updateEnabled();
            updateCost();
        });
    connect(m_grid, &QSpinBox::valueChanged, this, &LandscapeLab::updateCost);
    connect(m_directions, &QComboBox::currentIndexChanged, this, [this] {
        // PCA fits its grid to the path by default; the others take ±1.
        const auto kind = DirectionKind(m_directions->currentData().toInt());
        m_range->setValue(kind == DirectionKind::Pca ? 0.0 : 1.0);
        m_grid->setValue(kind == DirectionKind::Line ? 61 : 41);
        // A line is read as train and validation loss side by side (init → final).
        if (kind == DirectionKind::Line)
            m_split->setCurrentIndex(m_split->findData(int(LandscapeSplit::Both)));
    });
    return panel;
}

void LandscapeLab::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_run->count() == 0) refreshRuns();
}

void LandscapeLab::refreshRuns() {
    const QString keep = m_run->currentData().toString();
    QSignalBlocker block(m_run);
    m_run->clear();
    for (const RunInfo& r : RunStore::listRuns(m_runsRoot.toStdString())) {
        QString label = QString::fromStdString(r.config.name) + QStringLiteral(" — ") +
                        QFileInfo(QString::fromStdString(r.dir)).fileName();
        if (r.metrics.grokkedStep >= 0) label += tr(" (grokked at %1)").arg(r.metrics.grokkedStep);
        m_run->addItem(label, QString::fromStdString(r.dir));
    }
    const int i = m_run->findData(keep);
    m_run->setCurrentIndex(i >= 0 ? i : m_run->count() - 1);
    block.unblock();
    refreshCentres();
}

bool LandscapeLab::selectRun(const QString& dir) {
    if (!QFileInfo::exists(dir + QStringLiteral("/config.json"))) return false;
    int i = m_run->findData(dir);
    if (i < 0) {
        refreshRuns();
        i = m_run->findData(dir);
    }
    if (i < 0) {
        m_run->addItem(QFileInfo(dir).fileName(), dir);
        i = m_run->count() - 1;
    }
    m_run->setCurrentIndex(i);
    refreshCentres();
    return true;
}

void LandscapeLab::refreshCentres() {
    const QString dir = m_run->currentData().toString();
    for (QComboBox* c : {m_centre, m_from, m_to}) {
        QSignalBlocker block(c);
        c->clear();
    }
    if (!dir.isEmpty()) {
        const RunStore store(dir.toStdString());
        MetricsLog log;
        try {
            log = store.loadMetrics();
        } catch (const std::exception&) {
        }
        std::vector<std::int64_t> steps = store.snapshotSteps();
        if (steps.empty() && store.hasCheckpoint()) {
            try {
                steps = {store.loadCheckpoint().step};
            } catch (const std::exception&) {
            }
        }
        QSignalBlocker b1(m_centre), b2(m_from), b3(m_to);
        for (std::int64_t s : steps) {
            QString label = tr("step %1").arg(s);
            if (s == 0) label += tr(" (init)");
            if (s == log.memorisedStep) label += tr(" (memorised)");
            if (s == log.grokkedStep) label += tr(" (grokked)");
            for (QComboBox* c : {m_centre, m_from, m_to}) c->addItem(label, qint64(s));
        }
        m_centre->setCurrentIndex(m_centre->count() - 1);
        m_from->setCurrentIndex(0);
        m_to->setCurrentIndex(m_to->count() - 1);
    }
    updateEnabled();
    updateCost();
}

LandscapeSpec LandscapeLab::specFromControls() const {
    LandscapeSpec s;
    s.directions = DirectionKind(m_directions->currentData().toInt());
    s.centreStep = m_centre->count() ? m_centre->currentData().toLongLong() : -1;
    s.lineFrom = m_from->count() ? m_from->currentData().toLongLong() : -1;
    s.lineTo = m_to->count() ? m_to->currentData().toLongLong() : -1;
    s.grid = m_grid->value();
    s.range = m_range->value();
    s.split = LandscapeSplit(m_split->currentData().toInt());
    s.random.seed = std::uint64_t(m_seed->value());
    s.random.filterNormalize = m_filterNorm->isChecked();
    s.random.keep1D = m_keep1D->isChecked();
    s.random.tensorPattern = m_tensors->text().trimmed().toStdString();
    return s;
}

bool LandscapeLab::modelSource() const {
    return m_source->currentIndex() == 1;
}

void LandscapeLab::setModel(std::shared_ptr<const ModelFile> model) {
    m_model = std::move(model);
    m_modelName->setText(m_model ? QFileInfo(QString::fromStdString(m_model->path())).fileName()
                                 : tr("no model open (File → Open model…)"));
    m_modelName->setToolTip(m_model ? QString::fromStdString(m_model->path()) : QString());
    updateEnabled();
}

void LandscapeLab::updateEnabled() {
    const bool model = modelSource();
    // A model file has no run, no snapshots and no trajectory: random directions over the
    // tensors chosen, on a text.
    for (QWidget* w : {static_cast<QWidget*>(m_modelName), static_cast<QWidget*>(m_text),
                       static_cast<QWidget*>(m_tokens)})
        m_form->setRowVisible(w, model);
    for (QWidget* w : {static_cast<QWidget*>(m_centre), static_cast<QWidget*>(m_directions),
                       static_cast<QWidget*>(m_from), static_cast<QWidget*>(m_to),
                       static_cast<QWidget*>(m_split)})
        m_form->setRowVisible(w, !model);
    m_form->setRowVisible(m_runRow, !model);
    const auto kind =
        model ? DirectionKind::Random : DirectionKind(m_directions->currentData().toInt());
    const bool line = kind == DirectionKind::Line, busy = m_job != 0;
    const bool haveRun =
        model ? m_model && !m_tensors->text().trimmed().isEmpty() : m_run->count() > 0;
    m_from->setEnabled(line);
    m_to->setEnabled(line);
    m_centre->setEnabled(!line);
    for (QWidget* w : {static_cast<QWidget*>(m_seed), static_cast<QWidget*>(m_filterNorm),
                       static_cast<QWidget*>(m_keep1D), static_cast<QWidget*>(m_tensors)})
        w->setEnabled(kind == DirectionKind::Random);
    m_compute->setEnabled(haveRun && !busy);
    m_compareButton->setEnabled(haveRun && !busy && !line && !model);
    m_open->setEnabled(!busy);
    m_cancel->setEnabled(busy);
}

void LandscapeLab::updateCost() {
    const LandscapeSpec s = specFromControls();
    const std::int64_t passes =
        modelSource() ? std::int64_t(s.grid) * s.grid + 1 : landscapePasses(s, true);
    QString text = tr("%1 forward passes").arg(passes);
    if (m_secondsPerPass > 0)
        text += tr(", about %1 at the last run's %2 ms a pass")
                    .arg(formatSeconds(double(passes) * m_secondsPerPass))
                    .arg(m_secondsPerPass * 1e3, 0, 'f', 1);
    text += modelSource() ? tr(" (one pass is timed first and the estimate shown)")
                          : tr(" (cached in the run folder: a second look is instant)");
    m_cost->setText(text);
}

QString LandscapeLab::costText() const {
    return m_cost->text();
}

QString LandscapeLab::message() const {
    return m_message->text();
}

void LandscapeLab::setMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b00020") : QString());
}

void LandscapeLab::submit(const LandscapeRequest& request, const QString& title) {
    m_job = m_runner->submit(kKind, title, makeLandscapeJob(request));
    setMessage(tr("Starting…"));
    updateEnabled();
}

bool LandscapeLab::haveRun() {
    if (m_run->count() > 0) return true;
    setMessage(tr("No run yet: train one in the grokking lab first."), true);
    return false;
}

void LandscapeLab::compute() {
    if (modelSource()) {
        if (!m_model) {
            setMessage(tr("No model open: File → Open model… first."), true);
            return;
        }
        ModelLandscapeSpec spec;
        const LandscapeSpec s = specFromControls();
        spec.random = s.random;
        spec.grid = s.grid;
        spec.range = s.range > 0 ? s.range : 1.0;
        spec.maxTokens = m_tokens->value();
        m_job = m_runner->submit(
            kKind,
            tr("Landscape of %1")
                .arg(QFileInfo(QString::fromStdString(m_model->path())).fileName()),
            makeModelLandscapeJob(m_model, m_text->toPlainText(), spec));
        setMessage(tr("Timing one forward pass…"));
        updateEnabled();
        return;
    }
    if (!haveRun()) return;
    LandscapeRequest r;
    r.runDir = m_run->currentData().toString();
    r.spec = specFromControls();
    submit(r, tr("Landscape of %1").arg(QFileInfo(r.runDir).fileName()));
}

void LandscapeLab::compareMemorisedGrokked() {
    if (!haveRun()) return;
    LandscapeRequest r;
    r.runDir = m_run->currentData().toString();
    r.spec = specFromControls();
    if (r.spec.directions == DirectionKind::Line) r.spec.directions = DirectionKind::Pca;
    r.compare = true;
    submit(r, tr("Memorised vs grokked landscapes of %1").arg(QFileInfo(r.runDir).fileName()));
}

void LandscapeLab::openCsv(const QString& path) {
    m_job = m_runner->submit(kKind, tr("Opening %1").arg(QFileInfo(path).fileName()),
                             makeOpenLandscapeJob(path));
    updateEnabled();
}

void LandscapeLab::jobFinished(quint64 id, const QString&, const QVariant& result) {
    if (id != m_job) return;
    m_job = 0;
    updateEnabled();
    const auto snap = result.value<LandscapeSnapshot>();
    if (snap.passes > 0 && snap.seconds > 0) m_secondsPerPass = snap.seconds / double(snap.passes);
    display(snap);
    QString text =
        snap.passes > 0
            ? tr("%1 forward passes in %2.").arg(snap.passes).arg(formatSeconds(snap.seconds))
            : tr("Read from the cache.");
    if (!snap.main.csvPath.empty())
        text += QStringLiteral(" ") + tr("Grid: %1").arg(QString::fromStdString(snap.main.csvPath));
    setMessage(text);
    updateCost();
}

void LandscapeLab::jobFailed(quint64 id, const QString&, const QString& message) {
    if (id != m_job) return;
    m_job = 0;
    updateEnabled();
    setMessage(message, true);
}

void LandscapeLab::display(const LandscapeSnapshot& snap) {
    m_current = snap;
    redraw();
    if (snap.compare)
        m_tabs->setCurrentIndex(3);
    else if (snap.main.gridSpec.rows == 1)
        m_tabs->setCurrentIndex(2);
    else if (m_tabs->currentIndex() >= 2)
        m_tabs->setCurrentIndex(0);
    emit landscapeShown();
}

void LandscapeLab::redraw() {
    const bool log = m_log->isChecked();
    if (m_current.compare) {
        m_compare->setLandscapes(
            m_current.main, tr("Memorised (step %1)").arg(m_current.main.centreStep),
            m_current.other, tr("Grokked (step %1)").arg(m_current.other.centreStep), log);
        return;
    }
    if (m_current.main.grid.splits.empty()) return;
    const RunLandscape& L = m_current.main;
    if (L.gridSpec.rows > 1) {
        views::ContourOptions c;
        c.logScale = log;
        m_contour->setLandscape(L, c);
        views::SurfaceOptions s;
        s.logScale = log;
        m_surface->setLandscape(L, s);
    } else {
        m_line->setLandscape(L, log);
        // The map and the surface would still show (and export) the previous plane.
        const QString why = tr("A line landscape: see the interpolation tab");
        m_contour->clearLandscape(why);
        m_surface->clearLandscape(why);
    }
}

} // namespace llmlab::gui
