// Power laws, IsoFLOP profiles and the compute-optimal frontier (Chinchilla approach 2). The
// parametric Chinchilla fit (approach 3) is in ChinchillaFit.cpp.
#include "sweep/ScalingFits.h"

#include "sweep/Lbfgs.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>

namespace llmlab {

namespace {

std::string format(const char* fmt, double a, double b = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, a, b);
    return buf;
}

int distinctCount(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return int(std::unique(v.begin(), v.end()) - v.begin());
}

// The q-quantile of `v` with linear interpolation between order statistics (v is sorted here).
double quantile(std::vector<double>& v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const std::size_t i = std::size_t(pos);
    if (i + 1 >= v.size()) return v.back();
    return v[i] + (pos - double(i)) * (v[i + 1] - v[i]);
}

// The central 95% of bootstrap estimates; NaN when fewer than half the resamples gave one
// (the interval would describe the failures more than the data).
Interval percentileInterval(std::vector<double> estimates, int samples) {
    Interval out;
    if (estimates.empty() || int(estimates.size()) * 2 < samples) return out;
    out.lo = quantile(estimates, 0.025);
    out.hi = quantile(estimates, 0.975);
    return out;
}

// Slope and intercept of the least-squares line y = c + s x.
void fitLine(const std::vector<double>& x, const std::vector<double>& y, double* s, double* c) {
    const double n = double(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    *s = sxx > 0 ? sxy / sxx : 0.0;
    *c = my - *s * mx;
}

// The offset fit works on x / xRef (xRef the geometric mean of x): ln a and gamma are then nearly
// uncorrelated, which the optimiser's curvature estimate likes much better than raw x ~ 1e7.
struct LogData {
    std::vector<double> lx, ly; // ln(x / xRef), ln y
    double lxRef = 0, yMin = 0, yMax = 0;
};

// The upper bound of the offset. Not min(y): with noise the lowest measured loss dips below the
// floor b, and a hard bound at min(y) then biases gamma low (by ~0.1 at 2% noise on the test's
// law, more with more points). Any b is well posed in log space; max(y) only keeps the
// optimiser out of a region where the power-law term would have to be negligible.
double offsetBound(const LogData& d) {
    return d.yMax;
}

// sum (ln y - ln(a' u + b))^2 with u = (x/xRef)^-gamma over theta = (ln a', gamma, b). Bounds
// by projection: the model is evaluated at the clamped theta and a quadratic penalty pulls the
// unclamped value back, so the optimiser sees a continuous function everywhere.
double offsetObjective(const LogData& d, const std::vector<double>& th, std::vector<double>& g) {
    const double gamma = std::clamp(th[1], 0.0, 10.0), b = std::clamp(th[2], 0.0, offsetBound(d));
    const double a = std::exp(th[0]);
    const double kPenalty = 1e3;
    double f = kPenalty * ((th[1] - gamma) * (th[1] - gamma) + (th[2] - b) * (th[2] - b));
    g = {0.0, 2 * kPenalty * (th[1] - gamma), 2 * kPenalty * (th[2] - b)};
    for (std::size_t i = 0; i < d.lx.size(); ++i) {
        const double au = a * std::exp(-gamma * d.lx[i]);
        const double m = au + b;
        const double r = d.ly[i] - std::log(m);
        f += r * r;
        g[0] -= 2 * r * au / m;
        if (th[1] == gamma) g[1] += 2 * r * au * d.lx[i] / m;
        if (th[2] == b) g[2] -= 2 * r / m;
    }
    return f;
}

std::string checkPowerLawInput(const std::vector<double>& x, const std::vector<double>& y,
                               bool withOffset) {
    const int need = withOffset ? 3 : 2;
    if (x.size() != y.size())
        return format("power law fit: %g x values but %g y values", double(x.size()),
                      double(y.size()));
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!(x[i] > 0) || !std::isfinite(x[i]))
            return format("power law fit: x[%g] = %g is not a positive number", double(i), x[i]);
        if (!(y[i] > 0) || !std::isfinite(y[i]))
            return format("power law fit: y[%g] = %g is not positive (the fit is in log space)",
                          double(i), y[i]);
    }
    if (distinctCount(x) < need)
        return format("power law fit: %g distinct x values, need at least %g", distinctCount(x),
                      need);
    return {};
}

} // namespace

PowerLawFit fitPowerLaw(const std::vector<double>& x, const std::vector<double>& y,
                        bool withOffset) {
    PowerLawFit fit;
    fit.error = checkPowerLawInput(x, y, withOffset);
    if (!fit.error.empty()) return fit;
    const std::size_t n = x.size();
    LogData d;
    for (std::size_t i = 0; i < n; ++i) d.lxRef += std::log(x[i]) / double(n);
    for (std::size_t i = 0; i < n; ++i) {
        d.lx.push_back(std::log(x[i]) - d.lxRef);
        d.ly.push_back(std::log(y[i]));
    }
    d.yMin = *std::min_element(y.begin(), y.end());
    d.yMax = *std::max_element(y.begin(), y.end());

    if (!withOffset) { // ln y = ln a' - gamma ln(x / xRef): a straight line
        double slope = 0, intercept = 0;
        fitLine(d.lx, d.ly, &slope, &intercept);
        fit.gamma = std::clamp(-slope, 0.0, 10.0);
        double la = 0; // with gamma clamped, the best intercept is the mean residual
        for (std::size_t i = 0; i < n; ++i) la += (d.ly[i] + fit.gamma * d.lx[i]) / double(n);
        double ss = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double r = d.ly[i] - la + fit.gamma * d.lx[i];
            ss += r * r;
        }
        fit.a = std::exp(la + fit.gamma * d.lxRef);
        fit.rmsLog = std::sqrt(ss / double(n));
        fit.ok = true;
        return fit;
    }

    // Starts on a grid of (gamma, b / min y), with ln a' from the mean of ln(y - b) + gamma lx;
    // the objective has a long curved valley between gamma and b, so the best few are refined.
    struct Start {
        double f;
        std::vector<double> th;
    };
    std::vector<Start> starts;
    std::vector<double> grad;
    for (double gamma : {0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0}) {
        for (double frac : {0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99}) {
            const double b = frac * d.yMin;
            double la = 0;
            for (std::size_t i = 0; i < n; ++i)
                la += (std::log(std::max(y[i] - b, 1e-9 * y[i])) + gamma * d.lx[i]) / double(n);
            std::vector<double> th = {la, gamma, b};
            starts.push_back({offsetObjective(d, th, grad), th});
        }
    }
    std::sort(starts.begin(), starts.end(),
              [](const Start& l, const Start& r) { return l.f < r.f; });
    const auto objective = [&d](const std::vector<double>& th, std::vector<double>& g) {
        return offsetObjective(d, th, g);
    };
    double best = INFINITY;
    std::vector<double> bestTh;
    for (std::size_t s = 0; s < std::min<std::size_t>(4, starts.size()); ++s) {
        const LbfgsResult r = minimiseLbfgs(objective, starts[s].th);
        if (r.value < best) {
            best = r.value;
            bestTh = r.x;
        }
    }
    if (!std::isfinite(best)) {
        fit.error = "power law fit: the optimiser found no finite solution";
        return fit;
    }
    fit.gamma = std::clamp(bestTh[1], 0.0, 10.0);
    fit.b = std::clamp(bestTh[2], 0.0, offsetBound(d));
    fit.a = std::exp(bestTh[0] + fit.gamma * d.lxRef);
    std::vector<double> clamped = {bestTh[0], fit.gamma, fit.b};
    fit.rmsLog = std::sqrt(offsetObjective(d, clamped, grad) / double(n));
    fit.ok = true;
    return fit;
}

Interval bootstrapGamma(const std::vector<double>& x, const std::vector<double>& y, bool withOffset,
                        int samples, std::uint64_t seed) {
    if (samples <= 0 || !checkPowerLawInput(x, y, withOffset).empty()) return {};
    // Raw mt19937_64 output modulo n: std::uniform_int_distribution differs between standard
    // libraries, and the interval must be the same on every machine for a seed.
    std::mt19937_64 rng(seed);
    const std::size_t n = x.size();
    std::vector<double> gammas, xs(n), ys(n);
    for (int s = 0; s < samples; ++s) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t k = std::size_t(rng() % n);
            xs[i] = x[k];
            ys[i] = y[k];
        }
        const PowerLawFit f = fitPowerLaw(xs, ys, withOffset);
        if (f.ok) gammas.push_back(f.gamma); // too few distinct x in this resample: skipped
    }
    return percentileInterval(std::move(gammas), samples);
}

namespace {

// Fits loss = c0 + c1 lnN + c2 lnN^2 to the members (params ascending) and sets the minimum.
// lnN is centred before the solve: ln N ~ 20 would make the 3x3 system badly conditioned.
void fitParabola(IsoFlopProfile& p) {
    const std::size_t m = p.params.size();
    const std::size_t arg =
        std::size_t(std::min_element(p.loss.begin(), p.loss.end()) - p.loss.begin());
    p.nOpt = p.params[arg];
    p.lossOpt = p.loss[arg];
    p.fromParabola = false;
    p.c0 = p.c1 = p.c2 = 0;
    if (distinctCount(p.params) < 3) return;
    double tBar = 0;
    for (double n : p.params) tBar += std::log(n) / double(m);
    const Eigen::Index rows = Eigen::Index(m);
    Eigen::MatrixXd X(rows, 3);
    Eigen::VectorXd l(rows);
    for (std::size_t i = 0; i < m; ++i) {
        const double t = std::log(p.params[i]) - tBar;
        X.row(Eigen::Index(i)) << 1.0, t, t * t;
        l(Eigen::Index(i)) = p.loss[i];
    }
    const Eigen::Vector3d q = X.colPivHouseholderQr().solve(l);
    p.c2 = q(2);
    p.c1 = q(1) - 2 * q(2) * tBar;
    p.c0 = q(0) - q(1) * tBar + q(2) * tBar * tBar;
    if (!(q(2) > 0)) return; // concave or flat: no minimum inside
    const double tStar = -q(1) / (2 * q(2));
    const double tMin = std::log(p.params.front()) - tBar, tMax = std::log(p.params.back()) - tBar;
    if (tStar < tMin || tStar > tMax) return; // extrapolated minimum: the samples say more
    p.nOpt = std::exp(tStar + tBar);
    p.lossOpt = q(0) + q(1) * tStar + q(2) * tStar * tStar;
    p.fromParabola = true;
}

bool validPoint(const ScalingPoint& p) {
    return p.params > 0 && p.tokens > 0 && p.compute > 0 && p.loss > 0 && std::isfinite(p.params) &&
           std::isfinite(p.tokens) && std::isfinite(p.compute) && std::isfinite(p.loss);
}

void sortMembers(IsoFlopProfile& p) {
    std::vector<std::size_t> order(p.params.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&p](std::size_t a, std::size_t b) { return p.params[a] < p.params[b]; });
    IsoFlopProfile sorted = p;
    for (std::size_t i = 0; i < order.size(); ++i) {
        sorted.params[i] = p.params[order[i]];
        sorted.loss[i] = p.loss[order[i]];
    }
    p.params = std::move(sorted.params);
    p.loss = std::move(sorted.loss);
}

// ln N_opt = ln kN + aN ln C over the profiles' minima.
void fitFrontier(const std::vector<IsoFlopProfile>& profiles, double* exponent, double* coef) {
    std::vector<double> lc, ln;
    for (const IsoFlopProfile& p : profiles) {
        lc.push_back(std::log(p.compute));
        ln.push_back(std::log(p.nOpt));
    }
    double intercept = 0;
    fitLine(lc, ln, exponent, &intercept);
    *coef = std::exp(intercept);
}

} // namespace

std::vector<IsoFlopProfile> isoFlopProfiles(const std::vector<ScalingPoint>& points,
                                            double relTol) {
    std::vector<ScalingPoint> valid;
    for (const ScalingPoint& p : points)
        if (validPoint(p)) valid.push_back(p);
    std::stable_sort(valid.begin(), valid.end(), [](const ScalingPoint& a, const ScalingPoint& b) {
        return a.compute < b.compute;
    });
    // A group is measured against its smallest member, not the last one added, so a slow drift
    // of compute across many runs cannot chain distinct budgets together.
    std::vector<IsoFlopProfile> out;
    std::size_t i = 0;
    while (i < valid.size()) {
        const double ref = valid[i].compute;
        IsoFlopProfile p;
        double logSum = 0;
        for (; i < valid.size() && valid[i].compute <= ref * (1 + relTol); ++i) {
            p.params.push_back(valid[i].params);
            p.loss.push_back(valid[i].loss);
            logSum += std::log(valid[i].compute);
        }
        if (distinctCount(p.params) < 3) continue;
        p.compute = std::exp(logSum / double(p.params.size()));
        sortMembers(p);
        fitParabola(p);
        out.push_back(std::move(p));
    }
    return out;
}

ComputeOptimalFit fitComputeOptimal(const std::vector<ScalingPoint>& points, int bootstrapSamples,
                                    std::uint64_t seed, double relTol) {
    ComputeOptimalFit fit;
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (validPoint(points[i])) continue;
        fit.error = format("compute-optimal fit: point %g has a non-positive or non-finite "
                           "params, tokens, compute or loss (loss %g)",
                           double(i), points[i].loss);
        return fit;
    }
    fit.profiles = isoFlopProfiles(points, relTol);
    if (fit.profiles.size() < 2) {
        fit.error = format("compute-optimal fit: %g IsoFLOP profile(s) with at least 3 model "
                           "sizes each (compute within %g%%), need at least 2",
                           double(fit.profiles.size()), relTol * 100);
        return fit;
    }
    fitFrontier(fit.profiles, &fit.nExponent, &fit.nCoef);
    // D_opt = C / (6 N_opt) = C^(1 - aN) / (6 kN): its ln-ln line follows from N_opt's exactly.
    fit.dExponent = 1 - fit.nExponent;
    fit.dCoef = 1 / (6 * fit.nCoef);

    if (bootstrapSamples > 0) {
        std::mt19937_64 rng(seed); // raw output modulo m, as in bootstrapGamma
        std::vector<double> exponents;
        std::vector<IsoFlopProfile> resampled = fit.profiles;
        for (int s = 0; s < bootstrapSamples; ++s) {
            for (std::size_t k = 0; k < fit.profiles.size(); ++k) {
                const IsoFlopProfile& src = fit.profiles[k];
                IsoFlopProfile& dst = resampled[k];
                const std::size_t m = src.params.size();
                for (std::size_t i = 0; i < m; ++i) {
                    const std::size_t j = std::size_t(rng() % m);
                    dst.params[i] = src.params[j];
                    dst.loss[i] = src.loss[j];
                }
                sortMembers(dst);
                fitParabola(dst); // fewer than 3 distinct N drawn: the argmin of the draw
            }
            double e = 0, c = 0;
            fitFrontier(resampled, &e, &c);
            exponents.push_back(e);
        }
        fit.nExponentCI = percentileInterval(std::move(exponents), bootstrapSamples);
        fit.dExponentCI = {1 - fit.nExponentCI.hi, 1 - fit.nExponentCI.lo};
    }
    fit.ok = true;
    return fit;
}

} // namespace llmlab
