#include "FlatParams.h"

#include <cmath>
#include <stdexcept>

namespace llmlab {

FlatParams FlatParams::fromToy(const ToyParams& params) {
    FlatParams f;
    std::int64_t offset = 0;
    for (const auto& [name, shape] : params.shapes) {
        const std::vector<float>& v = params.values.at(name);
        if (std::int64_t(v.size()) != shape.numel())
            throw std::invalid_argument("parameter '" + name + "' has " + std::to_string(v.size()) +
                                        " values for shape " + shape.toString());
        f.names.push_back(name);
        f.shapes.push_back(shape);
        f.offsets.push_back(offset);
        offset += shape.numel();
    }
    f.values.reserve(std::size_t(offset));
    for (const std::string& name : f.names) {
        const std::vector<float>& v = params.values.at(name);
        f.values.insert(f.values.end(), v.begin(), v.end());
    }
    return f;
}

ToyParams FlatParams::toToy() const {
    ToyParams p;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto t = tensor(i);
        p.shapes[names[i]] = shapes[i];
        p.values[names[i]].assign(t.begin(), t.end());
    }
    return p;
}

FlatParams FlatParams::zerosLike() const {
    FlatParams z = *this;
    std::fill(z.values.begin(), z.values.end(), 0.0f);
    return z;
}

bool FlatParams::sameLayout(const FlatParams& o) const {
    return names == o.names && shapes == o.shapes && values.size() == o.values.size();
}

std::span<const float> FlatParams::tensor(std::size_t i) const {
    return {values.data() + offsets[i], std::size_t(shapes[i].numel())};
}

std::span<float> FlatParams::tensor(std::size_t i) {
    return {values.data() + offsets[i], std::size_t(shapes[i].numel())};
}

namespace {
void requireSameLayout(const FlatParams& a, const FlatParams& b) {
    if (!a.sameLayout(b))
        throw std::invalid_argument("the two parameter sets belong to different models");
}
} // namespace

double dot(const FlatParams& a, const FlatParams& b) {
    requireSameLayout(a, b);
    double s = 0;
    for (std::size_t k = 0; k < a.values.size(); ++k) s += double(a.values[k]) * b.values[k];
    return s;
}

double norm(const FlatParams& a) {
    return std::sqrt(dot(a, a));
}

FlatParams difference(const FlatParams& a, const FlatParams& b) {
    requireSameLayout(a, b);
    FlatParams d = a;
    for (std::size_t k = 0; k < d.values.size(); ++k) d.values[k] -= b.values[k];
    return d;
}

void perturb(const FlatParams& centre, const FlatParams& d1, double alpha, const FlatParams* d2,
             double beta, FlatParams& out) {
    const std::size_t n = centre.values.size();
    if (d1.values.size() != n || (d2 && d2->values.size() != n) || out.values.size() != n)
        throw std::invalid_argument("a direction does not match the model's parameters");
    const float a = float(alpha), b = float(beta);
    const float* c = centre.values.data();
    const float* x = d1.values.data();
    float* o = out.values.data();
    if (d2) {
        const float* y = d2->values.data();
        for (std::size_t k = 0; k < n; ++k) o[k] = c[k] + a * x[k] + b * y[k];
    } else {
        for (std::size_t k = 0; k < n; ++k) o[k] = c[k] + a * x[k];
    }
}

} // namespace llmlab
