// Writing a model as a quantized GGUF: llama.cpp's file types (Q4_K_M, Q8_0, ...), the type each
// tensor gets under them (the mixture rules), an importance matrix measured by our own engine on
// a calibration text, and the file written from any opened model (GGUF, llama.2c, Hugging Face
// llama/qwen2 folders, toy models).
#pragma once

#include "Backend.h"
#include "DType.h"
#include "Progress.h"
#include "Shape.h"
#include "formats/ModelFile.h"

#include <map>
#include <string>
#include <vector>

namespace llmlab {

/// One of llama.cpp's file types: a base weight type and, for the K types, a size (S, M, L)
/// that says which tensors get more bits.
struct QuantScheme {
    std::string name;      ///< "Q4_K_M"
    DType base = DType::F32;
    char size = 0;         ///< 'S', 'M', 'L', or 0
    int fileType = 0;      ///< llama_ftype, written as general.file_type
};

/// Every scheme quantizeModel writes, by name, smallest first.
std::vector<std::string> quantSchemeNames();
/// Parses a name (case-insensitive; "Q4_K" means Q4_K_M, as llama-quantize has it). Throws
/// std::invalid_argument naming the valid ones.
QuantScheme quantScheme(const std::string& name);

/// The type `name` gets under `scheme` (after llama.cpp's llama_tensor_get_type): 1-D tensors
/// stay F32; the output matrix (or the embedding, when it doubles as output) Q6_K under the
/// quantized schemes but Q8_0; attn_v / ffn_down / attn_output more bits in the layers that
/// matter most under the _M and _L sizes; a type whose block does not divide the rows falls
/// back to the nearest one that does (F16 when none). `pure`: every matrix the base type.
/// `gqa`: query heads per KV head. Checked against llama.cpp 3.21.1's own choices on the
/// fixtures (scripts/bench/quantize_llamacpp.py, docs/QUANTIZATION.md).
DType tensorQuantType(const QuantScheme& scheme, bool pure, const std::string& name,
                      const Shape& shape, int layers, bool hasOutput, int gqa = 1);

/// Mean squared activation of each input column of each weight matrix, by weight name.
struct ImportanceMatrix {
    std::map<std::string, std::vector<float>> columns;
    int tokens = 0; ///< tokens of calibration text it was measured on
    /// The importance for weight `name` with `cols` columns, or null (fused attn_qkv takes
    /// attn_q's).
    const std::vector<float>* find(const std::string& name, std::int64_t cols) const;
};

/// Runs `model` over `text` in chunks of `chunk` tokens on `backend` and averages the square
/// of every matmul input (the imatrix idea). Cancellable between chunks.
ImportanceMatrix computeImportance(std::shared_ptr<const ModelFile> model, Backend& backend,
                                   const std::string& text, int chunk = 256, int maxTokens = 8192,
                                   const ProgressFn& progress = {},
                                   const CancelToken* cancel = nullptr);

struct QuantizeOptions {
    std::string scheme = "Q4_K_M";
    bool pure = false;
    const ImportanceMatrix* importance = nullptr;
    int threads = 0; ///< 0: every core
    /// A tokenizer file (tokenizer.json, a llama2.c tokenizer, a GGUF) for a model that has
    /// none of its own; empty: the model's.
    std::string tokenizerPath;
    /// Tensors written with these values instead of the file's (canonical names, [out, in] as
    /// ModelFile::outInFloats gives them): a fine-tuned or adapter-merged model. A name the file
    /// lacks is refused (std::invalid_argument).
    const std::map<std::string, std::vector<float>>* replacements = nullptr;
};

/// What quantizeModel did to one tensor.
struct QuantizedTensor {
    std::string name;
    DType from = DType::F32, to = DType::F32;
    Shape shape;
    std::uint64_t bytes = 0;
    double rmse = 0, maxError = 0, rms = 0; ///< against the source, as read in F32
};

struct QuantizeReport {
    QuantScheme scheme;
    std::vector<QuantizedTensor> tensors;
    std::uint64_t bytesIn = 0, bytesOut = 0;
    double seconds = 0;
    bool usedImportance = false;
};

/// Writes `model` to `outPath` as a GGUF under `options`; the file appears (renamed from a
/// temporary beside it) only when complete, so a cancel or a failure leaves nothing half
/// written. Throws std::runtime_error with one sentence naming the file on failure, Cancelled
/// when cancelled.
QuantizeReport quantizeModel(const ModelFile& model, const std::string& outPath,
                             const QuantizeOptions& options, const ProgressFn& progress = {},
                             const CancelToken* cancel = nullptr);

/// A readable table of the report (a line per tensor type, totals, time).
std::string quantizeReportText(const QuantizeReport& report);

} // namespace llmlab
