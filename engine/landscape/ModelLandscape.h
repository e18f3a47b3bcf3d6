// The loss landscape of an opened language model around its own weights: directions restricted
// to chosen tensors (one layer's MLP, one block's attention, ...), next-token loss on a text.
// Only the chosen tensors become adjustable parameters of the compiled forward pass; the rest
// stay constant and packed in their file's type.
#pragma once

#include "LossEvaluator.h"
#include "RunLandscape.h"
#include "formats/ModelFile.h"

#include <memory>
#include <string>
#include <vector>

namespace llmlab {

class InferenceSession;

/// Mean next-token cross-entropy (and top-1 accuracy) of `tokens` under the model, with the
/// chosen weights set from each point.
class TextLossEvaluator : public LossEvaluator {
public:
    /// `tensorPattern` (a regex over canonical names) picks the weights that move; throws
    /// std::invalid_argument naming the model for one that picks none, or fewer than 2 tokens.
    TextLossEvaluator(std::shared_ptr<const ModelFile> model, Backend& backend,
                      std::vector<std::int32_t> tokens, const std::string& tensorPattern);
    ~TextLossEvaluator() override;
    std::vector<std::string> splits() const override { return {"text"}; }
    std::vector<LossPoint> evaluate(const FlatParams& theta) override;
    /// The chosen weights as the file has them: the landscape's centre.
    const FlatParams& centre() const { return m_centre; }

private:
    std::unique_ptr<InferenceSession> m_session;
    std::vector<std::int32_t> m_tokens;
    FlatParams m_centre;
};

struct ModelLandscapeSpec {
    RandomDirectionOptions random; ///< tensorPattern: the weights that move (required)
    int grid = 21;
    double range = 1.0;
    int maxTokens = 128; ///< the text is cut to this many tokens
};

/// Tokens of `text` for `model` (BOS first where its tokenizer has one), at most `maxTokens`.
std::vector<std::int32_t> landscapeTokens(const ModelFile& model, const std::string& text,
                                          int maxTokens);

struct ModelLandscapeOptions {
    GridSlice slice;
    std::string csvPath; ///< appended as it goes and resumed from, when set
    ProgressFn progress;
    const CancelToken* cancel = nullptr;
    /// Called once the first pass (at the centre) is timed, with the estimated seconds for the
    /// whole grid, before the grid starts.
    std::function<void(std::int64_t passes, double secondsPerPass)> onEstimate;
};

/// The landscape of `model` on `text` along two random filter-normalised directions over the
/// chosen tensors. The result's runDir is the model's path and its path is empty (a model
/// file has no trajectory).
RunLandscape computeModelLandscape(std::shared_ptr<const ModelFile> model, const std::string& text,
                                   const ModelLandscapeSpec& spec, Backend& backend,
                                   const ModelLandscapeOptions& options);

} // namespace llmlab
