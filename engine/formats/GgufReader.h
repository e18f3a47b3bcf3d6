// GGUF (v2, v3) reader: header, metadata, tensor infos; tensor data stays in the mmap.
#pragma once

#include "TensorIndex.h"

#include <optional>

namespace llmlab {

/// ggml type number (as stored in GGUF tensor infos) for a dtype.
std::uint32_t ggmlTypeOf(DType t);
/// The dtype for a ggml type number, or nullopt for types llmlab does not read (IQ*, I8, F64...).
std::optional<DType> dtypeFromGgml(std::uint32_t ggmlType);
/// Name of a ggml type number, known or not ("IQ2_XXS", "type 99").
std::string ggmlTypeName(std::uint32_t ggmlType);

/// Parses a mapped GGUF file. Throws FormatError (one sentence naming the file) on bad input.
/// Adds `gguf.version`, `gguf.alignment` and `gguf.data_offset` to the metadata.
RawModel readGguf(std::shared_ptr<const MappedFile> file);

} // namespace llmlab
