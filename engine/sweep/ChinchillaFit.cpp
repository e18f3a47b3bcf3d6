// Chinchilla approach 3 (Hoffmann et al. 2022, appendix D.2): L(N, D) = E + A/N^alpha + B/D^beta
// fitted in log space, ln L ~ LSE(a - alpha ln N, b - beta ln D, e) with A = e^a, B = e^b,
// E = e^e, under a Huber loss that keeps a few diverged or unlucky runs from steering the fit.
#include "sweep/Lbfgs.h"
#include "sweep/ScalingFits.h"

#include <algorithm>
#include <cstdio>

namespace llmlab {

namespace {

// Starts refined by L-BFGS, best first by their starting objective.
constexpr std::size_t kRefinedStarts = 64;

struct LogPoint {
    double lnN, lnD, lnL;
};

// Sum of Huber(LSE(a - alpha lnN, b - beta lnD, e) - lnL) over the points, theta =
// (a, b, e, alpha, beta), divided by delta: the same minimiser, but values of order one per point
// so that the optimiser's relative tolerances mean something (the raw sum is ~delta^2 small).
double objective(const std::vector<LogPoint>& pts, double delta, const std::vector<double>& th,
                 std::vector<double>& g) {
    const double a = th[0], b = th[1], e = th[2], alpha = th[3], beta = th[4];
    g.assign(5, 0.0);
    double f = 0;
    for (const LogPoint& p : pts) {
        const double t1 = a - alpha * p.lnN, t2 = b - beta * p.lnD, t3 = e;
        const double m = std::max({t1, t2, t3}); // log-sum-exp without overflow
        const double e1 = std::exp(t1 - m), e2 = std::exp(t2 - m), e3 = std::exp(t3 - m);
        const double s = e1 + e2 + e3;
        const double r = m + std::log(s) - p.lnL;
        // Huber: r^2 / 2 inside [-delta, delta], linear outside; h' is r clipped to the band.
        const double ar = std::abs(r);
        f += ar <= delta ? 0.5 * r * r : delta * (ar - 0.5 * delta);
        const double h = std::clamp(r, -delta, delta) / delta;
        const double w1 = e1 / s, w2 = e2 / s, w3 = e3 / s; // d LSE / d t_k (softmax)
        g[0] += h * w1;
        g[1] += h * w2;
        g[2] += h * w3;
        g[3] -= h * w1 * p.lnN;
        g[4] -= h * w2 * p.lnD;
    }
    return f / delta;
}

} // namespace

double ChinchillaFit::predict(double n, double d) const {
    return E + A * std::pow(n, -alpha) + B * std::pow(d, -beta);
}

double ChinchillaFit::nOptExponent() const {
    return alpha + beta > 0 ? beta / (alpha + beta) : NAN;
}

double ChinchillaFit::dOptExponent() const {
    return alpha + beta > 0 ? alpha / (alpha + beta) : NAN;
}

ChinchillaFit fitChinchilla(const std::vector<ScalingPoint>& points, double huberDelta) {
    ChinchillaFit fit;
    char buf[256];
    if (points.size() < 5) {
        std::snprintf(buf, sizeof buf,
                      "Chinchilla fit: %zu points, need at least 5 (five parameters)",
                      points.size());
        fit.error = buf;
        return fit;
    }
    if (!(huberDelta > 0)) {
        std::snprintf(buf, sizeof buf, "Chinchilla fit: Huber delta %g is not positive",
                      huberDelta);
        fit.error = buf;
        return fit;
    }
    std::vector<LogPoint> pts;
    double minN = INFINITY, maxN = 0, minD = INFINITY, maxD = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const ScalingPoint& p = points[i];
        if (!(p.params > 0 && p.tokens > 0 && p.loss > 0) || !std::isfinite(p.params) ||
            !std::isfinite(p.tokens) || !std::isfinite(p.loss)) {
            std::snprintf(buf, sizeof buf,
                          "Chinchilla fit: point %zu has params %g, tokens %g, loss %g; all "
                          "must be positive",
                          i, p.params, p.tokens, p.loss);
            fit.error = buf;
            return fit;
        }
        pts.push_back({std::log(p.params), std::log(p.tokens), std::log(p.loss)});
        minN = std::min(minN, p.params), maxN = std::max(maxN, p.params);
        minD = std::min(minD, p.tokens), maxD = std::max(maxD, p.tokens);
    }
    if (minN == maxN || minD == maxD) {
        fit.error = "Chinchilla fit: all points share one model size or one token count, so "
                    "alpha or beta cannot be told apart from E";
        return fit;
    }

    // The paper's grid of starts: alpha, beta in {0, 0.5, .., 2}, e in {-1, -.5, .., 1},
    // a, b in {0, 5, .., 25}. All 4500 are evaluated (cheap); the best ones by their starting
    // objective are refined, which in practice finds the same basin as refining every start.
    struct Start {
        double f;
        std::vector<double> th;
    };
    std::vector<Start> starts;
    std::vector<double> grad;
    for (int ia = 0; ia <= 5; ++ia)
        for (int ib = 0; ib <= 5; ++ib)
            for (int ie = -2; ie <= 2; ++ie)
                for (int ial = 0; ial <= 4; ++ial)
                    for (int ibe = 0; ibe <= 4; ++ibe) {
                        std::vector<double> th = {5.0 * ia, 5.0 * ib, 0.5 * ie, 0.5 * ial,
                                                  0.5 * ibe};
                        starts.push_back({objective(pts, huberDelta, th, grad), th});
                    }
    std::sort(starts.begin(), starts.end(),
              [](const Start& l, const Start& r) { return l.f < r.f; });
    const auto f = [&pts, huberDelta](const std::vector<double>& th, std::vector<double>& g) {
        return objective(pts, huberDelta, th, g);
    };
    LbfgsOptions options;
    options.maxIterations = 2000;
    double best = INFINITY;
    std::vector<double> bestTh;
    const std::size_t refine = std::min<std::size_t>(kRefinedStarts, starts.size());
    for (std::size_t s = 0; s < refine; ++s) {
        const LbfgsResult r = minimiseLbfgs(f, starts[s].th, options);
        if (r.value < best) {
            best = r.value;
            bestTh = r.x;
        }
    }
    if (!std::isfinite(best)) {
        fit.error = "Chinchilla fit: the optimiser found no finite solution";
        return fit;
    }
    fit.A = std::exp(bestTh[0]);
    fit.B = std::exp(bestTh[1]);
    fit.E = std::exp(bestTh[2]);
    fit.alpha = bestTh[3];
    fit.beta = bestTh[4];
    fit.objective = best * huberDelta;
    fit.ok = true;
    return fit;
}

} // namespace llmlab
