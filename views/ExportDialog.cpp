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
    m_pixels->setText(tr("scale = dpi / 96"));

    auto* form = new QFormLayout;
    form->addRow(tr("File:"), pathRow);
    form->addRow(tr("Format:"), m_format);
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
    m_pixels->setEnabled(png);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!path().isEmpty());
}

} // namespace llmlab::views
