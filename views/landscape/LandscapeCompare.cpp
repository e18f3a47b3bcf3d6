#include "LandscapeCompare.h"

#include "ContourChart.h"
#include "SurfaceView.h"

#include <QGridLayout>
#include <QLabel>

#include <algorithm>

namespace llmlab::views {

QString sharpnessText(const RunLandscape& L) {
    if (!(L.sharpnessRadius > 0)) return QObject::tr("sharpness not computed");
    return QObject::tr("loss %1 at the centre · sharpness %2")
        .arg(L.centreLoss, 0, 'g', 4)
        .arg(L.sharpness, 0, 'g', 4);
}

LandscapeCompare::LandscapeCompare(QWidget* parent) : QWidget(parent) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    for (int side = 0; side < 2; ++side) {
        m_contour[side] = new ContourChart(this);
        m_contour[side]->setExportBaseName(side == 0 ? QStringLiteral("landscape-memorised")
                                                     : QStringLiteral("landscape-grokked"));
        m_surface[side] = new SurfaceView(this);
        m_sharpness[side] = new QLabel(this);
        m_sharpness[side]->setWordWrap(true);
        m_sharpness[side]->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
        // Four charts in one tab: small minimums, so the window still fits a laptop screen.
        m_contour[side]->setMinimumSize(200, 140);
        m_surface[side]->setMinimumSize(200, 140);
        grid->addWidget(m_contour[side], 0, side);
        grid->addWidget(m_surface[side], 1, side);
        grid->addWidget(m_sharpness[side], 2, side);
    }
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 1);
}

void LandscapeCompare::setLandscapes(const RunLandscape& left, const QString& leftTitle,
                                     const RunLandscape& right, const QString& rightTitle,
                                     bool logScale) {
    double lo[2], hi[2];
    left.grid.lossRange(&lo[0], &hi[0]);
    right.grid.lossRange(&lo[1], &hi[1]);
    const double shareLo = std::min(lo[0], lo[1]), shareHi = std::max(hi[0], hi[1]);
    const RunLandscape* both[2] = {&left, &right};
    const QString titles[2] = {leftTitle, rightTitle};
    for (int side = 0; side < 2; ++side) {
        ContourOptions c;
        c.logScale = logScale;
        c.colorLo = shareLo;
        c.colorHi = shareHi;
        m_contour[side]->setLandscape(*both[side], c);
        m_contour[side]->setTitle(titles[side]);
        SurfaceOptions s;
        s.logScale = logScale;
        s.heightLo = shareLo;
        s.heightHi = shareHi;
        m_surface[side]->setLandscape(*both[side], s);
        m_sharpness[side]->setText(sharpnessText(*both[side]));
        m_sharpness[side]->setToolTip(
            tr("Sharpness: the mean rise of the loss at radius %1 along 8 random "
               "filter-normalised directions, both signs. Lower is flatter.")
                .arg(both[side]->sharpnessRadius));
    }
}

} // namespace llmlab::views
