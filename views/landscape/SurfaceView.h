// A loss landscape as a 3-D surface (Qt DataVisualization): rotate with the mouse, the same
// colour scale as the contour map, the training path as markers lying on the surface. The
// OpenGL window is made only when the view is first shown, so the data side works offscreen.
#pragma once

#include "landscape/RunLandscape.h"

#include <QPointer>
#include <QWidget>

class Q3DSurface;
class QLabel;
class QSurface3DSeries;
class QSurfaceDataProxy;
class QVBoxLayout;

namespace llmlab::views {

struct SurfaceOptions {
    bool logScale = true; ///< height in log10(loss)
    std::size_t split = 0;
    bool showPath = true;
    double heightLo = 0, heightHi = 0; ///< a fixed loss range for the height axis (lo < hi)
};

class SurfaceView : public QWidget {
    Q_OBJECT
public:
    explicit SurfaceView(QWidget* parent = nullptr);
    ~SurfaceView() override;

    void setLandscape(const RunLandscape& landscape, const SurfaceOptions& options = {});
    /// Shows nothing but `why` (another kind of landscape is on view).
    void clearLandscape(const QString& why);
    /// The surface's data (rows along β, columns along α; y is the height drawn).
    QSurfaceDataProxy* proxy() const { return m_proxy; }
    QSurface3DSeries* series() const { return m_series; }
    /// The path's markers: (α, height, β) of each, as drawn.
    const QList<QVector3D>& pathMarkers() const { return m_markers; }
    /// The height axis' range.
    void heightRange(double* lo, double* hi) const;
    /// The 3-D graph once shown (null before, or where OpenGL is not available).
    Q3DSurface* graph() const { return m_graph; }

    /// PNG of the 3-D view (needs OpenGL) or CSV of the grid (α, β, loss), by extension.
    bool exportTo(const QString& path, QString* error = nullptr);
    QString toCsv() const;

public slots:
    void showExportDialog();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void ensureGraph();
    void applyToGraph();

    QSurfaceDataProxy* m_proxy = nullptr;
    QSurface3DSeries* m_series = nullptr; // owned by m_graph once it exists
    Q3DSurface* m_graph = nullptr;
    QVBoxLayout* m_layout = nullptr;
    QLabel* m_placeholder = nullptr;
    QList<QVector3D> m_markers;
    double m_lo = 0, m_hi = 1;
    QString m_xTitle, m_zTitle, m_yTitle;
    QString m_csv;
};

} // namespace llmlab::views
