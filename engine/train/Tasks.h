// Algorithmic tasks for grokking experiments: binary operations on a small finite set, written
// as three-token sequences [a, b, =] whose answer is the class c = a o b.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmlab {

enum class TaskKind : std::uint8_t {
    AddMod,    ///< (a + b) mod p
    SubMod,    ///< (a - b) mod p
    MulMod,    ///< (a * b) mod p
    DivMod,    ///< (a / b) mod p = a * b^(p-2) mod p, b != 0 (p prime)
    QuadMod,   ///< (a^2 + a b + b^2) mod p
    S5Compose, ///< composition of permutations of 5 elements (120 of them)
};

/// "a+b mod p", ... and the keys used in config files ("add", "sub", "mul", "div", "quad", "s5").
std::string taskTitle(TaskKind kind);
std::string taskKey(TaskKind kind);
/// Parses a key; returns false when it names no task.
bool parseTaskKey(const std::string& key, TaskKind* kind);

struct TaskSpec {
    TaskKind kind = TaskKind::AddMod;
    int modulus = 113;          ///< p (ignored for S5)
    double trainFraction = 0.3; ///< share of all pairs used for training
    std::uint64_t seed = 0;     ///< decides the split
    /// Share of training examples given a wrong answer (drawn at random, validation stays
    /// clean): the label noise of double-descent experiments.
    double labelNoise = 0;
};

/// One example: tokens [a, b, =] and the answer class.
struct Example {
    std::int32_t a, b, answer;
};

struct TaskData {
    int operands = 0; ///< number of distinct operands (p, or 120 for S5)
    int vocab = 0;    ///< operands + 1: the last token is "="
    int classes = 0;  ///< number of answer classes (= operands)
    std::int32_t equalsToken = 0;
    std::vector<Example> train;
    std::vector<Example> validation;
};

/// All examples of the task split by the seed; the same spec always gives the same split.
/// Throws std::invalid_argument for a modulus below 2, above 1000, or not prime for division.
TaskData makeTask(const TaskSpec& spec);

/// The answer of a o b, for checking and for tests.
std::int32_t taskAnswer(TaskKind kind, int modulus, std::int32_t a, std::int32_t b);

} // namespace llmlab
