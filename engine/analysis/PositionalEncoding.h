// Positional encodings as the course writes them, and the ones a real model uses: the
// sinusoidal table, RoPE frequencies and angles, and similarity matrices between positions.
#pragma once

#include <span>
#include <vector>

namespace llmlab {

/// A row-major matrix of floats: rows x columns.
struct Matrix {
    int rows = 0;
    int columns = 0;
    std::vector<float> values;
    float at(int r, int c) const {
        return values[std::size_t(r) * std::size_t(columns) + std::size_t(c)];
    }
};

/// w_k = 1 / base^(2k/d): the angular frequency of the pair (2k, 2k+1).
double sinusoidalFrequency(int k, int d, double base = 10000.0);

/// The course's table p_t^(i) = sin(w_k t) for i = 2k, cos(w_k t) for i = 2k+1, with
/// w_k = 1/10000^(2k/d): [length, d], t = 0..length-1 (an odd d ends with a lone sin column).
Matrix sinusoidalEncoding(int d, int length, double base = 10000.0);

/// Dot products between the rows of `m`: [rows, rows]; `cosine` divides by the norms (a zero
/// row has similarity 0 with everything).
Matrix rowSimilarity(const Matrix& m, bool cosine);

/// RoPE frequencies theta^(-2i/dRot), i = 0..dRot/2-1: one per rotated pair of a head.
std::vector<double> ropeFrequencies(double theta, int dRot);

/// Rotation angles t * theta^(-2i/dRot) in radians: [length, dRot/2].
Matrix ropeAngles(double theta, int dRot, int length);

/// Wraps an angle to (-pi, pi], so a heatmap shows the phase each pair has turned to.
double wrapAngle(double radians);

} // namespace llmlab
