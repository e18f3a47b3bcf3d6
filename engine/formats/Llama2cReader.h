// llama2.c checkpoints: legacy (v0, a 7-int32 header) and v1 ("ak42", a 256-byte header), fp32.
#pragma once

#include "TensorIndex.h"

namespace llmlab {

/// True when the file starts like a llama2.c checkpoint: the v1 magic, or a legacy header
/// whose hyper-parameters are plausible and whose size matches the file.
bool looksLikeLlama2c(const MappedFile& file);

/// Indexes a llama2.c checkpoint under canonical (GGUF-style) names. Metadata gets
/// `llama2c.version`, `llama2c.dim`, `.hidden_dim`, `.n_layers`, `.n_heads`, `.n_kv_heads`,
/// `.vocab_size`, `.seq_len`, `.shared_classifier`. The tokenizer path is `tok<vocab>.bin` or
/// `tokenizer.bin` beside the checkpoint, when one exists. Throws FormatError.
RawModel readLlama2c(std::shared_ptr<const MappedFile> file);

} // namespace llmlab
