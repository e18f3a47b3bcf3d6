#include "SurfaceView.h"

#include "ChartExporter.h"
#include "ContourChart.h"

#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QOpenGLContext>
#include <QVBoxLayout>
#include <QtDataVisualization/Q3DSurface>
#include <QtDataVisualization/QCustom3DItem>
#include <QtDataVisualization/QSurface3DSeries>
#include <QtDataVisualization/QSurfaceDataProxy>
#include <QtDataVisualization/QValue3DAxis>

#include <cmath>

// The marker mesh lives in this static library's resources.
static void initLandscapeResources() {
    Q_INIT_RESOURCE(landscape);
}

namespace llmlab::views {

namespace {

double drawnHeight(double loss, bool log) {
    return log ? std::log10(std::max(loss, 1e-12)) : loss;
}

// The thermal colours of the contour map's scale (QCustomPlot's gpThermal), low to high.
QLinearGradient thermalGradient() {
    QLinearGradient g;
    g.setColorAt(0.0, QColor(50, 0, 0));
    g.setColorAt(0.2, QColor(180, 10, 0));
    g.setColorAt(0.4, QColor(245, 50, 0));
    g.setColorAt(0.6, QColor(255, 150, 10));
    g.setColorAt(0.8, QColor(255, 255, 50));
    g.setColorAt(1.0, QColor(255, 255, 255));
    return g;
}

} // namespace

SurfaceView::SurfaceView(QWidget* parent) : QWidget(parent) {
    initLandscapeResources();
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_placeholder = new QLabel(tr("Compute a landscape to see its surface."), this);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_layout->addWidget(m_placeholder);
    m_proxy = new QSurfaceDataProxy;
    m_series = new QSurface3DSeries(m_proxy);
    m_series->setDrawMode(QSurface3DSeries::DrawSurfaceAndWireframe);
    m_series->setFlatShadingEnabled(false);
    m_series->setBaseGradient(thermalGradient());
    m_series->setColorStyle(Q3DTheme::ColorStyleRangeGradient);
    m_series->setWireframeColor(QColor(0, 0, 0, 60));
    setMinimumSize(260, 220);
    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(this, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QMenu menu(this);
        menu.addAction(tr("Export…"), this, &SurfaceView::showExportDialog);
        menu.exec(mapToGlobal(pos));
    });
}

SurfaceView::~SurfaceView() {
    if (!m_graph) delete m_series; // else the graph owns it
}

void SurfaceView::setLandscape(const RunLandscape& L, const SurfaceOptions& o) {
    const GridSpec& g = L.gridSpec;
    m_markers.clear();
    if (g.rows < 2 || o.split >= L.grid.splits.size()) {
        clearLandscape(tr("A line landscape has no surface: see the interpolation chart."));
        return;
    }
    // Rows along β (z), columns along α (x): the layout QSurfaceDataProxy asks for.
    auto* array = new QSurfaceDataArray;
    array->reserve(g.rows);
    double lo = INFINITY, hi = -INFINITY;
    QString csv = QStringLiteral("alpha,beta,loss\n");
    for (int i = 0; i < g.rows; ++i) {
        auto* row = new QSurfaceDataRow(g.columns);
        for (int j = 0; j < g.columns; ++j) {
            const double loss = L.grid.lossAt(i, j, o.split);
            const double y = std::isnan(loss) ? NAN : drawnHeight(loss, o.logScale);
            (*row)[j].setPosition(QVector3D(float(g.alpha(j)), float(y), float(g.beta(i))));
            if (std::isfinite(y)) lo = std::min(lo, y), hi = std::max(hi, y);
            if (!std::isnan(loss))
                csv += QString::number(g.alpha(j), 'g', 10) + QLatin1Char(',') +
                       QString::number(g.beta(i), 'g', 10) + QLatin1Char(',') +
                       QString::number(loss, 'g', 10) + QLatin1Char('\n');
        }
        array->append(row);
    }
    m_proxy->resetArray(array);
    m_csv = csv;
    if (o.heightLo < o.heightHi)
        lo = drawnHeight(o.heightLo, o.logScale), hi = drawnHeight(o.heightHi, o.logScale);
    if (!(lo < hi)) lo = std::isfinite(lo) ? lo - 1 : 0, hi = lo + 2;
    m_lo = lo;
    m_hi = hi;
    if (o.showPath && L.grid.complete())
        for (const PathPoint& p : L.path)
            m_markers.append(QVector3D(
                float(p.alpha),
                float(drawnHeight(L.grid.interpolateLoss(p.alpha, p.beta, o.split), o.logScale)),
                float(p.beta)));
    m_xTitle = directionTitle(L, 0);
    m_zTitle = directionTitle(L, 1);
    m_yTitle = o.logScale ? QStringLiteral("log₁₀ loss") : QStringLiteral("loss");
    m_series->setName(QString::fromStdString(L.grid.splits[o.split]) + QStringLiteral(" loss"));
    m_placeholder->setText(tr("The 3-D view needs OpenGL, which this display does not offer. "
                              "The contour map shows the same data."));
    applyToGraph();
    // The tab may be on screen already: the graph is made now, not at the next show.
    if (isVisible()) ensureGraph();
}

void SurfaceView::clearLandscape(const QString& why) {
    m_proxy->resetArray(new QSurfaceDataArray);
    m_markers.clear();
    m_csv.clear();
    if (m_graph) m_graph->removeCustomItems();
    m_placeholder->setText(why);
}

void SurfaceView::heightRange(double* lo, double* hi) const {
    *lo = m_lo;
    *hi = m_hi;
}

void SurfaceView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    ensureGraph();
}

void SurfaceView::ensureGraph() {
    if (m_graph || m_proxy->rowCount() == 0) return;
    // Offscreen (tests) and displays without OpenGL keep the placeholder sentence.
    if (!QOpenGLContext().create()) return;
    m_graph = new Q3DSurface;
    m_graph->addSeries(m_series);
    m_graph->activeTheme()->setType(Q3DTheme::ThemeQt);
    m_graph->setShadowQuality(QAbstract3DGraph::ShadowQualityNone);
    m_graph->scene()->activeCamera()->setCameraPreset(Q3DCamera::CameraPresetIsometricRight);
    QWidget* container = QWidget::createWindowContainer(m_graph, this);
    container->setMinimumSize(200, 160);
    m_layout->removeWidget(m_placeholder);
    m_placeholder->hide();
    m_layout->addWidget(container);
    applyToGraph();
}

void SurfaceView::applyToGraph() {
    if (!m_graph) return;
    m_graph->axisX()->setTitle(m_xTitle);
    m_graph->axisZ()->setTitle(m_zTitle);
    m_graph->axisY()->setTitle(m_yTitle);
    for (QValue3DAxis* a : {m_graph->axisX(), m_graph->axisY(), m_graph->axisZ()})
        a->setTitleVisible(true);
    m_graph->axisY()->setRange(float(m_lo), float(m_hi));
    m_graph->removeCustomItems();
    // Markers sit a little above the surface they lie on, so the surface does not hide them.
    const float size = 0.05f, lift = float(m_hi - m_lo) * 0.02f;
    for (const QVector3D& p : m_markers) {
        auto* item =
            new QCustom3DItem(QStringLiteral(":/landscape/marker.obj"), p + QVector3D(0, lift, 0),
                              QVector3D(size, size, size), QQuaternion(), QImage());
        QImage colour(2, 2, QImage::Format_RGB32);
        colour.fill(QColor(30, 120, 255));
        item->setTextureImage(colour);
        m_graph->addCustomItem(item);
    }
}

QString SurfaceView::toCsv() const {
    return m_csv;
}

bool SurfaceView::exportTo(const QString& path, QString* error) {
    const ExportFormat f = exportFormatForPath(path);
    if (f == ExportFormat::Csv) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(m_csv.toUtf8()) != m_csv.toUtf8().size()) {
            if (error) *error = path + QStringLiteral(": ") + file.errorString();
            return false;
        }
        return true;
    }
    if (f != ExportFormat::Png) {
        if (error) *error = path + tr(": the 3-D view exports as PNG or CSV");
        return false;
    }
    if (!m_graph) {
        if (error) *error = path + tr(": the 3-D view has not been drawn (no OpenGL here)");
        return false;
    }
    const QImage image = m_graph->renderToImage(4, size() * 2);
    if (image.isNull() || !image.save(path)) {
        if (error) *error = path + tr(": could not write the PNG file");
        return false;
    }
    return true;
}

void SurfaceView::showExportDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the surface"),
                                                      QStringLiteral("landscape-surface.png"),
                                                      tr("PNG image (*.png);;CSV data (*.csv)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportTo(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace llmlab::views
