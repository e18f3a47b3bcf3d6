// Double descent (issue #11): model-wise, with random ReLU features fitted to a noisy teacher
// (the test error peaks where the feature count equals the training samples and falls again
// beyond it), and epoch-wise, read from a validation-loss curve.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

/// A random-features experiment: teacher, data sizes, the grid of feature counts and ridges.
struct RandomFeaturesConfig {
    int samples = 100;      ///< training points n
    int testSamples = 1000; ///< test points (labels without noise)
    int inputDim = 16;      ///< d
    double noise = 0.2;     ///< standard deviation of the training labels' noise
    /// empty: defaultFeatureCounts(samples), a log-ish grid from samples/10 to 10*samples
    std::vector<int> featureCounts;
    std::vector<double> ridges = {0.0}; ///< lambda; 0 is the minimum-norm interpolator
    int repeats = 5;                    ///< independent draws of features and training set
    std::uint64_t seed = 1;
};

/// One (ridge, feature count) of the curve, averaged over the repeats.
struct RandomFeaturesPoint {
    int features = 0;
    double ridge = 0;
    double trainError = 0, testError = 0; ///< mean squared error
    double weightNorm = 0;                ///< L2 norm of the output weights
};

/// 21 feature counts samples * 10^(k/10), k = -10..10, rounded and deduplicated (includes
/// samples itself).
std::vector<int> defaultFeatureCounts(int samples);

/// A sentence saying what is wrong with `config`, or "" when it can be run.
std::string checkRandomFeaturesConfig(const RandomFeaturesConfig& config);

/// One point per (ridge, feature count), ridge-major, each in the config's order. `cancel` may
/// be null; when set, stops before the next feature count and returns the counts done for every
/// ridge. Empty for a config checkRandomFeaturesConfig refuses.
std::vector<RandomFeaturesPoint> randomFeaturesCurve(const RandomFeaturesConfig& config,
                                                     const std::atomic<bool>* cancel = nullptr);

/// The feature count with the largest test error for `ridge` (the peak), or -1.
int doubleDescentPeak(const std::vector<RandomFeaturesPoint>& curve, double ridge);

/// Indices into a validation-loss curve; all -1 when it has no double-descent shape.
struct EpochwiseDescent {
    int firstMin = -1, peak = -1, secondMin = -1;
    /// True when all three indices were found.
    bool found() const { return firstMin >= 0 && peak >= 0 && secondMin >= 0; }
};

/// Epoch-wise double descent read from a validation-loss curve (steps ascending): a first
/// minimum, the maximum after it (at least (1 + minRise) times the minimum) and the lowest point
/// after that (at most peak / (1 + minRise)), so noise below minRise does not count.
EpochwiseDescent epochwiseDoubleDescent(const std::vector<double>& loss, double minRise = 0.05);

} // namespace llmlab
