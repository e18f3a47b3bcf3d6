// The model browser's engine jobs (open, discover, statistics, heatmap) and their snapshots.
// They run on the JobRunner's worker; what comes back is plain values (and the opened file,
// shared read-only with later jobs that read its tensors).
#pragma once

#include "JobRunner.h"

#include "ModelSnapshot.h"
#include "analysis/Heatmap.h"
#include "analysis/TensorStats.h"
#include "discovery/ModelDiscovery.h"
#include "formats/ModelFile.h"

#include <QMetaType>

#include <memory>

namespace llmlab::gui {

/// An opened model: the file (mapped, read by later jobs) and the views' copy of its index.
struct OpenedModel {
    std::shared_ptr<const ModelFile> file;
    views::ModelSnapshot snapshot;
};

struct TensorStatsResult {
    quint64 generation = 0; ///< which opened model it belongs to
    QString tensor;
    TensorStats stats;
};

struct HeatmapResult {
    quint64 generation = 0;
    QString tensor;
    Heatmap map;
};

struct DiscoverySnapshot {
    DiscoveryResult result;
};

/// The tensor as RowReader sees it: [rows, cols] (rank 0/1 are one row; higher ranks flatten
/// the leading dims).
std::pair<std::int64_t, std::int64_t> matrixShape(const Shape& shape);

/// Opens `path` with ModelFile::open. Throws std::runtime_error with the engine's sentence
/// (which names the file) when it cannot. Returns an OpenedModel.
JobFn makeOpenModelJob(const QString& path);
/// discoverModels() on the worker (it walks directories). Returns a DiscoverySnapshot.
JobFn makeDiscoveryJob();
/// computeTensorStats() of one tensor, cancellable. Returns a TensorStatsResult.
JobFn makeTensorStatsJob(std::shared_ptr<const ModelFile> file, const QString& tensor,
                         quint64 generation);
/// computeHeatmap() of one tensor's viewport, cancellable. Returns a HeatmapResult.
JobFn makeHeatmapJob(std::shared_ptr<const ModelFile> file, const QString& tensor,
                     const HeatmapViewport& viewport, HeatmapMode mode, int maxCells,
                     quint64 generation);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::OpenedModel)
Q_DECLARE_METATYPE(llmlab::gui::TensorStatsResult)
Q_DECLARE_METATYPE(llmlab::gui::HeatmapResult)
Q_DECLARE_METATYPE(llmlab::gui::DiscoverySnapshot)
Q_DECLARE_METATYPE(llmlab::HeatmapViewport)
Q_DECLARE_METATYPE(llmlab::HeatmapMode)
