#include "Tasks.h"

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>

namespace llmlab {

namespace {

bool isPrime(int p) {
    if (p < 2) return false;
    for (int d = 2; d * d <= p; ++d)
        if (p % d == 0) return false;
    return true;
}

std::int64_t powMod(std::int64_t base, std::int64_t exp, std::int64_t mod) {
    std::int64_t r = 1;
    base %= mod;
    while (exp > 0) {
        if (exp & 1) r = r * base % mod;
        base = base * base % mod;
        exp >>= 1;
    }
    return r;
}

using Perm = std::array<std::int8_t, 5>;

// The 120 permutations of S5 in lexicographic order; their index is the token.
const std::vector<Perm>& s5() {
    static const std::vector<Perm> perms = [] {
        std::vector<Perm> all;
        Perm p = {0, 1, 2, 3, 4};
        do all.push_back(p);
        while (std::next_permutation(p.begin(), p.end()));
        return all;
    }();
    return perms;
}

std::int32_t s5Index(const Perm& p) {
    const auto& all = s5();
    return std::int32_t(std::lower_bound(all.begin(), all.end(), p) - all.begin());
}

} // namespace

std::string taskTitle(TaskKind kind) {
    switch (kind) {
    case TaskKind::AddMod:
        return "a + b mod p";
    case TaskKind::SubMod:
        return "a - b mod p";
    case TaskKind::MulMod:
        return "a * b mod p";
    case TaskKind::DivMod:
        return "a / b mod p";
    case TaskKind::QuadMod:
        return "a^2 + ab + b^2 mod p";
    case TaskKind::S5Compose:
        return "a o b in S5";
    }
    return "?";
}

std::string taskKey(TaskKind kind) {
    switch (kind) {
    case TaskKind::AddMod:
        return "add";
    case TaskKind::SubMod:
        return "sub";
    case TaskKind::MulMod:
        return "mul";
    case TaskKind::DivMod:
        return "div";
    case TaskKind::QuadMod:
        return "quad";
    case TaskKind::S5Compose:
        return "s5";
    }
    return "?";
}

bool parseTaskKey(const std::string& key, TaskKind* kind) {
    for (TaskKind k : {TaskKind::AddMod, TaskKind::SubMod, TaskKind::MulMod, TaskKind::DivMod,
                       TaskKind::QuadMod, TaskKind::S5Compose})
        if (taskKey(k) == key) {
            *kind = k;
            return true;
        }
    return false;
}

std::int32_t taskAnswer(TaskKind kind, int p, std::int32_t a, std::int32_t b) {
    switch (kind) {
    case TaskKind::AddMod:
        return (a + b) % p;
    case TaskKind::SubMod:
        return ((a - b) % p + p) % p;
    case TaskKind::MulMod:
        return std::int32_t(std::int64_t(a) * b % p);
    case TaskKind::DivMod:
        return std::int32_t(std::int64_t(a) * powMod(b, p - 2, p) % p);
    case TaskKind::QuadMod:
        return std::int32_t((std::int64_t(a) * a + std::int64_t(a) * b + std::int64_t(b) * b) % p);
    case TaskKind::S5Compose: {
        const Perm& x = s5()[std::size_t(a)];
        const Perm& y = s5()[std::size_t(b)];
        Perm r;
        for (int i = 0; i < 5; ++i) r[std::size_t(i)] = x[std::size_t(y[std::size_t(i)])];
        return s5Index(r);
    }
    }
    return 0;
}

TaskData makeTask(const TaskSpec& spec) {
    TaskData d;
    if (spec.kind == TaskKind::S5Compose) {
        d.operands = 120;
    } else {
        if (spec.modulus < 2 || spec.modulus > 1000)
            throw std::invalid_argument("the modulus must be between 2 and 1000, not " +
                                        std::to_string(spec.modulus));
        if (spec.kind == TaskKind::DivMod && !isPrime(spec.modulus))
            throw std::invalid_argument("division mod p needs a prime p; " +
                                        std::to_string(spec.modulus) + " is not prime");
        d.operands = spec.modulus;
    }
    if (!(spec.trainFraction > 0.0 && spec.trainFraction < 1.0))
        throw std::invalid_argument("the train fraction must lie strictly between 0 and 1");
    if (!(spec.labelNoise >= 0.0 && spec.labelNoise < 1.0))
        throw std::invalid_argument("the label noise must be at least 0 and below 1");
    d.vocab = d.operands + 1;
    d.classes = d.operands;
    d.equalsToken = d.operands;

    std::vector<Example> all;
    for (int a = 0; a < d.operands; ++a)
        for (int b = 0; b < d.operands; ++b) {
            if (spec.kind == TaskKind::DivMod && b == 0) continue;
            all.push_back({a, b, taskAnswer(spec.kind, d.operands, a, b)});
        }
    // Fisher-Yates with our own index draws: std::shuffle's order differs between standard
    // libraries, and a run must split the same way on every machine.
    std::mt19937_64 rng(spec.seed);
    for (std::size_t i = all.size(); i > 1; --i) {
        const std::size_t j = std::size_t(rng() % i);
        std::swap(all[i - 1], all[j]);
    }
    const auto nTrain = std::size_t(double(all.size()) * spec.trainFraction + 0.5);
    d.train.assign(all.begin(), all.begin() + std::ptrdiff_t(nTrain));
    d.validation.assign(all.begin() + std::ptrdiff_t(nTrain), all.end());
    // Label noise (double descent needs it): a share of the training answers is replaced by
    // another class, drawn after the split so the split does not depend on the noise.
    if (spec.labelNoise > 0) {
        const auto noisy = std::size_t(double(d.train.size()) * spec.labelNoise + 0.5);
        for (std::size_t i = 0; i < noisy && i < d.train.size(); ++i) {
            const std::size_t at = std::size_t(rng() % d.train.size());
            const auto shift = std::int32_t(1 + rng() % std::uint64_t(d.classes - 1));
            d.train[at].answer = (d.train[at].answer + shift) % d.classes;
        }
    }
    return d;
}

} // namespace llmlab
