#include "GrokkingLabRuns.h"

#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QSignalBlocker>

namespace llmlab::gui {

namespace {
constexpr int kDirRole = Qt::UserRole + 1;
} // namespace

GrokkingLabRuns::GrokkingLabRuns(QWidget* parent) : QTreeWidget(parent) {
    setObjectName(QStringLiteral("grokkingRuns"));
    setHeaderLabels({tr("Run"), tr("Task"), tr("wd"), tr("Steps"), tr("Grokked")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    for (int c = TaskColumn; c <= GrokkedColumn; ++c)
        header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(false);
    connect(this, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem*, int column) {
        if (column == NameColumn) emit checkedRunsChanged();
    });
}

QString GrokkingLabRuns::legendLabel(const TrainConfig& config) {
    return QStringLiteral("wd %1").arg(config.optim.weightDecay, 0, 'g', 3);
}

void GrokkingLabRuns::reload(const QString& root) {
    const QStringList checked = checkedRunDirs();
    const QString selected = selectedRunDir();
    {
        QSignalBlocker block(this); // one checkedRunsChanged at the end, not one per row
        clear();
        m_runs.clear();
        for (RunInfo& info : RunStore::listRuns(root.toStdString())) {
            const QString dir = QString::fromStdString(info.dir);
            auto* item = new QTreeWidgetItem(this);
            item->setData(NameColumn, kDirRole, dir);
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(NameColumn, checked.contains(dir) ? Qt::Checked : Qt::Unchecked);
            fillItem(item, info);
            m_runs[dir] = std::move(info);
        }
    }
    if (!selected.isEmpty()) selectRun(selected);
    emit checkedRunsChanged();
}

void GrokkingLabRuns::updateRun(const QString& dir) {
    RunInfo info;
    try {
        RunStore store(dir.toStdString());
        info.dir = store.dir();
        info.config = store.loadConfig();
        info.metrics = store.loadMetrics();
        info.lastStep = info.metrics.rows.empty() ? 0 : info.metrics.rows.back().step;
        if (store.hasCheckpoint()) info.checkpointStep = store.loadCheckpoint().step;
    } catch (const std::exception&) {
        return; // not (yet) a run folder
    }
    QTreeWidgetItem* item = itemFor(dir);
    const QSignalBlocker block(this);
    if (!item) {
        item = new QTreeWidgetItem(this);
        item->setData(NameColumn, kDirRole, dir);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(NameColumn, Qt::Unchecked);
    }
    fillItem(item, info);
    m_runs[dir] = std::move(info);
}

void GrokkingLabRuns::fillItem(QTreeWidgetItem* item, const RunInfo& info) {
    const QString dir = QString::fromStdString(info.dir);
    const bool active = dir == m_activeDir;
    item->setText(NameColumn, QFileInfo(dir).fileName() + (active ? tr(" (training)") : ""));
    item->setToolTip(NameColumn, dir);
    const TaskSpec& t = info.config.task;
    item->setText(
        TaskColumn,
        t.kind == TaskKind::S5Compose
            ? QStringLiteral("s5")
            : QStringLiteral("%1 p%2").arg(QString::fromStdString(taskKey(t.kind))).arg(t.modulus));
    item->setText(WdColumn, QString::number(info.config.optim.weightDecay, 'g', 3));
    item->setText(StepsColumn,
                  QStringLiteral("%1/%2").arg(info.lastStep).arg(info.config.maxSteps));
    item->setText(GrokkedColumn, info.metrics.grokkedStep >= 0
                                     ? QString::number(info.metrics.grokkedStep)
                                     : QStringLiteral("–"));
}

void GrokkingLabRuns::setActiveRun(const QString& dir) {
    const QString previous = m_activeDir;
    m_activeDir = dir;
    const QSignalBlocker block(this);
    for (const QString& d : {previous, dir}) {
        auto it = m_runs.find(d);
        if (QTreeWidgetItem* item = itemFor(d); item && it != m_runs.end())
            fillItem(item, it->second);
    }
}

void GrokkingLabRuns::setActiveProgress(std::int64_t step, std::int64_t grokkedStep) {
    QTreeWidgetItem* item = itemFor(m_activeDir);
    const RunInfo* info = run(m_activeDir);
    if (!item || !info) return;
    const QSignalBlocker block(this);
    item->setText(StepsColumn, QStringLiteral("%1/%2").arg(step).arg(info->config.maxSteps));
    if (grokkedStep >= 0) item->setText(GrokkedColumn, QString::number(grokkedStep));
}

QTreeWidgetItem* GrokkingLabRuns::itemFor(const QString& dir) const {
    for (int i = 0; i < topLevelItemCount(); ++i) {
        if (topLevelItem(i)->data(NameColumn, kDirRole).toString() == dir) return topLevelItem(i);
    }
    return nullptr;
}

const RunInfo* GrokkingLabRuns::run(const QString& dir) const {
    const auto it = m_runs.find(dir);
    return it == m_runs.end() ? nullptr : &it->second;
}

QStringList GrokkingLabRuns::runDirs() const {
    QStringList dirs;
    for (int i = 0; i < topLevelItemCount(); ++i)
        dirs << topLevelItem(i)->data(NameColumn, kDirRole).toString();
    return dirs;
}

QStringList GrokkingLabRuns::checkedRunDirs() const {
    QStringList dirs;
    for (int i = 0; i < topLevelItemCount(); ++i) {
        if (topLevelItem(i)->checkState(NameColumn) == Qt::Checked)
            dirs << topLevelItem(i)->data(NameColumn, kDirRole).toString();
    }
    return dirs;
}

void GrokkingLabRuns::setRunChecked(const QString& dir, bool checked) {
    if (QTreeWidgetItem* item = itemFor(dir))
        item->setCheckState(NameColumn, checked ? Qt::Checked : Qt::Unchecked);
}

QString GrokkingLabRuns::selectedRunDir() const {
    const QList<QTreeWidgetItem*> items = selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(NameColumn, kDirRole).toString();
}

void GrokkingLabRuns::selectRun(const QString& dir) {
    if (QTreeWidgetItem* item = itemFor(dir)) setCurrentItem(item);
}

bool GrokkingLabRuns::isResumable(const QString& dir) const {
    const RunInfo* info = run(dir);
    return info && dir != m_activeDir && info->lastStep < info->config.maxSteps;
}

} // namespace llmlab::gui
