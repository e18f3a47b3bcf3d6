#include "TrainingCurves.h"

#include "CurveDecimation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmlab::views {

void TrainingCurves::clear() {
    m_rows.clear();
    rebuild();
}

void TrainingCurves::setRows(const std::vector<TrainMetrics>& rows) {
    m_rows = rows;
    rebuild();
}

void TrainingCurves::append(const TrainMetrics& row) {
    if (!m_rows.empty() && row.step <= m_rows.back().step) {
        const auto from = std::find_if(m_rows.begin(), m_rows.end(),
                                       [&](const TrainMetrics& r) { return r.step >= row.step; });
        m_rows.erase(from, m_rows.end());
        m_rows.push_back(row);
        rebuild(); // rare (resume): simpler to recompute columns and markers than patch them
        return;
    }
    m_rows.push_back(row);
    pushColumns(row);
}

void TrainingCurves::rebuild() {
    for (auto* column : {&m_steps, &m_trainLoss, &m_valLoss, &m_trainAcc, &m_valAcc, &m_weightNorm,
                         &m_restricted, &m_excluded, &m_gini})
        column->clear();
    m_hasProgress = false;
    m_componentNames.clear();
    m_components.clear();
    m_memorised = m_grokked = -1;
    for (const TrainMetrics& row : m_rows) pushColumns(row);
}

void TrainingCurves::pushColumns(const TrainMetrics& row) {
    const std::size_t index = m_steps.size();
    m_steps.push_back(double(row.step));
    m_trainLoss.push_back(row.trainLoss);
    m_valLoss.push_back(row.valLoss);
    m_trainAcc.push_back(row.trainAcc);
    m_valAcc.push_back(row.valAcc);
    m_weightNorm.push_back(row.weightNorm);
    m_restricted.push_back(row.restrictedLoss);
    m_excluded.push_back(row.excludedLoss);
    m_gini.push_back(row.fourierGini);
    if (std::isfinite(row.restrictedLoss)) m_hasProgress = true;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [name, value] : row.componentNorms) {
        auto it = m_components.find(name);
        if (it == m_components.end()) {
            // A component first seen now: earlier rows had no value for it.
            m_componentNames.push_back(name);
            it = m_components.emplace(name, std::vector<double>(index, nan)).first;
        }
        it->second.push_back(value);
    }
    for (auto& [name, column] : m_components) column.resize(index + 1, nan);
    if (m_memorised < 0 && row.trainAcc >= kThreshold) m_memorised = row.step;
    if (m_grokked < 0 && row.valAcc >= kThreshold) m_grokked = row.step;
}

SeriesData TrainingCurves::series(Curve curve, const QString& name, std::size_t maxPoints,
                                  bool positiveKeysOnly) const {
    const std::vector<double>* column = nullptr;
    switch (curve) {
    case Curve::TrainLoss:
        column = &m_trainLoss;
        break;
    case Curve::ValLoss:
        column = &m_valLoss;
        break;
    case Curve::TrainAcc:
        column = &m_trainAcc;
        break;
    case Curve::ValAcc:
        column = &m_valAcc;
        break;
    case Curve::WeightNorm:
        column = &m_weightNorm;
        break;
    case Curve::RestrictedLoss:
        column = &m_restricted;
        break;
    case Curve::ExcludedLoss:
        column = &m_excluded;
        break;
    case Curve::FourierGini:
        column = &m_gini;
        break;
    }
    return decimateMinMax(name, m_steps, *column, maxPoints, positiveKeysOnly);
}

SeriesData TrainingCurves::componentSeries(const std::string& component, const QString& name,
                                           std::size_t maxPoints, bool positiveKeysOnly) const {
    const auto it = m_components.find(component);
    if (it == m_components.end()) return SeriesData{name, {}, {}};
    return decimateMinMax(name, m_steps, it->second, maxPoints, positiveKeysOnly);
}

} // namespace llmlab::views
