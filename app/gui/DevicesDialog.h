// Tools > Devices: every device the engine can run on, with its key limits.
#pragma once

#include "Jobs.h"

#include <QDialog>

class QLabel;
class QTreeWidget;

namespace llmlab::gui {

/// A tree: one top-level row per device (name, backend, type, memory, driver, API version),
/// its limits as child rows. Fed a DevicesSnapshot listed on the worker thread.
class DevicesDialog : public QDialog {
    Q_OBJECT
public:
    explicit DevicesDialog(QWidget* parent = nullptr);

    void setDevices(const DevicesSnapshot& snapshot);
    QTreeWidget* tree() const { return m_tree; }

private:
    QTreeWidget* m_tree = nullptr;
    QLabel* m_note = nullptr;
};

} // namespace llmlab::gui
