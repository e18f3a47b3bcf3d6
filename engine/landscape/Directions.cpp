#include "Directions.h"

#include "train/Normal.h"

#include <Eigen/Dense>

#include <cmath>
#include <regex>
#include <stdexcept>

namespace llmlab {

namespace {

// A tensor seen as rows: [rows, rowLength]; a 1-D tensor is one row.
std::int64_t rowLength(const Shape& s) {
    return s.rank() == 0 ? 1 : s.back(0);
}

double squaredNorm(const float* x, std::int64_t n) {
    double s = 0;
    for (std::int64_t k = 0; k < n; ++k) s += double(x[k]) * x[k];
    return s;
}

} // namespace

std::vector<bool> selectTensors(const FlatParams& params, const std::string& pattern) {
    std::vector<bool> keep(params.tensorCount(), true);
    if (pattern.empty()) return keep;
    std::regex re;
    try {
        re = std::regex(pattern);
    } catch (const std::regex_error& e) {
        throw std::invalid_argument("the tensor pattern '" + pattern +
                                    "' is not a valid regular expression");
    }
    bool any = false;
    for (std::size_t i = 0; i < keep.size(); ++i) {
        keep[i] = std::regex_search(params.names[i], re);
        any = any || keep[i];
    }
    if (!any) throw std::invalid_argument("the tensor pattern '" + pattern + "' matches no tensor");
    return keep;
}

FlatParams randomDirection(const FlatParams& w, const RandomDirectionOptions& o) {
    FlatParams d = w.zerosLike();
    Normal normal(o.seed);
    // Every value is drawn, even for tensors left out, so a direction's values for one tensor do
    // not depend on which others were chosen.
    for (float& x : d.values) x = normal();
    const std::vector<bool> keep = selectTensors(w, o.tensorPattern);
    for (std::size_t i = 0; i < d.tensorCount(); ++i) {
        auto di = d.tensor(i);
        if (!keep[i] || (w.shapes[i].rank() <= 1 && !o.keep1D)) {
            std::fill(di.begin(), di.end(), 0.0f);
            continue;
        }
        if (!o.filterNormalize) continue;
        const auto wi = w.tensor(i);
        const std::int64_t len = rowLength(w.shapes[i]);
        for (std::int64_t r = 0; r * len < std::int64_t(di.size()); ++r) {
            float* dr = di.data() + r * len;
            const double dn = std::sqrt(squaredNorm(dr, len));
            const double wn = std::sqrt(squaredNorm(wi.data() + r * len, len));
            const float s = dn > 0 ? float(wn / dn) : 0.0f;
            for (std::int64_t k = 0; k < len; ++k) dr[k] *= s;
        }
    }
    if (!o.filterNormalize) {
        // Whole-direction normalisation over the tensors kept.
        double dn = 0, wn = 0;
        for (std::size_t i = 0; i < d.tensorCount(); ++i) {
            const auto di = d.tensor(i);
            if (di.empty() || squaredNorm(di.data(), std::int64_t(di.size())) == 0) continue;
            dn += squaredNorm(di.data(), std::int64_t(di.size()));
            wn += squaredNorm(w.tensor(i).data(), std::int64_t(di.size()));
        }
        const float s = dn > 0 ? float(std::sqrt(wn / dn)) : 0.0f;
        for (float& x : d.values) x *= s;
    }
    return d;
}

std::vector<double> rowNorms(const FlatParams& p, std::size_t i) {
    const auto t = p.tensor(i);
    const std::int64_t len = rowLength(p.shapes[i]);
    std::vector<double> norms;
    for (std::int64_t r = 0; r * len < std::int64_t(t.size()); ++r)
        norms.push_back(std::sqrt(squaredNorm(t.data() + r * len, len)));
    return norms;
}

PcaDirections pcaDirections(const std::vector<FlatParams>& snapshots, const FlatParams& final) {
    if (snapshots.size() < 3)
        throw std::invalid_argument("PCA directions need at least 3 snapshots of the run (it has " +
                                    std::to_string(snapshots.size()) + ")");
    const std::size_t n = snapshots.size();
    std::vector<FlatParams> diff;
    diff.reserve(n);
    for (const FlatParams& s : snapshots) diff.push_back(difference(s, final));
    // The Gram matrix G = D Dᵀ (n × n) has the eigenvalues of the covariance Dᵀ D, and its
    // eigenvectors u give the principal directions Dᵀ u / sqrt(λ): no P × P matrix is formed.
    const auto dim = Eigen::Index(n);
    Eigen::MatrixXd gram(dim, dim);
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = a; b < n; ++b)
            gram(Eigen::Index(a), Eigen::Index(b)) = gram(Eigen::Index(b), Eigen::Index(a)) =
                dot(diff[a], diff[b]);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    const Eigen::VectorXd& lambda = eig.eigenvalues(); // ascending
    const double total = lambda.sum();
    const Eigen::Index top = Eigen::Index(n) - 1;
    if (!(total > 0) || !(lambda(top - 1) > 1e-12 * total))
        throw std::invalid_argument(
            "the run's snapshots do not span two directions (did the weights change?)");

    PcaDirections pca;
    for (int k = 0; k < 2; ++k) {
        const Eigen::Index col = top - k;
        const Eigen::VectorXd u = eig.eigenvectors().col(col);
        std::vector<double> acc(final.values.size(), 0.0);
        for (std::size_t a = 0; a < n; ++a) {
            const double ua = u(Eigen::Index(a));
            const auto& v = diff[a].values;
            for (std::size_t j = 0; j < acc.size(); ++j) acc[j] += ua * v[j];
        }
        const double inv = 1.0 / std::sqrt(lambda(col));
        // Coordinates of snapshot a: (Dᵀu/√λ)·D_a = (G u)_a/√λ = √λ u_a.
        std::vector<double> coords(n);
        for (std::size_t a = 0; a < n; ++a) coords[a] = std::sqrt(lambda(col)) * u(Eigen::Index(a));
        const double sign = coords[0] > 0 ? -1.0 : 1.0;
        FlatParams d = final.zerosLike();
        for (std::size_t j = 0; j < acc.size(); ++j) d.values[j] = float(sign * acc[j] * inv);
        for (double& c : coords) c *= sign;
        (k == 0 ? pca.first : pca.second) = std::move(d);
        pca.explained[k] = lambda(col) / total;
        pca.coords[k] = std::move(coords);
    }
    return pca;
}

void projectOnto(const FlatParams& point, const FlatParams& centre, const FlatParams& d1,
                 const FlatParams* d2, double* a, double* b) {
    const FlatParams x = difference(point, centre);
    const double g11 = dot(d1, d1), r1 = dot(d1, x);
    if (!d2) {
        *a = g11 > 0 ? r1 / g11 : 0.0;
        *b = 0;
        return;
    }
    const double g12 = dot(d1, *d2), g22 = dot(*d2, *d2), r2 = dot(*d2, x);
    const double det = g11 * g22 - g12 * g12;
    if (!(std::abs(det) > 0)) {
        *a = g11 > 0 ? r1 / g11 : 0.0;
        *b = 0;
        return;
    }
    *a = (g22 * r1 - g12 * r2) / det;
    *b = (g11 * r2 - g12 * r1) / det;
}

} // namespace llmlab
