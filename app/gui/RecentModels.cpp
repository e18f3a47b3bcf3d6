#include "RecentModels.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace llmlab::gui {

QStringList recentModels() {
    QStringList out;
    for (const QString& p : QSettings().value(QStringLiteral("recentModels")).toStringList())
        if (QFileInfo::exists(p)) out << p; // moved or deleted models drop off
    return out;
}

void rememberModel(const QString& path) {
    const QString full = QFileInfo(path).absoluteFilePath();
    QStringList list = QSettings().value(QStringLiteral("recentModels")).toStringList();
    list.removeAll(full);
    list.prepend(full);
    while (list.size() > kMaxRecentModels) list.removeLast();
    QSettings s;
    s.setValue(QStringLiteral("recentModels"), list);
    // A folder model's own folder is the model: start next time in the folder above it.
    s.setValue(QStringLiteral("lastModelFolder"), QFileInfo(full).absolutePath());
}

QString lastModelFolder() {
    const QString folder = QSettings().value(QStringLiteral("lastModelFolder")).toString();
    return !folder.isEmpty() && QFileInfo(folder).isDir() ? folder : QDir::homePath();
}

} // namespace llmlab::gui
