// What the model browser's views draw: a plain copy of an opened model's index and anatomy,
// made on the worker thread, so no view ever holds (or blocks on) a ModelFile.
#pragma once

#include "formats/ModelSpec.h"
#include "formats/TensorIndex.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace llmlab::views {

struct ModelSnapshot {
    QString path;        ///< the file or folder opened
    QString displayName; ///< what the tree's root and the window say ("stories260K.gguf")
    QString format;      ///< "gguf", "safetensors", "hf-folder", "llama2c"
    ModelSpec spec;
    std::vector<TensorInfo> tensors; ///< canonical names, file order
    std::uint64_t fileBytes = 0;
    bool valid() const { return !path.isEmpty(); }
};

/// "292.8K", "494M", "1.5B": a parameter count the way model cards write it.
QString humanCount(std::int64_t n);
/// "1.17 MB", "942 MiB" style byte sizes (binary units, one decimal).
QString humanBytes(std::uint64_t bytes);
/// "292,800": the exact count with thousands separators (locale-independent).
QString groupedCount(std::int64_t n);
/// "[151936, 896]".
QString shapeText(const Shape& shape);

} // namespace llmlab::views
