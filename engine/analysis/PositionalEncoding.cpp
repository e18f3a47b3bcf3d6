#include "analysis/PositionalEncoding.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace llmlab {

double sinusoidalFrequency(int k, int d, double base) {
    return 1.0 / std::pow(base, 2.0 * double(k) / double(d));
}

Matrix sinusoidalEncoding(int d, int length, double base) {
    if (d <= 0 || length <= 0)
        throw std::invalid_argument("sinusoidal encoding: d and length must be positive");
    Matrix m{length, d, std::vector<float>(std::size_t(length) * std::size_t(d))};
    for (int t = 0; t < length; ++t)
        for (int i = 0; i < d; ++i) {
            const double w = sinusoidalFrequency(i / 2, d, base);
            // Evaluated in double: t * w reaches thousands of radians for long tables.
            const double angle = w * double(t);
            m.values[std::size_t(t) * std::size_t(d) + std::size_t(i)] =
                float(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    return m;
}

Matrix rowSimilarity(const Matrix& m, bool cosine) {
    const int n = m.rows;
    Matrix s{n, n, std::vector<float>(std::size_t(n) * std::size_t(n))};
    std::vector<double> norms(std::size_t(n), 1.0);
    if (cosine)
        for (int r = 0; r < n; ++r) {
            double sum = 0;
            for (int c = 0; c < m.columns; ++c) sum += double(m.at(r, c)) * m.at(r, c);
            norms[std::size_t(r)] = std::sqrt(sum);
        }
    for (int a = 0; a < n; ++a)
        for (int b = a; b < n; ++b) {
            double dot = 0;
            for (int c = 0; c < m.columns; ++c) dot += double(m.at(a, c)) * m.at(b, c);
            if (cosine) {
                const double denom = norms[std::size_t(a)] * norms[std::size_t(b)];
                dot = denom > 0 ? dot / denom : 0.0;
            }
            // Symmetric by construction: computed once, written twice.
            s.values[std::size_t(a) * std::size_t(n) + std::size_t(b)] = float(dot);
            s.values[std::size_t(b) * std::size_t(n) + std::size_t(a)] = float(dot);
        }
    return s;
}

std::vector<double> ropeFrequencies(double theta, int dRot) {
    if (dRot < 2) return {};
    std::vector<double> f(std::size_t(dRot / 2));
    for (int i = 0; i < dRot / 2; ++i)
        f[std::size_t(i)] = std::pow(theta, -2.0 * double(i) / double(dRot));
    return f;
}

Matrix ropeAngles(double theta, int dRot, int length) {
    const std::vector<double> f = ropeFrequencies(theta, dRot);
    const int pairs = int(f.size());
    Matrix m{length, pairs, std::vector<float>(std::size_t(length) * std::size_t(pairs))};
    for (int t = 0; t < length; ++t)
        for (int i = 0; i < pairs; ++i)
            m.values[std::size_t(t) * std::size_t(pairs) + std::size_t(i)] =
                float(double(t) * f[std::size_t(i)]);
    return m;
}

double wrapAngle(double radians) {
    const double twoPi = 2.0 * std::numbers::pi;
    double a = std::fmod(radians + std::numbers::pi, twoPi);
    if (a <= 0) a += twoPi;
    return a - std::numbers::pi;
}

} // namespace llmlab
