// Where the parameters are: a bar per component (embeddings, attention, MLP, norms, output
// head) for the whole model, and the same components per block as lines over the layers.
#pragma once

#include "ModelSnapshot.h"

#include <QWidget>

namespace llmlab::views {

class ChartView;

class ParamShareChart : public QWidget {
    Q_OBJECT
public:
    explicit ParamShareChart(QWidget* parent = nullptr);
    void setModel(const ModelSnapshot& model);
    void clear();
    ChartView* totalsChart() const { return m_totals; }
    ChartView* perLayerChart() const { return m_perLayer; }

private:
    ChartView* m_totals = nullptr;
    ChartView* m_perLayer = nullptr;
};

} // namespace llmlab::views
