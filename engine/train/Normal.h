// A seeded standard normal generator that gives the same numbers on every machine.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace llmlab {

/// Box-Muller over mt19937_64's raw output: std::normal_distribution differs between standard
/// libraries, and the same seed must give the same model (or landscape direction) everywhere.
class Normal {
public:
    explicit Normal(std::uint64_t seed) : m_rng(seed) {}
    float operator()() {
        if (m_has) {
            m_has = false;
            return m_spare;
        }
        const double u1 = (double(m_rng() >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = double(m_rng() >> 11) * 0x1.0p-53;
        const double r = std::sqrt(-2.0 * std::log(u1));
        m_spare = float(r * std::sin(2 * M_PI * u2));
        m_has = true;
        return float(r * std::cos(2 * M_PI * u2));
    }

private:
    std::mt19937_64 m_rng;
    float m_spare = 0;
    bool m_has = false;
};

} // namespace llmlab
