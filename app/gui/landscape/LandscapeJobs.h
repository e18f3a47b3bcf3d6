// The landscape lab's engine jobs: compute (or read from the run's cache) one landscape, two
// for the memorised-vs-grokked comparison, or open a CSV computed elsewhere.
#pragma once

#include "JobRunner.h"

#include "landscape/ModelLandscape.h"
#include "landscape/RunLandscape.h"

#include <QMetaType>
#include <QString>

namespace llmlab::gui {

struct LandscapeRequest {
    QString runDir;
    LandscapeSpec spec;
    /// Two landscapes with the same directions and grid, centred at the first memorised and
    /// at the first grokked snapshot.
    bool compare = false;
};

struct LandscapeSnapshot {
    RunLandscape main;  ///< the landscape (compare: the memorised one)
    RunLandscape other; ///< compare: the grokked one
    bool compare = false;
    double seconds = 0;
    std::int64_t passes = 0; ///< forward passes computed (0 when all came from the cache)
    bool opened = false;     ///< read from a CSV the user chose
};

/// The snapshot step nearest to `step` among the run's history (-1 when it has none).
std::int64_t nearestSnapshot(const QString& runDir, std::int64_t step);

/// Computes the request's landscape(s) on the worker's backend (the CPU when none is made).
/// Returns a LandscapeSnapshot; throws a readable message for a run that cannot give it.
JobFn makeLandscapeJob(LandscapeRequest request);

/// The landscape of an opened model on a text (directions over the tensors spec's pattern
/// picks). Its first progress report is the estimate: passes × the measured time of one.
JobFn makeModelLandscapeJob(std::shared_ptr<const ModelFile> model, QString text,
                            ModelLandscapeSpec spec);

/// Reads a landscape CSV (and the JSON header beside it) written by the CLI or merged from
/// slices. Returns a LandscapeSnapshot.
JobFn makeOpenLandscapeJob(QString csvPath);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::LandscapeSnapshot)
