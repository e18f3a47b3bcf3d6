// A quantization ladder side by side: several files of one model against a reference, each
// tensor's error, and what the errors do to the model on a text — KL divergence of the
// next-token distribution per position, top-1 agreement, perplexity, the logit lens's drift
// per layer, file size and decode speed.
#pragma once

#include "DType.h"
#include "Progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

class ModelFile;

/// One tensor of a quantized file against the same tensor of the reference.
struct TensorError {
    std::string name;
    DType type = DType::F32; ///< its type in the quantized file
    int layer = -1;          ///< -1 for embeddings, output and final norm
    std::int64_t elements = 0;
    double rmse = 0, maxError = 0;
    double rms = 0;   ///< of the reference tensor
    double snrDb = 0; ///< 10 log10(rms² / rmse²); +inf for an exact copy
};

/// Every tensor both files hold under one name with one element count, in the reference's
/// order (transposed Hugging Face matrices compared in [out, in] order).
std::vector<TensorError> compareTensors(const ModelFile& reference, const ModelFile& other);

/// KL(P || Q) of the softmaxes of two logit rows, in float64.
double klDivergence(const float* referenceLogits, const float* logits, std::int64_t vocab);

struct QuantCompareOptions {
    int maxTokens = 256;    ///< of the text scored (at most the models' context)
    int chunk = 64;         ///< tokens a pass
    int decodeTokens = 32;  ///< timed greedy decode steps a model (0: not timed)
    bool logitLens = true;  ///< drift per layer
    std::string backend = "cpu";
};

/// One file of the ladder (the reference too, where its KL is zero by construction).
struct QuantModelResult {
    std::string path;
    std::string label;      ///< the file type (general.file_type) or the dominant weight type
    std::uint64_t fileBytes = 0;
    double bitsPerWeight = 0; ///< over the matrices and vectors of the file
    std::vector<TensorError> tensors;
    std::vector<double> klPerPosition; ///< to the reference, one per scored position
    double meanKl = 0, maxKl = 0;
    double top1Agreement = 1; ///< fraction of positions whose argmax is the reference's
    double perplexity = 0;    ///< on the text
    std::vector<double> lensKl;   ///< per layer: mean KL of the logit lens to the reference's
    std::vector<double> lensTop1; ///< per layer: agreement of the lens's argmax
    std::vector<float> lastProbs; ///< next-token distribution after the whole text
    /// On a session capturing nothing: the whole text as one prompt, then greedy decoding.
    double promptTokensPerSecond = 0, decodeTokensPerSecond = 0;
};

/// RMSE of a file's matrices relative to the reference's RMS, weighted by their sizes.
double relativeRmse(const QuantModelResult& m);

struct QuantCompareResult {
    std::vector<std::int32_t> tokens; ///< the text scored
    std::vector<QuantModelResult> models; ///< the reference first
    int layers = 0;
};

/// Runs the reference and every other file over `text` in lockstep (chunk by chunk, so the
/// lens of every layer is never held for the whole text). Throws std::runtime_error naming
/// the file when one cannot be opened or does not match the reference (vocabulary, layers).
QuantCompareResult compareQuantizations(const std::string& referencePath,
                                        const std::vector<std::string>& paths,
                                        const std::string& text, const QuantCompareOptions& options,
                                        const ProgressFn& progress = {},
                                        const CancelToken* cancel = nullptr);

/// A plain-text table (size, bits/weight, RMSE, KL, top-1, perplexity, tokens/s per file).
std::string quantCompareText(const QuantCompareResult& r);
/// The same, every field, as JSON.
std::string quantCompareJson(const QuantCompareResult& r);

} // namespace llmlab
