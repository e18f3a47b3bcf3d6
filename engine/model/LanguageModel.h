// Running an opened model: the forward pass of the llama, qwen2 and gpt2 families as graphs,
// prompt processing in one batch, then token-by-token decoding with a KV cache.
#pragma once

#include "Backend.h"
#include "formats/ModelFile.h"

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace llmlab {

/// What a run keeps besides the logits (each costs time and memory, so none by default).
struct CaptureOptions {
    bool attention = false; ///< probabilities per layer: [heads, T, context]
    bool residual = false;  ///< residual stream after each block: [T, width]
    bool logitLens = false; ///< final-norm + unembedding of every block's residual: [T, vocab]
    /// The input of every weight matrix, [T, in] by the weight's name (q, k and v share theirs):
    /// what an importance matrix for quantization is measured from.
    bool matmulInputs = false;
    /// Each block's parts, per layer: the heads' outputs before the output projection
    /// [T, heads * headDim], the attention block's output after it (bias included) [T, width],
    /// the MLP's output [T, width], the value vectors [T, kvHeads * headDim] (bias included);
    /// and the embedding [T, width] (what attribution and the contribution graph need).
    bool components = false;
    /// Compiles a hook at every HookPoint: a run then computes x * keep + add there, with
    /// keep = 1 and add = 0 unless setInterventions says otherwise. Changing an intervention
    /// never recompiles.
    bool interventions = false;
    /// With interventions: each run also goes backward through the pass and captures the
    /// gradient of sum(logits * logitGradient) with respect to the value at every hook
    /// (setLogitGradient gives the weights): what attribution patching multiplies by the
    /// difference of two runs' activations. Runs keep every position's logits.
    bool hookGradients = false;
};

/// Where an intervention replaces a value in the forward pass (per layer).
enum class HookPoint : std::uint8_t {
    Residual,       ///< the residual stream after the block [T, width]
    HeadOutput,     ///< the heads' outputs before the output projection [T, heads * headDim]
    MlpHidden,      ///< the MLP's hidden activation before its down projection [T, ffn]
    AttentionProbs, ///< the attention probabilities [heads, T, keys] (keys: hookSize)
    Embedding,      ///< the residual stream before the first block [T, width] (layer 0 only)
};
constexpr std::size_t kHookPoints = 5;
std::string_view hookPointName(HookPoint p);

/// x -> x * keep + add at one hook for the next runs of T tokens: `keep` and `add` hold
/// hookSize(point, T) values — T rows of the hook's width, or for the attention probabilities
/// heads x T x keys (zero keep and a value in add replaces; keep 0 and add 0 ablates; keep s
/// scales).
struct Intervention {
    HookPoint point = HookPoint::Residual;
    int layer = 0;
    std::vector<float> keep, add;
};

/// What the last prefill/decode call captured.
struct ForwardCaptures {
    int tokens = 0;  ///< T of the last call
    int context = 0; ///< key positions each attention row spans (the cache size used)
    std::vector<std::vector<float>> attention; ///< per layer
    std::vector<std::vector<float>> residual;  ///< per layer
    std::vector<std::vector<float>> logitLens; ///< per layer
    /// (weight names, their input [T, in]) per distinct input, when matmulInputs is set.
    std::vector<std::pair<std::vector<std::string>, std::vector<float>>> matmulInputs;
    std::vector<std::vector<float>> headOutputs, attnOutputs, mlpOutputs; ///< per layer (components)
    std::vector<std::vector<float>> values; ///< per layer (components): this run's rows
    std::vector<float> embedding;                                         ///< (components)
    /// Per hook point (indexed by HookPoint) and layer: d(sum(logits * logitGradient))/d(value)
    /// at the hook, [T, hook width] (hookGradients).
    std::array<std::vector<std::vector<float>>, kHookPoints> hookGradients;
};

/// One conversation's state on one backend: the KV cache and the position reached.
class InferenceSession {
public:
    /// `model` must outlive the session. Throws std::runtime_error for an unsupported model
    /// (family, missing tensors) with a readable sentence.
    InferenceSession(std::shared_ptr<const ModelFile> model, Backend& backend, int maxContext = 512,
                     CaptureOptions captures = {});
    ~InferenceSession();

    const ModelSpec& spec() const;
    int position() const { return m_position; }
    int maxContext() const { return m_maxContext; }

    /// Runs `tokens` at the next positions in one batch; returns the logits of every token
    /// [T, vocab]. Throws std::length_error when the context would overflow.
    std::vector<float> prefill(std::span<const std::int32_t> tokens);
    /// As prefill, but returns (and computes) only the last token's logits [vocab]: what
    /// generation needs, without the unembedding of every prompt position.
    std::vector<float> prefillLast(std::span<const std::int32_t> tokens);
    /// One token; returns its logits [vocab].
    std::vector<float> decode(std::int32_t token);
    /// Forgets the conversation (position 0, cache unused).
    void reset() { m_position = 0; }
    /// Goes back to `position` (0 <= position <= position()): the cache keeps the tokens before
    /// it, so a prompt sharing that prefix runs only its own rest. Rows after it are masked
    /// out and overwritten. Throws std::out_of_range for a position ahead of the conversation.
    void rewind(int position);

    const ForwardCaptures& captures() const { return m_captures; }

    /// The canonical names of the weights this session runs with (GPT-2's fused q/k/v already
    /// split into attn_q/attn_k/attn_v), sorted.
    std::vector<std::string> weightNames() const;
    /// Makes the named weights adjustable: every pass compiled from now on holds them as F32
    /// parameters that setWeight rewrites between runs (a landscape, an intervention), while
    /// the rest stays constant and packed. Throws std::invalid_argument for a name the model
    /// lacks.
    void makeAdjustable(const std::vector<std::string>& names);
    /// An adjustable weight's values as the file has them, widened to F32, and its shape.
    std::vector<float> originalWeight(const std::string& name, Shape* shape = nullptr) const;
    /// New values for an adjustable weight (its element count), used by every later run.
    void setWeight(const std::string& name, std::span<const float> values);

    /// Interventions for every later run (compiled with CaptureOptions::interventions; throws
    /// std::logic_error otherwise). A run whose token count does not match an intervention's
    /// rows throws std::invalid_argument. An empty list runs the model untouched.
    void setInterventions(std::vector<Intervention> interventions);
    const std::vector<Intervention>& interventions() const { return m_interventions; }
    /// The weights [T, vocab] of the logits whose gradient a hookGradients session takes on its
    /// next runs (a logit difference: +1 and -1 in the last row). Empty: zero.
    void setLogitGradient(std::vector<float> weights) { m_logitGradient = std::move(weights); }
    /// The width of a hook point's rows (0 for AttentionProbs, which is not row-shaped).
    int hookWidth(HookPoint p) const;
    /// The values an intervention at `p` holds for a run of `tokens` tokens from the current
    /// position (the probabilities span the keys the cache will have then).
    std::size_t hookSize(HookPoint p, int tokens) const;

    struct Impl;

private:
    std::vector<float> run(std::span<const std::int32_t> tokens, bool lastOnly);
    /// Key positions a run of `tokens` from the current position spans.
    int contextFor(int tokens) const;

    std::shared_ptr<const ModelFile> m_model;
    Backend& m_backend;
    int m_maxContext;
    CaptureOptions m_options;
    int m_position = 0;
    ForwardCaptures m_captures;
    std::vector<Intervention> m_interventions;
    std::vector<float> m_logitGradient;
    std::unique_ptr<Impl> m_impl;
};

} // namespace llmlab
