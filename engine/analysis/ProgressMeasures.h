// Nanda et al. 2023's progress measures for a toy model grokking modular addition: the model
// comes to compute the answer from a few "key" Fourier frequencies of a+b, and these measures
// watch that circuit form before the validation accuracy shows it.
//   - restricted loss: the logits keep only their components along cos/sin(w_k (a+b)) of the
//     key frequencies (plus each output's mean), over every pair; it falls when the circuit
//     alone is enough to answer;
//   - excluded loss: those components removed, on the training pairs; it rises while the
//     circuit takes over from memorisation;
//   - the Gini coefficient of the embedding's per-frequency Fourier norms: the embedding
//     becoming sparse in frequency.
#pragma once

#include "train/Tasks.h"

#include <limits>
#include <span>
#include <vector>

namespace llmlab {

/// |DFT|² of the embedding rows of operands 0..p-1 (`rows` is [p, d] row-major, or more rows,
/// of which the first p are read) at frequencies 1..(p-1)/2, summed over the d dimensions and
/// normalised to sum 1.
std::vector<double> fourierSpectrum(std::span<const float> rows, int p, int d);

/// The key frequencies (1-based) read off a spectrum of shares: those holding at least three
/// times a uniform share, strongest first, at most eight; the strongest alone when none does.
std::vector<int> keyFrequencies(const std::vector<double>& shares);

/// Gini coefficient of non-negative values: 0 when all are equal, towards 1 when one holds
/// everything. NaN for an empty or all-zero input.
double giniCoefficient(std::span<const double> values);

struct ProgressMeasures {
    static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    std::vector<int> keyFrequencies;
    double restrictedLoss = kNaN; ///< over every pair
    double excludedLoss = kNaN;   ///< over the training pairs
    double gini = kNaN;           ///< of sqrt(spectrum)
    bool valid() const { return !keyFrequencies.empty(); }
};

/// The measures from the logits at "=" of every example, `logits` [examples.size(), vocab]
/// row-major, the first `trainCount` examples being the training set, and the embedding
/// spectrum (fourierSpectrum). Defined for a+b and a-b mod p when the examples cover all p²
/// pairs; otherwise an invalid (empty) result.
ProgressMeasures progressMeasures(TaskKind task, int p, std::span<const float> logits, int vocab,
                                  std::span<const Example> examples, std::size_t trainCount,
                                  const std::vector<double>& spectrum);

} // namespace llmlab
