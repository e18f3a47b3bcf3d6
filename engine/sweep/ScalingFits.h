// Scaling-law fits for sweeps (issue #11): a power law with an offset, IsoFLOP profiles and the
// compute-optimal frontier they give (Chinchilla approach 2), and the parametric
// L(N, D) = E + A/N^alpha + B/D^beta fitted with a Huber loss (Chinchilla approach 3).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

/// A closed interval; both ends NaN when it could not be computed.
struct Interval {
    double lo = NAN, hi = NAN;
    /// True when both ends are finite numbers.
    bool finite() const { return std::isfinite(lo) && std::isfinite(hi); }
};

/// y = a * x^(-gamma) + b
struct PowerLawFit {
    double a = 0, gamma = 0, b = 0;
    double rmsLog = 0; ///< root mean square of ln y - ln(prediction)
    bool ok = false;
    std::string error;
    /// a * x^(-gamma) + b.
    double predict(double x) const { return a * std::pow(x, -gamma) + b; }
};

/// Least squares in log space: minimise sum (ln y - ln(a x^-gamma + b))^2 with a > 0, gamma in
/// [0, 10], 0 <= b <= max(y) (not < min(y): noisy losses dip below the floor). withOffset=false
/// fixes b = 0 (a straight line in log-log).
PowerLawFit fitPowerLaw(const std::vector<double>& x, const std::vector<double>& y,
                        bool withOffset = true);

/// 95% percentile bootstrap interval of gamma (resampling points with replacement, deterministic
/// for the seed).
Interval bootstrapGamma(const std::vector<double>& x, const std::vector<double>& y, bool withOffset,
                        int samples = 500, std::uint64_t seed = 1);

/// One finished run of a sweep.
struct ScalingPoint {
    double params = 0;  ///< N
    double tokens = 0;  ///< D
    double compute = 0; ///< C = 6 N D (the caller fills it)
    double loss = 0;
};

/// The runs of one compute budget and the parabola through their losses.
struct IsoFlopProfile {
    double compute = 0;               ///< geometric mean of the members' compute
    std::vector<double> params, loss; ///< members, params ascending
    double c0 = 0, c1 = 0, c2 = 0;    ///< loss = c0 + c1 lnN + c2 lnN^2
    double nOpt = 0, lossOpt = 0;
    /// false: parabola not convex or its minimum outside the sampled range -> argmin of samples
    bool fromParabola = false;
};

/// Groups points whose compute agrees within relTol (relative), sorted by compute; profiles
/// need >= 3 distinct N. Points with a non-positive or non-finite field are skipped.
std::vector<IsoFlopProfile> isoFlopProfiles(const std::vector<ScalingPoint>& points,
                                            double relTol = 0.05);

/// N_opt(C) = nCoef C^nExponent and D_opt(C) = C / (6 N_opt) = dCoef C^dExponent.
struct ComputeOptimalFit {
    double nExponent = 0, nCoef = 0, dExponent = 0, dCoef = 0;
    Interval nExponentCI, dExponentCI; ///< 95% bootstrap intervals
    std::vector<IsoFlopProfile> profiles;
    bool ok = false;
    std::string error;
};

/// N_opt(C) = kN C^aN and D_opt(C) = C/(6 N_opt) = kD C^aD from the IsoFLOP minima (ln-ln linear
/// regression over profiles, needs >= 2 profiles); 95% intervals of aN and aD by bootstrap
/// (resample points within each profile, refit parabolas and the line).
ComputeOptimalFit fitComputeOptimal(const std::vector<ScalingPoint>& points,
                                    int bootstrapSamples = 500, std::uint64_t seed = 1,
                                    double relTol = 0.05);

/// L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022).
struct ChinchillaFit {
    double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
    double objective = 0; ///< sum of Huber losses at the optimum
    bool ok = false;
    std::string error;
    /// E + A / n^alpha + B / d^beta.
    double predict(double n, double d) const;
    /// Compute-optimal N_opt ∝ C^(beta/(alpha+beta)); NaN when alpha + beta <= 0.
    double nOptExponent() const;
    /// Compute-optimal D_opt ∝ C^(alpha/(alpha+beta)); NaN when alpha + beta <= 0.
    double dOptExponent() const;
};

/// Hoffmann et al. 2022 (approach 3): minimises the Huber loss (huberDelta) of
/// LSE(a - alpha ln N, b - beta ln D, e) - ln L from the paper's grid of 4500 starts, the 64 best
/// of them refined by L-BFGS.
ChinchillaFit fitChinchilla(const std::vector<ScalingPoint>& points, double huberDelta = 1e-3);

} // namespace llmlab
