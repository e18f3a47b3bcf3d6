#include "ModelBrowserJobs.h"

#include "discovery/ModelDiscovery.h"

#include <QFileInfo>

#include <stdexcept>

namespace llmlab::gui {

std::pair<std::int64_t, std::int64_t> matrixShape(const Shape& shape) {
    if (shape.rank() == 0) return {1, 1};
    const std::int64_t cols = shape.back();
    return {cols > 0 ? shape.numel() / cols : 0, cols};
}

JobFn makeOpenModelJob(const QString& path) {
    return [path](JobContext& ctx) -> QVariant {
        const QString file = QFileInfo(path).fileName();
        ctx.progress(0.0, QObject::tr("Opening %1").arg(file).toStdString());
        std::string error;
        // ModelFile::open maps the file and reads the index only; it is quick enough that
        // cancelling simply drops its result (checked right after).
        std::unique_ptr<ModelFile> model = ModelFile::open(path.toStdString(), &error);
        ctx.checkCancelled();
        if (!model)
            throw std::runtime_error(error.empty() ? path.toStdString() + ": cannot open" : error);
        OpenedModel opened;
        views::ModelSnapshot& s = opened.snapshot;
        s.path = path;
        s.displayName = QString::fromStdString(modelDisplayName(path.toStdString()));
        const std::string_view format = modelFormatName(model->format());
        s.format = QString::fromLatin1(format.data(), qsizetype(format.size()));
        s.spec = model->spec();
        s.tensors = model->tensors();
        s.fileBytes = model->fileBytes();
        opened.file = std::move(model);
        ctx.progress(1.0, QObject::tr("Opened %1").arg(file).toStdString());
        return QVariant::fromValue(opened);
    };
}

JobFn makeDiscoveryJob() {
    return [](JobContext& ctx) -> QVariant {
        ctx.progress(0.0, "Looking for models on this machine");
        DiscoverySnapshot s{discoverModels()};
        return QVariant::fromValue(s);
    };
}

JobFn makeTensorStatsJob(std::shared_ptr<const ModelFile> file, const QString& tensor,
                         quint64 generation) {
    return [file = std::move(file), tensor, generation](JobContext& ctx) -> QVariant {
        TensorStatsOptions options;
        options.cancel = &ctx.cancel;
        options.progress = ctx.progress;
        TensorStatsResult r{generation, tensor, {}};
        r.stats = computeTensorStats(file->tensor(tensor.toStdString()), options);
        return QVariant::fromValue(r);
    };
}

JobFn makeHeatmapJob(std::shared_ptr<const ModelFile> file, const QString& tensor,
                     const HeatmapViewport& viewport, HeatmapMode mode, int maxCells,
                     quint64 generation) {
    return [=](JobContext& ctx) -> QVariant {
        HeatmapRequest request;
        request.viewport = viewport;
        request.maxCellsX = request.maxCellsY = maxCells;
        request.mode = mode;
        request.cancel = &ctx.cancel;
        request.progress = ctx.progress;
        HeatmapResult r{generation, tensor, {}};
        r.map = computeHeatmap(file->tensor(tensor.toStdString()), request);
        return QVariant::fromValue(r);
    };
}

} // namespace llmlab::gui
