#include "ExportDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>

namespace llmlab::views {

namespace {
// Remembered for the session so a series of exports for one report lands in one folder.
QString g_lastFolder;

const ExportFormat kFormats[] = {ExportFormat::Png, ExportFormat::Svg, ExportFormat::Pdf,
                                 ExportFormat::Csv};
} // namespace

ExportDialog::ExportDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Export chart"));
    m_path = new QLineEdit(this);
    m_path->setMinimumWidth(360);
    auto* browseButton = new QPushButton(tr("Browse…"), this);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);

    m_format = new QComboBox(this);
    m_format->addItem(tr("PNG image"));
    m_format->addItem(tr("SVG vector image"));
    m_format->addItem(tr("PDF document"));
    m_format->addItem(tr("CSV data"));

    m_dpi = new QSpinBox(this);
    m_dpi->setRange(24, 2400);
    m_dpi->setSingleStep(24);
    m_dpi->setValue(150);
    m_dpi->setSuffix(tr(" dpi"));
    m_pixels = new QLabel(this);

    // The size is the chart's own, not the window's: a slide or a paper column comes out the
    // same whatever the screen.
    m_sizes = new QComboBox(this);
    m_sizes->addItem(tr("As on screen"));
    for (const ExportSizePreset& p : exportSizePresets()) m_sizes->addItem(p.name);
    m_sizes->addItem(tr("Custom"));
    m_width = new QSpinBox(this);
    m_height = new QSpinBox(this);
    for (QSpinBox* b : {m_width, m_height}) {
        b->setRange(50, 10000);
        b->setSuffix(tr(" px"));
    }
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addStretch(1);

    auto* form = new QFormLayout;
    form->addRow(tr("File:"), pathRow);
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("Size:"), m_sizes);
    form->addRow(QString(), sizeRow);
    form->addRow(tr("Resolution:"), m_dpi);
    form->addRow(QString(), m_pixels);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_buttons);

    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_format, &QComboBox::activated, this, &ExportDialog::formatChosen);
    connect(m_path, &QLineEdit::textChanged, this, &ExportDialog::pathEdited);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(m_sizes, &QComboBox::activated, this, [this](int i) { choosePreset(i - 1); });
    for (QSpinBox* b : {m_width, m_height})
        connect(b, &QSpinBox::valueChanged, this, [this] {
            // Typed sizes that match no preset make the choice "Custom".
            const QSize now = exportSize();
            int match = now == m_screen ? 0 : -1;
            const auto presets = exportSizePresets();
            for (int i = 0; match < 0 && i < int(presets.size()); ++i)
                if (presets[std::size_t(i)].size == now) match = i + 1;
            QSignalBlocker block(m_sizes);
            m_sizes->setCurrentIndex(match >= 0 ? match : m_sizes->count() - 1);
            updatePixels();
        });
    connect(m_dpi, &QSpinBox::valueChanged, this, &ExportDialog::updatePixels);
    setScreenSize(m_screen);
    setBaseName(QStringLiteral("chart"));
}

QString ExportDialog::lastFolder() {
    if (g_lastFolder.isEmpty())
        g_lastFolder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (g_lastFolder.isEmpty()) g_lastFolder = QDir::homePath();
    return g_lastFolder;
}

void ExportDialog::setBaseName(const QString& name) {
    const QString suffix = exportFormatSuffix(kFormats[std::max(0, m_format->currentIndex())]);
    setPath(QDir(lastFolder()).filePath(name + QLatin1Char('.') + suffix));
}

void ExportDialog::setPath(const QString& path) {
    m_path->setText(path);
}

QString ExportDialog::path() const {
    return m_path->text().trimmed();
}

ExportFormat ExportDialog::format() const {
    return exportFormatForPath(path());
}

void ExportDialog::setDpi(int dpi) {
    m_dpi->setValue(dpi);
}

int ExportDialog::dpi() const {
    return m_dpi->value();
}

void ExportDialog::setScreenSize(QSize size) {
    if (size.width() < 50 || size.height() < 50) size = QSize(800, 500);
    m_screen = size;
    m_sizes->setItemText(0, tr("As on screen (%1 × %2)").arg(size.width()).arg(size.height()));
    choosePreset(-1);
}

QSize ExportDialog::exportSize() const {
    return QSize(m_width->value(), m_height->value());
}

void ExportDialog::choosePreset(int index) {
    const auto presets = exportSizePresets();
    const QSize s =
        index >= 0 && index < int(presets.size()) ? presets[std::size_t(index)].size : m_screen;
    if (index >= int(presets.size())) return; // "Custom": keep what is typed
    QSignalBlocker bw(m_width), bh(m_height);
    m_width->setValue(s.width());
    m_height->setValue(s.height());
    m_sizes->setCurrentIndex(index + 1);
    updatePixels();
}

void ExportDialog::updatePixels() {
    const ExportFormat f = format();
    const QSize s = exportSize();
    if (f == ExportFormat::Png)
        m_pixels->setText(tr("%1 × %2 pixels (the size × dpi / 96)")
                              .arg(s.width() * m_dpi->value() / 96)
                              .arg(s.height() * m_dpi->value() / 96));
    else if (f == ExportFormat::Csv)
        m_pixels->setText(tr("the data, not a picture"));
    else
        m_pixels->setText(tr("%1 × %2 in, vector")
                              .arg(s.width() / 96.0, 0, 'f', 2)
                              .arg(s.height() / 96.0, 0, 'f', 2));
}

void ExportDialog::accept() {
    if (format() == ExportFormat::Unknown) {
        // No known extension: take the format the combo shows rather than refusing.
        setPath(path() + QLatin1Char('.') + exportFormatSuffix(kFormats[m_format->currentIndex()]));
    }
    g_lastFolder = QFileInfo(path()).absolutePath();
    QDialog::accept();
}

void ExportDialog::browse() {
    const QString chosen =
        QFileDialog::getSaveFileName(this, tr("Export chart"), path(), exportFileFilter());
    if (!chosen.isEmpty()) setPath(chosen);
}

void ExportDialog::formatChosen(int index) {
    if (index < 0) return;
    const QFileInfo info(path());
    const QString base =
        info.completeBaseName().isEmpty() ? QStringLiteral("chart") : info.completeBaseName();
    const QString folder = info.path().isEmpty() ? lastFolder() : info.path();
    setPath(QDir(folder).filePath(base + QLatin1Char('.') + exportFormatSuffix(kFormats[index])));
}

void ExportDialog::pathEdited() {
    const ExportFormat f = format();
    for (int i = 0; i < int(std::size(kFormats)); ++i) {
        if (kFormats[i] == f) m_format->setCurrentIndex(i);
    }
    const bool png = f == ExportFormat::Png;
    m_dpi->setEnabled(png);
    for (QWidget* w : {static_cast<QWidget*>(m_sizes), static_cast<QWidget*>(m_width),
                       static_cast<QWidget*>(m_height)})
        w->setEnabled(f != ExportFormat::Csv);
    updatePixels();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!path().isEmpty());
}

} // namespace llmlab::views
