// The grokking lab's run list: every run folder under the runs root (RunStore::listRuns), with
// its task, weight decay, steps and grokking step, and a checkbox to overlay its curves.
#pragma once

#include "train/RunStore.h"

#include <QTreeWidget>

#include <map>

namespace llmlab::gui {

class GrokkingLabRuns : public QTreeWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, TaskColumn, WdColumn, StepsColumn, GrokkedColumn };

    explicit GrokkingLabRuns(QWidget* parent = nullptr);

    /// Lists every run under `root` (checks are kept for runs still there).
    void reload(const QString& root);
    /// Re-reads one run folder from disk (a run that started, stopped or finished); adds it
    /// when new.
    void updateRun(const QString& dir);
    /// Marks the run being trained (it is drawn as the current run, not as an overlay).
    void setActiveRun(const QString& dir);

    /// Shows the active run's progress in its row while it trains (the log on disk is read
    /// again only when the run ends).
    void setActiveProgress(std::int64_t step, std::int64_t grokkedStep);

    int runCount() const { return topLevelItemCount(); }
    const RunInfo* run(const QString& dir) const;
    QStringList runDirs() const;
    QStringList checkedRunDirs() const;
    void setRunChecked(const QString& dir, bool checked);
    QString selectedRunDir() const;
    void selectRun(const QString& dir);
    /// A run that stopped before its max steps and can go on from its checkpoint.
    bool isResumable(const QString& dir) const;

    /// The legend name of a run: its weight decay, the knob runs are usually compared by.
    static QString legendLabel(const TrainConfig& config);

signals:
    void checkedRunsChanged();

private:
    QTreeWidgetItem* itemFor(const QString& dir) const;
    void fillItem(QTreeWidgetItem* item, const RunInfo& info);

    std::map<QString, RunInfo> m_runs;
    QString m_activeDir;
};

} // namespace llmlab::gui
