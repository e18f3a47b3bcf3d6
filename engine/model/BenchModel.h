// Random-weight llama-architecture GGUF files at the shapes of real models, for measuring
// llmlab against other engines on identical files without shipping (or downloading) weights.
#pragma once

#include "DType.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

struct BenchShape {
    std::string name;
    std::int64_t dim = 0, layers = 0, heads = 0, kvHeads = 0, ffn = 0, vocab = 0, context = 0;
    /// Parameters of the model (norms included).
    std::int64_t parameters() const;
};

/// The shapes benchmarks use: "stories110m" (768 wide, 12 layers, 12 heads, FFN 2048,
/// vocab 32000) and "tinyllama" (2048, 22 layers, 32 heads, 4 KV heads, FFN 5632, vocab 32000).
std::vector<BenchShape> benchShapes();
/// The shape called `name`, or false.
bool benchShape(const std::string& name, BenchShape* out);

/// Writes a GGUF of `shape` with uniform random weights (std 0.02, from `seed`) and unit norm
/// weights, matrices stored as `type` (F32, F16, BF16, or a type quantizeBlocks() writes), and
/// the `tokenizer.*` metadata of `vocabGguf` (a llama SentencePiece vocab of shape.vocab tokens,
/// e.g. llama.cpp's ggml-vocab-llama-spm.gguf) so any GGUF reader can tokenize with it.
/// False with `error` set on failure.
bool writeBenchModel(const BenchShape& shape, DType type, const std::string& vocabGguf,
                     const std::string& path, std::uint64_t seed, std::string* error);

} // namespace llmlab
