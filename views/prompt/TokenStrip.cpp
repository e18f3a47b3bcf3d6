#include "TokenStrip.h"

#include <QFontMetrics>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace llmlab::views {

namespace {
constexpr int kPad = 4, kGap = 3;
}

QString visiblePiece(const QByteArray& bytes) {
    QString s = QString::fromUtf8(bytes);
    s.replace(QLatin1Char(' '), QChar(0x00B7)).replace(QLatin1Char('\n'), QChar(0x21B5));
    s.replace(QLatin1Char('\t'), QChar(0x2192)).replace(QLatin1Char('\r'), QStringLiteral("\\r"));
    // Part of a UTF-8 character decodes to U+FFFD: show the bytes instead.
    if (s.contains(QChar(0xFFFD)) || s.isEmpty())
        return QStringLiteral("<%1>").arg(QString::fromLatin1(bytes.toHex(' ')));
    return s;
}

TokenStrip::TokenStrip(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
}

void TokenStrip::setTokens(std::vector<TokenChip> tokens) {
    m_tokens = std::move(tokens);
    m_laidOutWidth = -1;
    layoutChips(width());
    updateGeometry();
    update();
}

QString chipPiece(const TokenChip& t) {
    return t.special ? t.piece : visiblePiece(t.bytes);
}

QString TokenStrip::chipText(int i) const {
    const TokenChip& t = m_tokens.at(std::size_t(i));
    return QStringLiteral("%1 %2").arg(chipPiece(t)).arg(t.id);
}

QString TokenStrip::toolTipFor(int i) const {
    const TokenChip& t = m_tokens.at(std::size_t(i));
    return tr("id %1%5\npiece %2\nbytes %3\nposition %4")
        .arg(t.id)
        .arg(t.piece, QString::fromLatin1(t.bytes.toHex(' ')))
        .arg(t.position)
        .arg(t.special ? tr(" (special token)") : QString());
}

void TokenStrip::layoutChips(int width) {
    const QFontMetrics fm(font());
    m_rects.clear();
    int x = 0, y = 0;
    const int h = fm.height() + 2 * kPad;
    for (int i = 0; i < tokenCount(); ++i) {
        const int w = fm.horizontalAdvance(chipText(i)) + 2 * kPad;
        if (x > 0 && x + w > width) {
            x = 0;
            y += h + kGap;
        }
        m_rects.emplace_back(x, y, w, h);
        x += w + kGap;
    }
    m_laidOutWidth = width;
}

int TokenStrip::heightForWidth(int width) const {
    const_cast<TokenStrip*>(this)->layoutChips(width);
    return m_rects.empty() ? QFontMetrics(font()).height() + 2 * kPad : m_rects.back().bottom() + 1;
}

QSize TokenStrip::sizeHint() const {
    return {400, heightForWidth(std::max(width(), 400))};
}

void TokenStrip::resizeEvent(QResizeEvent*) {
    layoutChips(width());
    // Grows or shrinks inside its scroll area as the chips wrap.
    setMinimumHeight(heightForWidth(width()));
}

void TokenStrip::paintEvent(QPaintEvent* event) {
    if (m_laidOutWidth != width()) layoutChips(width());
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm(font());
    const QColor idColor = palette().placeholderText().color();
    for (int i = 0; i < tokenCount(); ++i) {
        const QRect& r = m_rects[std::size_t(i)];
        if (!r.intersects(event->rect())) continue;
        // Alternating tints keep neighbouring chips apart.
        const TokenChip& t = m_tokens[std::size_t(i)];
        // Special tokens (BOS, chat markers) on a dark chip with their vocabulary name, so a
        // marker typed in the text and matched is told apart from the same characters as text.
        p.setPen(t.special ? QPen(QColor(90, 40, 120), 1.5, Qt::DashLine)
                           : QPen(QColor(150, 150, 170)));
        p.setBrush(t.special ? QColor(235, 220, 245)
                             : (i % 2 ? QColor(225, 235, 250) : QColor(250, 240, 220)));
        p.drawRoundedRect(r, 4, 4);
        const QString piece = chipPiece(t);
        p.setPen(t.special ? QColor(90, 40, 120) : QColor(Qt::black));
        p.drawText(r.adjusted(kPad, kPad, 0, 0), Qt::AlignLeft | Qt::AlignTop, piece);
        p.setPen(idColor);
        p.drawText(r.adjusted(kPad + fm.horizontalAdvance(piece + QLatin1Char(' ')), kPad, 0, 0),
                   Qt::AlignLeft | Qt::AlignTop, QString::number(t.id));
    }
}

bool TokenStrip::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        for (int i = 0; i < int(m_rects.size()); ++i)
            if (m_rects[std::size_t(i)].contains(help->pos())) {
                QToolTip::showText(help->globalPos(), toolTipFor(i), this, m_rects[std::size_t(i)]);
                return true;
            }
        QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

} // namespace llmlab::views
