// What a landscape evaluates at each point: the loss (and accuracy) of a model whose parameters
// are given as a FlatParams. The model's graph is compiled once; each point writes the
// perturbed weights into its parameter buffers and runs it again.
#pragma once

#include "Backend.h"
#include "FlatParams.h"
#include "train/TrainConfig.h"

#include <memory>
#include <string>
#include <vector>

namespace llmlab {

struct LossPoint {
    double loss = 0;
    double accuracy = 0;
};

class LossEvaluator {
public:
    virtual ~LossEvaluator() = default;
    /// The data sets evaluated, in the order evaluate() returns them ("train", "val").
    virtual std::vector<std::string> splits() const = 0;
    /// One LossPoint per split for the model with parameters `theta`.
    virtual std::vector<LossPoint> evaluate(const FlatParams& theta) = 0;
};

/// Which examples of a grokking task a landscape is computed on.
enum class LandscapeSplit { Train, Validation, Both };
/// "train", "val", "both"; parse returns false for anything else.
std::string splitKey(LandscapeSplit split);
bool parseSplitKey(const std::string& key, LandscapeSplit* split);

/// Mean cross-entropy and accuracy at the "=" position of the toy transformer of `config`, over
/// the task's training and/or validation examples, in one forward pass per point.
class ToyLossEvaluator : public LossEvaluator {
public:
    /// Compiles the forward graph on `backend` (which must outlive the evaluator).
    ToyLossEvaluator(const TrainConfig& config, Backend& backend, LandscapeSplit split);
    ~ToyLossEvaluator() override;
    std::vector<std::string> splits() const override;
    std::vector<LossPoint> evaluate(const FlatParams& theta) override;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace llmlab
