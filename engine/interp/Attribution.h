// Which heads and neurons made this token: direct logit attribution (each head's and MLP's
// share of a logit difference, through the final norm with its scale frozen at the clean run),
// activation patching (clean values patched into a corrupted run, layer by position for the
// residual stream, layer by head for head outputs) and head ablation. Every intervention is an
// input of one compiled graph (InferenceSession hooks), never a recompilation.
#pragma once

#include "Backend.h"
#include "Progress.h"
#include "formats/ModelFile.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmlab {

/// Contributions to logit(target) - logit(versus) at one position; they sum to it.
struct LogitAttribution {
    int position = 0;
    std::int32_t target = 0, versus = 0;
    double logitDiff = 0; ///< from the model's own logits
    double embedding = 0; ///< token (and learned position) embedding
    std::vector<std::vector<double>> heads; ///< [layer][head]
    std::vector<double> attnBias;           ///< [layer]: the output projection's bias
    std::vector<double> mlp;                ///< [layer]
    double normBias = 0;                    ///< the final LayerNorm's shift (0 for RMSNorm)
    /// The residual stream after each block, attributed the same way (embedding + every part
    /// up to that layer): how the difference builds up with depth.
    std::vector<double> residualByLayer;
    double total() const;
};

/// Runs `tokens` once with the components captured. `position` -1: the last.
LogitAttribution directLogitAttribution(std::shared_ptr<const ModelFile> model, Backend& backend,
                                        const std::vector<std::int32_t>& tokens,
                                        std::int32_t target, std::int32_t versus,
                                        int position = -1);

/// Patching the clean run's values into the corrupted run, one site at a time: the fraction
/// of the logit difference recovered, (patched - corrupt) / (clean - corrupt), at the last
/// position.
struct PatchingResult {
    double cleanDiff = 0, corruptDiff = 0;
    std::vector<std::vector<double>> residual; ///< [layer][position]
    std::vector<std::vector<double>> heads;    ///< [layer][head] (every position of the head)
    int runs = 0;                              ///< forward passes made
    double seconds = 0;
};

/// `clean` and `corrupt` must have the same number of tokens (std::invalid_argument if not).
PatchingResult activationPatching(std::shared_ptr<const ModelFile> model, Backend& backend,
                                  const std::vector<std::int32_t>& clean,
                                  const std::vector<std::int32_t>& corrupt, std::int32_t target,
                                  std::int32_t versus, const ProgressFn& progress = {},
                                  const CancelToken* cancel = nullptr);

/// Attribution patching (Nanda 2023; Syed et al. 2023), the fast path of activationPatching:
/// one clean run, and one corrupted run that also goes backward; the effect of patching a site
/// is estimated to first order as grad_corrupt(logit diff) · (clean - corrupt) at that site,
/// and given as the same recovered fraction. Two forward passes and one backward pass in all,
/// whatever the number of sites.
PatchingResult attributionPatching(std::shared_ptr<const ModelFile> model, Backend& backend,
                                   const std::vector<std::int32_t>& clean,
                                   const std::vector<std::int32_t>& corrupt, std::int32_t target,
                                   std::int32_t versus);

/// Pearson's correlation of two grids' cells (0 when either is constant).
double gridCorrelation(const std::vector<std::vector<double>>& a,
                       const std::vector<std::vector<double>>& b);

enum class AblationKind : std::uint8_t { Zero, Mean };

/// Each head ablated in turn (its output set to zero, or to its mean over the prompt's
/// positions): the change of the logit difference and of the mean next-token loss.
struct AblationResult {
    double baseDiff = 0, baseLoss = 0;
    std::vector<std::vector<double>> diffChange; ///< [layer][head]: ablated - base
    std::vector<std::vector<double>> lossChange; ///< [layer][head]
    int runs = 0;
    double seconds = 0;
};

/// Mean ablation takes each head's mean over the prompt's own positions, or with `reference`
/// prompts over every position of those (the "mean over a reference set" of the literature).
AblationResult headAblation(std::shared_ptr<const ModelFile> model, Backend& backend,
                            const std::vector<std::int32_t>& tokens, std::int32_t target,
                            std::int32_t versus, AblationKind kind = AblationKind::Zero,
                            const ProgressFn& progress = {}, const CancelToken* cancel = nullptr,
                            const std::vector<std::vector<std::int32_t>>& reference = {});

/// The model's likeliest next token after `tokens` other than `target`: the candidate a
/// difference is taken against when the user names only one token.
std::int32_t likeliestOther(std::shared_ptr<const ModelFile> model, Backend& backend,
                            const std::vector<std::int32_t>& tokens, std::int32_t target);

/// The one token `text` encodes to (leading-space forms tried as the tokenizer spells them);
/// throws std::invalid_argument naming the pieces when it is several tokens.
std::int32_t singleToken(const class Tokenizer& tokenizer, const std::string& text);

} // namespace llmlab
