// libFuzzer target: the llama2c reader must turn any input into a model or one error sentence.
#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    llmlab::fuzz::openBytes(data, size, "model.bin");
    return 0;
}
