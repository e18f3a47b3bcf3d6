// The architecture of an opened model: what the forward pass and the layer browser need.
#pragma once

#include "DType.h"
#include "Graph.h" // RopeLayout

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmlab {

struct RawModel;

enum class ModelFamily : std::uint8_t { Unknown, Llama, Qwen2, Gpt2, Toy };
enum class NormKind : std::uint8_t { RmsNorm, LayerNorm, None };
enum class Activation : std::uint8_t { SwiGlu, Gelu, GeluTanh, Relu };
enum class PositionKind : std::uint8_t { None, Rope, Learned, Sinusoidal };

std::string_view familyName(ModelFamily f);
std::string_view normKindName(NormKind n);
std::string_view activationName(Activation a);
std::string_view positionKindName(PositionKind p);

struct ModelSpec {
    ModelFamily family = ModelFamily::Unknown;
    std::string architecture; ///< as the file names it ("llama", "LlamaForCausalLM", "gpt2")
    int layers = 0;
    int width = 0; ///< hidden size (embedding length)
    int heads = 0;
    int kvHeads = 0;
    int headDim = 0;
    int ffnWidth = 0;
    int vocab = 0;
    int context = 0; ///< maximum sequence length the file declares
    NormKind norm = NormKind::RmsNorm;
    float normEps = 1e-5f;
    Activation activation = Activation::SwiGlu;
    PositionKind positions = PositionKind::Rope;
    float ropeTheta = 10000.0f;
    /// How q/k rows pair up for RoPE in this file: GGUF llama and llama2.c interleave pairs;
    /// Hugging Face checkpoints and GGUF qwen2 (llama.cpp's NEOX rope) rotate halves.
    RopeLayout ropeLayout = RopeLayout::Interleaved;
    int ropeDims = 0; ///< leading dims of each head that are rotated (0 = all)
    bool qkvBias = false;
    bool tiedEmbeddings = false; ///< no separate output matrix: logits use token_embd
    /// GPT-2 Hugging Face Conv1D matrices are stored [in, out] (TensorInfo::transposed).
    bool transposedLinear = false;

    std::int64_t totalParams = 0;             ///< every tensor in the index
    std::vector<std::int64_t> paramsPerLayer; ///< blk.N.* sums, N = 0..layers-1
    std::int64_t nonLayerParams = 0;          ///< embeddings, final norm, output
    std::map<DType, std::int64_t> bytesPerDType;
    std::map<DType, std::int64_t> paramsPerDType;

    /// Multi-line human summary for `llmlab-cli inspect`.
    std::string summary() const;
};

/// Maps the source tensor names of `raw` to canonical names (in place) and derives the spec.
/// `formatHint` is "gguf", "hf" or "llama2c". Hyper-parameters a file does not state stay 0.
ModelSpec buildModelSpec(RawModel& raw, const std::string& formatHint);

} // namespace llmlab
