// Model-wise double descent with random ReLU features (Belkin et al. 2019; Mei & Montanari
// 2019): phi(x) = ReLU(W x) / sqrt(P), output weights by minimum-norm least squares or ridge.
#include "sweep/DoubleDescent.h"

#include "train/Normal.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>

namespace llmlab {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// splitmix64: independent streams (teacher, each repeat) from one user seed.
std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

MatrixXd gaussian(Normal& normal, Index rows, Index cols, double scale) {
    MatrixXd m(rows, cols);
    for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < cols; ++j) m(i, j) = scale * double(normal());
    return m;
}

// The teacher: a random linear map plus a tanh of another direction, so that a linear model in
// x is not enough and the features have something to learn. Both terms have variance ~1 for
// x ~ N(0, I/d), since the directions are N(0, I).
struct Teacher {
    VectorXd linear, bend;
    VectorXd operator()(const MatrixXd& x) const { // x: [n, d] -> [n]
        return x * linear + (2.0 * (x * bend).array()).tanh().matrix();
    }
};

// Output weights [P] for features phi [n, P] and labels y [n].
VectorXd solveWeights(const MatrixXd& phi, const VectorXd& y, double ridge) {
    const Index n = phi.rows(), p = phi.cols();
    if (ridge == 0) {
        // Minimum-norm least squares: the pseudo-inverse through a complete orthogonal
        // decomposition (rank-revealing QR), which stays accurate at P = n where the normal
        // equations would square an already huge condition number.
        return Eigen::CompleteOrthogonalDecomposition<MatrixXd>(phi).solve(y);
    }
    const double shift = ridge * double(n);
    if (p <= n) { // primal: (phi^T phi + lambda n I) theta = phi^T y, a P x P system
        MatrixXd a = phi.transpose() * phi;
        a.diagonal().array() += shift;
        return a.llt().solve(phi.transpose() * y);
    }
    // dual: theta = phi^T (phi phi^T + lambda n I)^-1 y, an n x n system when P > n
    MatrixXd k = phi * phi.transpose();
    k.diagonal().array() += shift;
    return phi.transpose() * k.llt().solve(y);
}

} // namespace

std::vector<int> defaultFeatureCounts(int samples) {
    std::vector<int> out;
    for (int k = -10; k <= 10; ++k) {
        const int p = std::max(1, int(std::lround(samples * std::pow(10.0, k / 10.0))));
        if (out.empty() || p != out.back()) out.push_back(p);
    }
    return out;
}

std::string checkRandomFeaturesConfig(const RandomFeaturesConfig& c) {
    if (c.samples < 2) return "random features: at least 2 training samples are needed";
    if (c.testSamples < 1) return "random features: at least 1 test sample is needed";
    if (c.inputDim < 1) return "random features: the input dimension must be at least 1";
    if (!(c.noise >= 0) || !std::isfinite(c.noise))
        return "random features: the label noise must be a number >= 0";
    if (c.repeats < 1) return "random features: at least 1 repeat is needed";
    if (c.ridges.empty()) return "random features: no ridge values given";
    for (double r : c.ridges)
        if (!(r >= 0) || !std::isfinite(r))
            return "random features: ridge " + std::to_string(r) + " is not a number >= 0";
    for (int p : c.featureCounts)
        if (p < 1 || p > 100000)
            return "random features: feature count " + std::to_string(p) + " is outside 1..100000";
    return {};
}

std::vector<RandomFeaturesPoint> randomFeaturesCurve(const RandomFeaturesConfig& config,
                                                     const std::atomic<bool>* cancel) {
    if (!checkRandomFeaturesConfig(config).empty()) return {};
    const std::vector<int> counts =
        config.featureCounts.empty() ? defaultFeatureCounts(config.samples) : config.featureCounts;
    const Index n = config.samples, d = config.inputDim;
    const Index maxP = *std::max_element(counts.begin(), counts.end());
    const double xScale = 1.0 / std::sqrt(double(d));

    Normal teacherNormal(streamSeed(config.seed, 0));
    Teacher teacher{gaussian(teacherNormal, d, 1, 1.0), gaussian(teacherNormal, d, 1, 1.0)};
    const MatrixXd xTest = gaussian(teacherNormal, config.testSamples, d, xScale); // [nt, d]
    const VectorXd yTest = teacher(xTest);

    // Each repeat draws its own W [maxP, d] and training set; a feature count P uses the first
    // P rows of W, so the curve over P changes one thing at a time and comes out smooth.
    struct Draw {
        MatrixXd w, x;
        VectorXd y;
    };
    std::vector<Draw> draws;
    for (int r = 0; r < config.repeats; ++r) {
        Normal normal(streamSeed(config.seed, std::uint64_t(r) + 1));
        Draw dr;
        dr.w = gaussian(normal, maxP, d, 1.0);
        dr.x = gaussian(normal, n, d, xScale);
        dr.y = teacher(dr.x) + gaussian(normal, n, 1, config.noise);
        draws.push_back(std::move(dr));
    }

    const std::size_t nRidges = config.ridges.size();
    std::vector<std::vector<RandomFeaturesPoint>> table(nRidges); // [ridge][feature count]
    for (std::size_t pi = 0; pi < counts.size(); ++pi) {
        if (cancel && cancel->load()) break;
        const Index p = counts[pi];
        const double featureScale = 1.0 / std::sqrt(double(p));
        std::vector<RandomFeaturesPoint> acc(nRidges);
        for (const Draw& dr : draws) {
            const auto wp = dr.w.topRows(p);                                           // [P, d]
            const MatrixXd phi = (dr.x * wp.transpose()).cwiseMax(0.0) * featureScale; // [n, P]
            const MatrixXd phiTest = (xTest * wp.transpose()).cwiseMax(0.0) * featureScale;
            for (std::size_t ri = 0; ri < nRidges; ++ri) {
                const VectorXd theta = solveWeights(phi, dr.y, config.ridges[ri]);
                acc[ri].trainError += (phi * theta - dr.y).squaredNorm() / double(n);
                acc[ri].testError += (phiTest * theta - yTest).squaredNorm() / double(xTest.rows());
                acc[ri].weightNorm += theta.norm();
            }
        }
        const double reps = double(config.repeats);
        for (std::size_t ri = 0; ri < nRidges; ++ri) {
            RandomFeaturesPoint pt = acc[ri];
            pt.features = counts[pi];
            pt.ridge = config.ridges[ri];
            pt.trainError /= reps;
            pt.testError /= reps;
            pt.weightNorm /= reps;
            table[ri].push_back(pt);
        }
    }
    std::vector<RandomFeaturesPoint> out;
    for (const auto& row : table) out.insert(out.end(), row.begin(), row.end());
    return out;
}

int doubleDescentPeak(const std::vector<RandomFeaturesPoint>& curve, double ridge) {
    int best = -1;
    double worst = -INFINITY;
    for (const RandomFeaturesPoint& p : curve) {
        if (std::abs(p.ridge - ridge) > 1e-12 * std::max(1.0, std::abs(ridge))) continue;
        if (p.testError > worst) {
            worst = p.testError;
            best = p.features;
        }
    }
    return best;
}

EpochwiseDescent epochwiseDoubleDescent(const std::vector<double>& loss, double minRise) {
    // Hysteresis, as a peak detector on a noisy signal uses: a rise counts only once it clears
    // the running minimum by a factor (1 + minRise), the descent after the peak only once it
    // falls below the peak by the same factor. Relative to |value| so a negative loss works too.
    const double up = 1 + std::max(0.0, minRise);
    const auto rose = [up](double from, double to) {
        return to > from && to - from >= (up - 1) * std::abs(from);
    };
    const auto fell = [up](double from, double to) {
        return to < from && from - to >= (1 - 1 / up) * std::abs(from);
    };
    const int n = int(loss.size());
    const auto at = [&loss](int i) { return loss[std::size_t(i)]; };
    int minIdx = -1, peakIdx = -1;
    for (int i = 0; i < n; ++i) {
        if (!std::isfinite(at(i))) continue; // a diverged evaluation says nothing about shape
        if (peakIdx < 0) {
            if (minIdx < 0 || at(i) < at(minIdx)) {
                minIdx = i;
            } else if (rose(at(minIdx), at(i))) {
                peakIdx = i;
            }
        } else if (at(i) > at(peakIdx)) {
            peakIdx = i;
        } else if (fell(at(peakIdx), at(i))) {
            // The second descent is real: its minimum is the lowest point from here on.
            int second = i;
            for (int j = i + 1; j < n; ++j)
                if (std::isfinite(at(j)) && at(j) < at(second)) second = j;
            return {minIdx, peakIdx, second};
        }
    }
    return {};
}

} // namespace llmlab
