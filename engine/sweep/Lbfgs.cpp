// L-BFGS (Nocedal & Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a backtracking
// line search. The fits it serves have 3 to 5 parameters and cheap objectives, so clarity wins
// over a strong-Wolfe line search: a curvature pair that fails s·y > 0 is simply not stored.
#include "sweep/Lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>

namespace llmlab {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

double maxAbs(const std::vector<double>& a) {
    double m = 0;
    for (double v : a) m = std::max(m, std::abs(v));
    return m;
}

struct Pair {
    std::vector<double> s, y; // x_{k+1} - x_k, g_{k+1} - g_k
    double rho = 0;           // 1 / (y·s)
};

// The two-loop recursion: returns -H g, with H the L-BFGS inverse-Hessian estimate whose initial
// scale is gamma = s·y / y·y of the newest pair (a cheap estimate of the curvature's inverse).
std::vector<double> searchDirection(const std::vector<double>& g, const std::deque<Pair>& pairs) {
    std::vector<double> q = g;
    std::vector<double> alpha(pairs.size());
    for (std::size_t i = pairs.size(); i-- > 0;) {
        alpha[i] = pairs[i].rho * dot(pairs[i].s, q);
        for (std::size_t k = 0; k < q.size(); ++k) q[k] -= alpha[i] * pairs[i].y[k];
    }
    if (!pairs.empty()) {
        const Pair& last = pairs.back();
        const double gamma = dot(last.s, last.y) / dot(last.y, last.y);
        for (double& v : q) v *= gamma;
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const double beta = pairs[i].rho * dot(pairs[i].y, q);
        for (std::size_t k = 0; k < q.size(); ++k) q[k] += (alpha[i] - beta) * pairs[i].s[k];
    }
    for (double& v : q) v = -v;
    return q;
}

} // namespace

LbfgsResult minimiseLbfgs(const LbfgsObjective& f, std::vector<double> x0,
                          const LbfgsOptions& options) {
    const std::size_t n = x0.size();
    LbfgsResult r;
    r.x = std::move(x0);
    std::vector<double> g(n), gNew(n), xNew(n);
    r.value = f(r.x, g);
    if (!std::isfinite(r.value)) return r;

    std::deque<Pair> pairs;
    for (r.iterations = 0; r.iterations < options.maxIterations; ++r.iterations) {
        if (maxAbs(g) <= options.gradientTol * std::max(1.0, std::abs(r.value))) {
            r.converged = true;
            return r;
        }
        std::vector<double> d = searchDirection(g, pairs);
        double slope = dot(d, g);
        // Not a descent direction: the estimate lost positive definiteness, so restart with
        // steepest descent.
        if (!(slope < 0)) {
            pairs.clear();
            d = g;
            for (double& v : d) v = -v;
            slope = -dot(g, g);
        }
        // Without curvature pairs the direction is -g, whose length says nothing about the step:
        // start from a step of unit length in parameter space instead.
        double step = pairs.empty() ? 1.0 / std::max(1e-300, std::sqrt(-slope)) : 1.0;
        double fNew = 0;
        bool accepted = false;
        for (int tries = 0; tries < 60; ++tries, step *= 0.5) {
            for (std::size_t k = 0; k < n; ++k) xNew[k] = r.x[k] + step * d[k];
            fNew = f(xNew, gNew);
            if (std::isfinite(fNew) && fNew <= r.value + 1e-4 * step * slope) {
                accepted = true;
                break;
            }
        }
        if (!accepted) { // no descent along d within 2^-60 of the first step: as good as it gets
            r.converged = true;
            return r;
        }
        Pair p;
        p.s.resize(n);
        p.y.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            p.s[k] = xNew[k] - r.x[k];
            p.y[k] = gNew[k] - g[k];
        }
        const double sy = dot(p.s, p.y);
        if (sy > 1e-300) {
            p.rho = 1.0 / sy;
            pairs.push_back(std::move(p));
            if (int(pairs.size()) > options.memory) pairs.pop_front();
        }
        const double decrease = r.value - fNew;
        r.x = xNew;
        g = gNew;
        r.value = fNew;
        if (decrease <= options.relativeFTol * std::max(1e-300, std::abs(fNew))) {
            r.converged = true;
            return r;
        }
    }
    return r;
}

} // namespace llmlab
