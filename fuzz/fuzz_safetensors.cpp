// libFuzzer target: the safetensors reader must turn any input into a model or one error sentence.
#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    llmlab::fuzz::openBytes(data, size, "model.safetensors");
    return 0;
}
