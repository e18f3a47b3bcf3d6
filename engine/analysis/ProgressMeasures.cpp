#include "ProgressMeasures.h"

#include "Sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace llmlab {

std::vector<double> fourierSpectrum(std::span<const float> rows, int p, int d) {
    if (p < 3 || d < 1 || rows.size() < std::size_t(p) * std::size_t(d)) return {};
    std::vector<double> power(std::size_t((p - 1) / 2), 0.0);
    const auto P = static_cast<std::size_t>(p), D = static_cast<std::size_t>(d);
    std::vector<double> cosines(P), sines(P), re(D), im(D);
    for (int k = 1; k <= (p - 1) / 2; ++k) {
        for (int a = 0; a < p; ++a) {
            const double angle = 2 * M_PI * double(k) * a / p;
            cosines[std::size_t(a)] = std::cos(angle);
            sines[std::size_t(a)] = std::sin(angle);
        }
        std::fill(re.begin(), re.end(), 0.0);
        std::fill(im.begin(), im.end(), 0.0);
        for (int a = 0; a < p; ++a) {
            const float* row = rows.data() + std::size_t(a) * std::size_t(d);
            for (int j = 0; j < d; ++j) {
                re[std::size_t(j)] += row[j] * cosines[std::size_t(a)];
                im[std::size_t(j)] += row[j] * sines[std::size_t(a)];
            }
        }
        for (int j = 0; j < d; ++j)
            power[std::size_t(k - 1)] += re[std::size_t(j)] * re[std::size_t(j)] +
                                         im[std::size_t(j)] * im[std::size_t(j)];
    }
    const double total = std::accumulate(power.begin(), power.end(), 0.0);
    if (total > 0)
        for (double& x : power) x /= total;
    return power;
}

std::vector<int> keyFrequencies(const std::vector<double>& shares) {
    if (shares.empty()) return {};
    std::vector<int> order(shares.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return shares[std::size_t(a)] > shares[std::size_t(b)]; });
    const double total = std::accumulate(shares.begin(), shares.end(), 0.0);
    const double threshold = 3.0 * total / double(shares.size());
    std::vector<int> keys;
    for (int i : order) {
        if (keys.size() == 8 || shares[std::size_t(i)] < threshold) break;
        keys.push_back(i + 1);
    }
    if (keys.empty()) keys.push_back(order.front() + 1);
    return keys;
}

double giniCoefficient(std::span<const double> values) {
    if (values.empty()) return ProgressMeasures::kNaN;
    std::vector<double> v(values.begin(), values.end());
    std::sort(v.begin(), v.end());
    // Sorted form of sum_ij |x_i - x_j| / (2 n sum x): sum_i (2i - n + 1) x_i / (n sum x).
    double weighted = 0, total = 0;
    const double n = double(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        weighted += (2.0 * double(i) - n + 1.0) * v[i];
        total += v[i];
    }
    if (!(total > 0)) return ProgressMeasures::kNaN;
    return weighted / (n * total);
}

ProgressMeasures progressMeasures(TaskKind task, int p, std::span<const float> logits, int vocab,
                                  std::span<const Example> examples, std::size_t trainCount,
                                  const std::vector<double>& spectrum) {
    ProgressMeasures out;
    if ((task != TaskKind::AddMod && task != TaskKind::SubMod) || p < 3 || vocab < p ||
        spectrum.empty() || examples.size() != std::size_t(p) * std::size_t(p) ||
        logits.size() != examples.size() * std::size_t(vocab) || trainCount == 0 ||
        trainCount > examples.size())
        return out;
    const int sign = task == TaskKind::AddMod ? 1 : -1;
    auto sumOf = [&](const Example& e) { return ((e.a + sign * e.b) % p + p) % p; };
    // Every pair once: each sum s is then met p times.
    std::vector<char> seen(std::size_t(p) * std::size_t(p), 0);
    for (const Example& e : examples) {
        if (e.a < 0 || e.a >= p || e.b < 0 || e.b >= p) return out;
        char& s = seen[std::size_t(e.a) * std::size_t(p) + std::size_t(e.b)];
        if (s) return out;
        s = 1;
    }

    const auto V = std::size_t(vocab), P = std::size_t(p);
    // g[c][s]: each output's logits summed over the pairs with sum s.
    std::vector<double> g(V * P, 0.0);
    for (std::size_t e = 0; e < examples.size(); ++e) {
        const std::size_t s = std::size_t(sumOf(examples[e]));
        for (std::size_t c = 0; c < V; ++c) g[c * P + s] += logits[e * V + c];
    }
    out.keyFrequencies = keyFrequencies(spectrum);
    // key[c][s]: the logits' component along cos/sin(w_k s) of the key frequencies. On the
    // p x p grid each of these functions has squared norm p²/2, so its coefficient is the
    // inner product over the grid, sum_s g[c][s] cos(w_k s), divided by p²/2.
    std::vector<double> key(V * P, 0.0), mean(V, 0.0);
    const double norm = double(p) * double(p) / 2.0;
    for (std::size_t c = 0; c < V; ++c) {
        for (std::size_t s = 0; s < P; ++s) mean[c] += g[c * P + s];
        mean[c] /= double(p) * double(p);
        for (int k : out.keyFrequencies) {
            double alpha = 0, beta = 0;
            for (std::size_t s = 0; s < P; ++s) {
                const double w = 2 * M_PI * double(k) * double(s) / double(p);
                alpha += g[c * P + s] * std::cos(w);
                beta += g[c * P + s] * std::sin(w);
            }
            alpha /= norm;
            beta /= norm;
            for (std::size_t s = 0; s < P; ++s) {
                const double w = 2 * M_PI * double(k) * double(s) / double(p);
                key[c * P + s] += alpha * std::cos(w) + beta * std::sin(w);
            }
        }
    }
    std::vector<float> row(V);
    double restricted = 0, excluded = 0;
    for (std::size_t e = 0; e < examples.size(); ++e) {
        const std::size_t s = std::size_t(sumOf(examples[e]));
        for (std::size_t c = 0; c < V; ++c) row[c] = float(mean[c] + key[c * P + s]);
        restricted += rowLoss(row, examples[e].answer).loss;
        if (e < trainCount) {
            for (std::size_t c = 0; c < V; ++c) row[c] = float(logits[e * V + c] - key[c * P + s]);
            excluded += rowLoss(row, examples[e].answer).loss;
        }
    }
    out.restrictedLoss = restricted / double(examples.size());
    out.excludedLoss = excluded / double(trainCount);
    std::vector<double> norms(spectrum.size());
    for (std::size_t i = 0; i < spectrum.size(); ++i) norms[i] = std::sqrt(std::max(0.0, spectrum[i]));
    out.gini = giniCoefficient(norms);
    return out;
}

} // namespace llmlab
