// safetensors and Hugging Face model folders (config.json + one or more .safetensors shards).
#pragma once

#include "TensorIndex.h"

namespace llmlab {

/// Parses one mapped .safetensors file into `model` (tensors get file = fileIndex; the
/// `__metadata__` strings become `safetensors.<key>` metadata). Throws FormatError.
void readSafetensors(const std::shared_ptr<const MappedFile>& file, int fileIndex, RawModel& model);

/// Opens a Hugging Face folder: config.json (flattened into `config.<key>` metadata),
/// model.safetensors or the shards listed by model.safetensors.index.json, and notes
/// tokenizer.json when present. Throws FormatError.
RawModel readHfFolder(const std::string& folder);

/// Reads a single .safetensors file (with config.json beside it, if there is one).
RawModel readSafetensorsFile(const std::string& path);

} // namespace llmlab
