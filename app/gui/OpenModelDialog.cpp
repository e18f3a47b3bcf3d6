#include "OpenModelDialog.h"

#include "RecentModels.h"

#include "JobRunner.h"
#include "ModelBrowserJobs.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace llmlab::gui {

namespace {
const QString kDiscoveryKind = QStringLiteral("model.discovery");
constexpr int kPathRole = Qt::UserRole + 1;
} // namespace

OpenModelDialog::OpenModelDialog(JobRunner* runner, QWidget* parent)
    : QDialog(parent), m_runner(runner), m_list(new QTreeWidget(this)), m_status(new QLabel(this)) {
    qRegisterMetaType<DiscoverySnapshot>();
    setWindowTitle(tr("Open model"));
    resize(760, 420);
    m_list->setObjectName(QStringLiteral("discoveredModels"));
    m_list->setHeaderLabels({tr("name"), tr("source"), tr("size"), tr("details")});
    m_list->setRootIsDecorated(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, &OpenModelDialog::openSelected);
    m_status->setWordWrap(true);

    auto* fileButton = new QPushButton(tr("Choose &file…"), this);
    fileButton->setToolTip(tr("A GGUF file, a .safetensors file or a llama2.c checkpoint (.bin)"));
    auto* folderButton = new QPushButton(tr("Choose f&older…"), this);
    folderButton->setToolTip(tr("A Hugging Face model folder (config.json + safetensors)"));
    auto* refreshButton = new QPushButton(tr("&Refresh"), this);
    connect(fileButton, &QPushButton::clicked, this, &OpenModelDialog::chooseFile);
    connect(folderButton, &QPushButton::clicked, this, &OpenModelDialog::chooseFolder);
    connect(refreshButton, &QPushButton::clicked, this, &OpenModelDialog::refresh);
    auto* side = new QVBoxLayout;
    side->addWidget(fileButton);
    side->addWidget(folderButton);
    side->addStretch(1);
    side->addWidget(refreshButton);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &OpenModelDialog::openSelected);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // "Open" needs a listed model; the file and folder buttons open directly.
    QPushButton* openButton = buttons->button(QDialogButtonBox::Open);
    openButton->setEnabled(false);
    connect(m_list, &QTreeWidget::currentItemChanged, openButton,
            [openButton](QTreeWidgetItem* item) { openButton->setEnabled(item != nullptr); });

    auto* top = new QHBoxLayout;
    auto* listSide = new QVBoxLayout;
    listSide->addWidget(
        new QLabel(tr("Models on this machine (Ollama, Hugging Face cache):"), this));
    listSide->addWidget(m_list, 1);
    listSide->addWidget(m_status);
    top->addLayout(listSide, 1);
    top->addLayout(side);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(buttons);

    connect(m_runner, &JobRunner::jobFinished, this,
            [this](quint64 id, const QString&, const QVariant& result) {
                if (id != m_job || !result.canConvert<DiscoverySnapshot>()) return;
                const DiscoveryResult r = result.value<DiscoverySnapshot>().result;
                m_list->clear();
                for (const DiscoveredModel& m : r.models) {
                    auto* item = new QTreeWidgetItem(
                        m_list, {QString::fromStdString(m.name), QString::fromStdString(m.source),
                                 views::humanBytes(m.bytes), QString::fromStdString(m.detail)});
                    item->setData(0, kPathRole, QString::fromStdString(m.path));
                    item->setToolTip(0, QString::fromStdString(m.path));
                }
                QString text = r.models.empty()
                                   ? tr("No models found in Ollama's store or the Hugging Face "
                                        "cache; choose a file or folder instead.")
                                   : tr("%n model(s) found.", nullptr, int(r.models.size()));
                for (const std::string& w : r.warnings)
                    text += QLatin1Char('\n') + QString::fromStdString(w);
                m_status->setText(text);
                if (m_list->topLevelItemCount() > 0)
                    m_list->setCurrentItem(m_list->topLevelItem(0));
                m_listed = true;
            });
    connect(m_runner, &JobRunner::jobFailed, this,
            [this](quint64 id, const QString&, const QString& message) {
                if (id != m_job) return;
                m_status->setText(message);
                m_listed = true;
            });
    refresh();
}

void OpenModelDialog::refresh() {
    m_listed = false;
    m_status->setText(tr("Looking for models…"));
    m_job = m_runner->submit(kDiscoveryKind, tr("Looking for models"), makeDiscoveryJob());
}

QString OpenModelDialog::pathOf(const QString& name) const {
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        if (m_list->topLevelItem(i)->text(0) == name)
            return m_list->topLevelItem(i)->data(0, kPathRole).toString();
    }
    return {};
}

void OpenModelDialog::choose(const QString& path) {
    if (path.isEmpty()) return;
    emit modelChosen(path);
    accept();
}

void OpenModelDialog::openSelected() {
    if (QTreeWidgetItem* item = m_list->currentItem()) choose(item->data(0, kPathRole).toString());
}

void OpenModelDialog::chooseFile() {
    choose(QFileDialog::getOpenFileName(
        this, tr("Open a model file"), lastModelFolder(),
        tr("Models (*.gguf *.safetensors *.bin);;GGUF (*.gguf);;safetensors (*.safetensors);;"
           "llama2.c checkpoints (*.bin);;All files (*)")));
}

void OpenModelDialog::chooseFolder() {
    choose(QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"),
                                             lastModelFolder()));
}

} // namespace llmlab::gui
