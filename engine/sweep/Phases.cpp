// Phase classification, slingshot detection and the embedding PCA of a grokking run.
#include "sweep/Phases.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmlab {

namespace {

// Running medians look back this many evaluations: long enough that one spike cannot move the
// baseline, short enough to follow the slow growth of the weight norm.
constexpr int kMedianWindow = 8;
constexpr int kMinHistory = 3; // evaluations needed before a ratio means anything
// A norm spike and a loss spike this many evaluations apart still belong to one slingshot: the
// norm grows over a few evaluations around the loss spike, not at exactly the same one.
constexpr int kCoincidence = 3;

// The first step with value(row) >= threshold, -1 when there is none (rows in any order).
template <typename F>
std::int64_t firstStepReaching(const std::vector<TrainMetrics>& rows, double threshold, F value) {
    std::int64_t first = -1;
    for (const TrainMetrics& r : rows)
        if (value(r) >= threshold && (first < 0 || r.step < first)) first = r.step;
    return first;
}

// values[k] / median(values[k - window .. k - 1]); NaN without enough finite history.
std::vector<double> ratioToRunningMedian(const std::vector<double>& values) {
    std::vector<double> out(values.size(), NAN), window;
    for (std::size_t k = 0; k < values.size(); ++k) {
        window.clear();
        for (std::size_t j = k > kMedianWindow ? k - kMedianWindow : 0; j < k; ++j)
            if (std::isfinite(values[j])) window.push_back(values[j]);
        if (int(window.size()) < kMinHistory || !std::isfinite(values[k])) continue;
        const std::size_t mid = window.size() / 2;
        std::nth_element(window.begin(), window.begin() + std::ptrdiff_t(mid), window.end());
        double median = window[mid];
        if (window.size() % 2 == 0) {
            median = 0.5 * (median + *std::max_element(window.begin(),
                                                       window.begin() + std::ptrdiff_t(mid)));
        }
        if (median > 0) out[k] = values[k] / median;
    }
    return out;
}

} // namespace

const char* phaseName(GrokPhase phase) {
    switch (phase) {
    case GrokPhase::Comprehension:
        return "comprehension";
    case GrokPhase::Grokking:
        return "grokking";
    case GrokPhase::Memorisation:
        return "memorisation";
    case GrokPhase::Confusion:
        return "confusion";
    }
    return "unknown";
}

PhaseResult classifyPhase(const std::vector<TrainMetrics>& rows, const PhaseThresholds& t) {
    PhaseResult out;
    char buf[320];
    const double pct = t.accuracy * 100;
    if (rows.empty()) {
        out.reason = "No evaluations yet, so the run counts as confusion.";
        return out;
    }
    out.trainStep = firstStepReaching(rows, t.accuracy, [](auto& r) { return r.trainAcc; });
    out.valStep = firstStepReaching(rows, t.accuracy, [](auto& r) { return r.valAcc; });
    double bestTrain = 0, bestVal = 0;
    std::int64_t lastStep = rows.front().step;
    for (const TrainMetrics& r : rows) {
        bestTrain = std::max(bestTrain, r.trainAcc);
        bestVal = std::max(bestVal, r.valAcc);
        lastStep = std::max(lastStep, r.step);
    }
    if (out.trainStep < 0) {
        out.phase = GrokPhase::Confusion;
        std::snprintf(buf, sizeof buf,
                      "Training accuracy never reached %.4g%% in %lld steps (best %.4g%%).", pct,
                      (long long)lastStep, bestTrain * 100);
    } else if (out.valStep < 0) {
        out.phase = GrokPhase::Memorisation;
        std::snprintf(buf, sizeof buf,
                      "Training accuracy reached %.4g%% at step %lld, validation never did in %lld "
                      "steps (best %.4g%%).",
                      pct, (long long)out.trainStep, (long long)lastStep, bestVal * 100);
    } else {
        const double limit = t.delayRatio * double(out.trainStep) + t.delaySteps;
        const bool late = double(out.valStep) > limit;
        out.phase = late ? GrokPhase::Grokking : GrokPhase::Comprehension;
        std::snprintf(buf, sizeof buf,
                      "Training accuracy reached %.4g%% at step %lld and validation at step %lld, "
                      "%s the grokking limit %.4g x %lld + %.4g = %.4g.",
                      pct, (long long)out.trainStep, (long long)out.valStep,
                      late ? "past" : "within", t.delayRatio, (long long)out.trainStep,
                      t.delaySteps, limit);
    }
    out.reason = buf;
    return out;
}

std::vector<SlingshotEvent> detectSlingshots(const std::vector<TrainMetrics>& rows, double normJump,
                                             double lossJump) {
    std::vector<double> norm(rows.size(), NAN), loss(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        loss[k] = rows[k].trainLoss;
        for (const auto& [name, value] : rows[k].componentNorms)
            if (name == "unembed") norm[k] = value;
    }
    const std::vector<double> normRatio = ratioToRunningMedian(norm);
    const std::vector<double> lossRatio = ratioToRunningMedian(loss);
    // A loss ratio of lossJump (10x) over its running median can only happen once the loss was
    // low: that is the "after it was low" of the paper, without a threshold of its own.
    const auto lossSpike = [&](std::size_t k) { return lossRatio[k] >= lossJump; };
    std::vector<SlingshotEvent> events;
    const int n = int(rows.size());
    for (int k = 0; k < n; ++k) {
        if (!lossSpike(std::size_t(k)) || (k > 0 && lossSpike(std::size_t(k - 1))))
            continue; // not the first evaluation of a loss spike
        double bestNorm = 0;
        for (int j = std::max(0, k - kCoincidence); j <= std::min(n - 1, k + kCoincidence); ++j)
            if (normRatio[std::size_t(j)] > bestNorm) bestNorm = normRatio[std::size_t(j)];
        if (bestNorm >= normJump)
            events.push_back({rows[std::size_t(k)].step, bestNorm, lossRatio[std::size_t(k)]});
    }
    return events;
}

EmbeddingPca embeddingPca(const ToyParams& params, int operands) {
    EmbeddingPca out;
    const auto values = params.values.find("token_embd.weight");
    const auto shape = params.shapes.find("token_embd.weight");
    if (values == params.values.end() || shape == params.shapes.end()) {
        out.error = "embedding PCA: the model has no token_embd.weight";
        return out;
    }
    const Shape& s = shape->second;
    if (s.rank() != 2 || s.dim(1) < 2 || std::int64_t(values->second.size()) != s.numel()) {
        out.error = "embedding PCA: token_embd.weight is not a [vocab, d_model >= 2] matrix";
        return out;
    }
    if (operands < 3 || operands > s.dim(0)) {
        out.error = "embedding PCA: " + std::to_string(operands) + " operand tokens asked for, " +
                    "the embedding has " + std::to_string(s.dim(0)) + " rows (need 3 or more)";
        return out;
    }
    const Eigen::Index d = s.dim(1);
    Eigen::MatrixXd e(operands, d); // [operands, d_model], centred below
    for (Eigen::Index i = 0; i < operands; ++i)
        for (Eigen::Index j = 0; j < d; ++j) e(i, j) = values->second[std::size_t(i * d + j)];
    e.rowwise() -= e.colwise().mean();
    const Eigen::MatrixXd cov = e.transpose() * e / double(operands); // [d, d]
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    const double total = cov.trace();
    out.x.resize(std::size_t(operands));
    out.y.resize(std::size_t(operands));
    for (int c = 0; c < 2; ++c) {
        Eigen::VectorXd v = eig.eigenvectors().col(d - 1 - c); // eigenvalues ascend
        Eigen::Index big = 0;
        v.cwiseAbs().maxCoeff(&big);
        if (v(big) < 0) v = -v;
        out.explained[c] = total > 0 ? std::max(0.0, eig.eigenvalues()(d - 1 - c)) / total : 0.0;
        const Eigen::VectorXd proj = e * v; // [operands]
        std::vector<float>& dst = c == 0 ? out.x : out.y;
        for (int i = 0; i < operands; ++i) dst[std::size_t(i)] = float(proj(i));
    }
    return out;
}

} // namespace llmlab
