// The "Export…" dialog: a file name whose extension picks the format, and a DPI for PNG.
#pragma once

#include "ChartExporter.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace llmlab::views {

/// Asks where to export a chart. The format follows the file's extension; the format combo
/// rewrites the extension, so the two never disagree. The DPI spin is enabled for PNG only.
class ExportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportDialog(QWidget* parent = nullptr);

    /// Sets the file name offered first: `name` plus the current format's extension, in the
    /// last folder used (the user's documents folder the first time).
    void setBaseName(const QString& name);
    void setPath(const QString& path);
    QString path() const;
    ExportFormat format() const;
    void setDpi(int dpi);
    int dpi() const;
    /// The chart's size on screen: the first choice ("as on screen") and the default.
    void setScreenSize(QSize size);
    /// Width × height the chart is laid out at (1/96 in units), whatever the window's size.
    QSize exportSize() const;
    /// Picks a size preset by index of exportSizePresets() (-1: as on screen).
    void choosePreset(int index);
    QComboBox* sizeBox() const { return m_sizes; }

    /// The folder the last accepted export went to (shared by every chart in the session).
    static QString lastFolder();

public slots:
    void accept() override;

private:
    void browse();
    void formatChosen(int index);
    void pathEdited();
    void updatePixels();

    QLineEdit* m_path = nullptr;
    QComboBox* m_format = nullptr;
    QSpinBox* m_dpi = nullptr;
    QComboBox* m_sizes = nullptr;
    QSpinBox* m_width = nullptr;
    QSpinBox* m_height = nullptr;
    QSize m_screen{800, 500};
    QLabel* m_pixels = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace llmlab::views
