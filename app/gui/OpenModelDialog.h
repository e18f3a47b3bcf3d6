// File → Open model…: the models already on this machine (Ollama's store, the Hugging Face
// cache), found on the worker, beside "Choose file…" and "Choose folder…".
#pragma once

#include <QDialog>

class QLabel;
class QTreeWidget;

namespace llmlab::gui {

class JobRunner;

class OpenModelDialog : public QDialog {
    Q_OBJECT
public:
    /// Starts listing the machine's models on `runner`'s worker right away.
    OpenModelDialog(JobRunner* runner, QWidget* parent = nullptr);

    QTreeWidget* modelList() const { return m_list; }
    /// True once the discovery job has answered.
    bool listed() const { return m_listed; }
    /// The path of the listed model named `name` ("qwen2.5:0.5b"), or empty.
    QString pathOf(const QString& name) const;

public slots:
    void refresh();

signals:
    /// The person picked a model (from the list, a file or a folder).
    void modelChosen(const QString& path);

private:
    void choose(const QString& path);
    void chooseFile();
    void chooseFolder();
    void openSelected();

    JobRunner* m_runner = nullptr;
    QTreeWidget* m_list = nullptr;
    QLabel* m_status = nullptr;
    quint64 m_job = 0;
    bool m_listed = false;
};

} // namespace llmlab::gui
