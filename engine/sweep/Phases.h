// Reading a grokking run (issue #11): which phase it ended in (Liu et al. 2022's comprehension,
// grokking, memorisation, confusion), the slingshots of its last layer (Thilak et al. 2022), and
// a 2-D PCA of its token embeddings, where a learned modular structure shows up as a ring.
#pragma once

#include "train/ToyModel.h"
#include "train/Trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

/// The phases of Liu et al. 2022 ("Towards understanding grokking").
enum class GrokPhase : std::uint8_t { Comprehension, Grokking, Memorisation, Confusion };

/// "comprehension", "grokking", "memorisation" or "confusion".
const char* phaseName(GrokPhase phase);

/// What "reached" means and how late validation must be to count as grokking.
struct PhaseThresholds {
    double accuracy = 0.99; ///< "reached": accuracy >= this
    /// grokking when valStep > delayRatio * trainStep + delaySteps; else comprehension
    double delayRatio = 2.0;
    double delaySteps = 0;
};

/// The phase of one run and the steps it was decided on.
struct PhaseResult {
    GrokPhase phase = GrokPhase::Confusion;
    std::int64_t trainStep = -1, valStep = -1; ///< first steps at >= threshold (-1: never)
    std::string reason;                        ///< one sentence for a tooltip, with the numbers
};

/// comprehension: validation follows training closely; grokking: validation >= threshold long
/// after training did; memorisation: training >= threshold, validation never; confusion:
/// training never.
PhaseResult classifyPhase(const std::vector<TrainMetrics>& rows, const PhaseThresholds& t = {});

/// One slingshot: a jump of the last layer's norm together with a jump of the training loss.
struct SlingshotEvent {
    std::int64_t step = 0; ///< the evaluation where the training loss jumped
    double normRatio = 0;  ///< last-layer norm relative to its running median (largest nearby)
    double lossRatio = 0;  ///< training loss relative to its running median
};

/// Thilak et al. 2022: spikes of the last layer's weight norm (component "unembed") that
/// coincide (within 3 evaluations) with spikes of the training loss after it was low.
std::vector<SlingshotEvent> detectSlingshots(const std::vector<TrainMetrics>& rows,
                                             double normJump = 1.15, double lossJump = 10.0);

/// Token embeddings projected on their first two principal components.
struct EmbeddingPca {
    std::vector<float> x, y;      ///< one point per operand token (the "=" row excluded)
    double explained[2] = {0, 0}; ///< fraction of variance
    std::string error;            ///< empty on success
};

/// 2-D PCA of the token embedding rows 0..operands-1 (centred). Each component's sign makes its
/// largest-magnitude entry positive, so frames across checkpoints do not flip.
EmbeddingPca embeddingPca(const ToyParams& params, int operands);

} // namespace llmlab
