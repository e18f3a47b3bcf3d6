#include "AttentionGrid.h"

#include "HeatColor.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace llmlab::views {

namespace {
constexpr int kCell = AttentionGrid::kThumb + 6; // thumbnail plus spacing
constexpr int kLeft = 34;                        // room for "L12"
constexpr int kTop = 18;                         // room for "H13"

// Attention is mostly tiny values with a few near 1; a square root spreads the low end so a
// diffuse head is not just black.
double displayValue(double p) {
    return std::sqrt(std::max(p, 0.0));
}
} // namespace

AttentionGrid::AttentionGrid(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void AttentionGrid::setData(std::shared_ptr<const AttentionData> data) {
    m_data = std::move(data);
    m_images.clear();
    if (m_data && !m_data->empty())
        for (int l = 0; l < m_data->layers(); ++l)
            for (int h = 0; h < m_data->heads(); ++h) {
                const PooledGrid g = m_data->pooled(l, h, kThumb);
                QImage img(g.columns, g.rows, QImage::Format_RGB32);
                for (int r = 0; r < g.rows; ++r) {
                    auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
                    for (int c = 0; c < g.columns; ++c)
                        line[c] = heatColor(displayValue(g.at(r, c))).rgb();
                }
                m_images.push_back(std::move(img));
            }
    m_layer = m_head = -1;
    updateGeometry();
    update();
}

const QImage& AttentionGrid::image(int layer, int head) const {
    return m_images.at(std::size_t(layer) * std::size_t(m_data->heads()) + std::size_t(head));
}

void AttentionGrid::select(int layer, int head) {
    if (!m_data || layer < 0 || head < 0 || layer >= m_data->layers() || head >= m_data->heads())
        return;
    m_layer = layer;
    m_head = head;
    update();
    emit headSelected(layer, head);
}

QSize AttentionGrid::sizeHint() const {
    if (!m_data) return {kLeft + 8 * kCell, kTop + 4 * kCell};
    return {kLeft + m_data->heads() * kCell, kTop + m_data->layers() * kCell};
}

QRect AttentionGrid::cellRect(int layer, int head) const {
    return {kLeft + head * kCell, kTop + layer * kCell, kThumb, kThumb};
}

bool AttentionGrid::hit(const QPoint& pos, int* layer, int* head) const {
    if (!m_data || pos.x() < kLeft || pos.y() < kTop) return false;
    const int h = (pos.x() - kLeft) / kCell, l = (pos.y() - kTop) / kCell;
    if (l >= m_data->layers() || h >= m_data->heads()) return false;
    if (!cellRect(l, h).contains(pos)) return false;
    *layer = l;
    *head = h;
    return true;
}

void AttentionGrid::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().window());
    if (!m_data || m_images.empty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("Run a prompt to see its attention."));
        return;
    }
    p.setPen(palette().windowText().color());
    for (int h = 0; h < m_data->heads(); ++h)
        p.drawText(QRect(kLeft + h * kCell, 0, kThumb, kTop), Qt::AlignCenter,
                   QStringLiteral("H%1").arg(h));
    for (int l = 0; l < m_data->layers(); ++l) {
        p.drawText(QRect(0, kTop + l * kCell, kLeft - 4, kThumb), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("L%1").arg(l));
        for (int h = 0; h < m_data->heads(); ++h) {
            // A thumbnail smaller than kThumb (a short prompt) is scaled up, pixels kept sharp.
            p.drawImage(cellRect(l, h), image(l, h));
        }
    }
    if (m_layer >= 0) {
        p.setPen(QPen(QColor(0, 170, 255), 3));
        p.drawRect(cellRect(m_layer, m_head).adjusted(-2, -2, 1, 1));
    }
}

void AttentionGrid::mousePressEvent(QMouseEvent* event) {
    int l = 0, h = 0;
    if (hit(event->position().toPoint(), &l, &h)) select(l, h);
}

bool AttentionGrid::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        int l = 0, h = 0;
        if (hit(help->pos(), &l, &h)) {
            const HeadStats& s = m_data->stats(l, h);
            QToolTip::showText(help->globalPos(),
                               tr("layer %1, head %2\nentropy %3 nats\nto first token %4\n"
                                  "to previous token %5")
                                   .arg(l)
                                   .arg(h)
                                   .arg(s.entropy, 0, 'f', 2)
                                   .arg(s.bos, 0, 'f', 2)
                                   .arg(s.previous, 0, 'f', 2),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace llmlab::views
