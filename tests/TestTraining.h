// A grokking run small enough for a test: the quick preset on p = 23 with a narrow model
// (seconds to train a few hundred steps on the CPU backend).
#pragma once

#include "train/TrainConfig.h"

#include <cstdint>

namespace llmlab::test {

inline TrainConfig tinyTrainConfig(std::int64_t steps, int checkpointEvery = 50) {
    TrainConfig c;
    presetConfig("quick", &c);
    c.task.modulus = 23;
    c.model.dModel = 32;
    c.model.dMlp = 64;
    c.maxSteps = steps;
    c.evalEvery = 10;
    c.checkpointEvery = checkpointEvery;
    c.fitModelToTask();
    return c;
}

} // namespace llmlab::test
