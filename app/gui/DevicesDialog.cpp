#include "DevicesDialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace llmlab::gui {

namespace {
QString bytesText(std::uint64_t bytes) {
    if (bytes == 0) return QStringLiteral("—");
    return QStringLiteral("%1 GiB").arg(double(bytes) / double(1ull << 30), 0, 'f', 1);
}
} // namespace

DevicesDialog::DevicesDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Devices"));
    resize(820, 420);
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(6);
    m_tree->setHeaderLabels(
        {tr("Device"), tr("Backend"), tr("Type"), tr("Memory"), tr("Driver"), tr("API")});
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_note = new QLabel(tr("Looking for devices…"), this);
    m_note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_note);
    layout->addWidget(buttons);
}

void DevicesDialog::setDevices(const DevicesSnapshot& snapshot) {
    m_tree->clear();
    for (const DeviceInfo& d : snapshot.devices) {
        auto* item = new QTreeWidgetItem(m_tree);
        item->setText(0, QString::fromStdString(d.name));
        item->setText(1, QString::fromStdString(d.backend));
        item->setText(2, QString::fromStdString(d.type));
        item->setText(3, bytesText(d.memoryBytes));
        item->setText(4, QString::fromStdString(d.driver));
        item->setText(5, QString::fromStdString(d.apiVersion));
        for (const auto& [name, value] : d.limits) {
            auto* limit = new QTreeWidgetItem(item);
            // Limits are name/value pairs that do not fit the device columns: span the row.
            limit->setText(0, QString::fromStdString(name + ": " + value));
            limit->setFirstColumnSpanned(true);
        }
        item->setExpanded(true);
    }
    m_note->setText(
        snapshot.hasVulkan()
            ? tr("%n device(s).", nullptr, int(snapshot.devices.size()))
            : tr("No Vulkan device: %1. The CPU backend serves.").arg(snapshot.vulkanProblem));
}

} // namespace llmlab::gui
