// The prompt's tokens as chips: each piece with visible spaces and newlines, and its id.
// Painted in one widget (a 2,000-token prompt would be 2,000 labels otherwise).
#pragma once

#include <QByteArray>
#include <QString>
#include <QWidget>

#include <vector>

namespace llmlab::views {

/// One token as the strip shows it.
struct TokenChip {
    int id = 0;
    QString piece;    ///< the vocabulary entry as stored ('▁the', 'Ġthe', '<0x0A>')
    QByteArray bytes; ///< what it decodes to
    int position = 0;
    bool special = false; ///< a control or added token (BOS, <|im_start|>): drawn apart
};

/// Spaces as '·', newlines as '↵', tabs as '→', so whitespace tokens can be told apart.
QString visiblePiece(const QByteArray& bytes);
/// What a chip shows: a special token by its vocabulary name, others as visiblePiece.
QString chipPiece(const TokenChip& chip);

class TokenStrip : public QWidget {
    Q_OBJECT
public:
    explicit TokenStrip(QWidget* parent = nullptr);

    void setTokens(std::vector<TokenChip> tokens);
    int tokenCount() const { return int(m_tokens.size()); }
    const TokenChip& token(int i) const { return m_tokens.at(std::size_t(i)); }
    /// The chip's text: visible piece and id.
    QString chipText(int i) const;
    /// The hover text of chip `i`: id, piece, bytes in hex, position.
    QString toolTipFor(int i) const;

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    void layoutChips(int width);

    std::vector<TokenChip> m_tokens;
    std::vector<QRect> m_rects; // chip rectangles for the current width
    int m_laidOutWidth = -1;
};

} // namespace llmlab::views
