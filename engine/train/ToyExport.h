// Saves a trained toy transformer as a model file any llmlab view (and other tools) can open:
// a GGUF file, or a Hugging Face-style folder (config.json + model.safetensors).
#pragma once

#include "ToyModel.h"
#include "TrainConfig.h"

#include <string>

namespace llmlab {

/// Writes `params` as GGUF with general.architecture "toy" and its hyper-parameters.
/// Returns false with `error` set (one sentence) on failure.
bool exportToyGguf(const std::string& path, const TrainConfig& config, const ToyParams& params,
                   std::string* error);

/// Writes `dir`/config.json (model_type "toy") and `dir`/model.safetensors.
bool exportToyHfFolder(const std::string& dir, const TrainConfig& config, const ToyParams& params,
                       std::string* error);

} // namespace llmlab
