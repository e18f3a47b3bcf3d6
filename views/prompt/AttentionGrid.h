// The layer x head overview: one small downsampled map per head, drawn as images in one
// widget (no widget per map), so a 24 x 14 model on a 2,000-token prompt stays light.
#pragma once

#include "AttentionData.h"

#include <QImage>
#include <QWidget>

#include <memory>
#include <vector>

namespace llmlab::views {

class AttentionGrid : public QWidget {
    Q_OBJECT
public:
    explicit AttentionGrid(QWidget* parent = nullptr);

    /// Builds the thumbnails (block-averaged to <= kThumb x kThumb) once per run.
    void setData(std::shared_ptr<const AttentionData> data);
    /// Number of small maps (layers x heads).
    int mapCount() const { return int(m_images.size()); }
    /// The thumbnail of one head (for tests and the screenshot).
    const QImage& image(int layer, int head) const;
    int selectedLayer() const { return m_layer; }
    int selectedHead() const { return m_head; }
    void select(int layer, int head);

    QSize sizeHint() const override;

    static constexpr int kThumb = 64; ///< largest thumbnail side in pixels

signals:
    void headSelected(int layer, int head);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRect cellRect(int layer, int head) const;
    bool hit(const QPoint& pos, int* layer, int* head) const;

    std::shared_ptr<const AttentionData> m_data;
    std::vector<QImage> m_images; // layer-major
    int m_layer = -1;
    int m_head = -1;
};

} // namespace llmlab::views
