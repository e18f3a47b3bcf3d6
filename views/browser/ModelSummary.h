// The summary card's content: the anatomy questions of the course's Qwen2.5 exercise
// ("How many layers? Hidden size? Types of normalization? ...") answered in words and numbers.
#pragma once

#include "ModelSnapshot.h"

#include <QString>
#include <QWidget>

#include <utility>
#include <vector>

class QLabel;

namespace llmlab::views {

/// One question and its answer, e.g. {"Layers", "5 transformer blocks"}.
struct SummaryRow {
    QString question;
    QString answer;
};

/// The rows of the card, in reading order. Plain data so tests check the words directly.
std::vector<SummaryRow> summaryRows(const ModelSnapshot& model);
/// One sentence: "llama, 5 layers, hidden size 64, 292.8K parameters".
QString summaryHeadline(const ModelSnapshot& model);

/// Shows summaryRows() as a two-column card (rich text, selectable).
class SummaryCard : public QWidget {
    Q_OBJECT
public:
    explicit SummaryCard(QWidget* parent = nullptr);
    void setModel(const ModelSnapshot& model);
    void clear();
    /// The card as plain text ("Question: answer" lines), for tests and the clipboard.
    QString plainText() const { return m_plain; }

private:
    QLabel* m_label = nullptr;
    QString m_plain;
};

} // namespace llmlab::views
