// The models opened lately and the folder they came from, kept across sessions (QSettings),
// for File → Open recent and for the file dialogs' starting folder.
#pragma once

#include <QString>
#include <QStringList>

namespace llmlab::gui {

/// Most recent first, at most kMaxRecentModels, existing paths only.
QStringList recentModels();
/// Puts `path` first in the list (a file or a Hugging Face folder) and remembers its folder.
void rememberModel(const QString& path);
/// Where the Open dialogs start: the folder of the last model opened, else the home folder.
QString lastModelFolder();

constexpr int kMaxRecentModels = 8;

} // namespace llmlab::gui
