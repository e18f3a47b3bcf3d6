#include "DType.h"

namespace llmlab {

namespace {
struct DTypeInfo {
    std::string_view name;
    std::int64_t blockElements;
    std::int64_t blockBytes;
};

// Block sizes follow the GGUF/ggml block layouts (ggml-common.h documents the structs).
DTypeInfo info(DType t) {
    switch (t) {
    case DType::F32:
        return {"F32", 1, 4};
    case DType::F16:
        return {"F16", 1, 2};
    case DType::BF16:
        return {"BF16", 1, 2};
    case DType::I32:
        return {"I32", 1, 4};
    case DType::Q4_0:
        return {"Q4_0", 32, 2 + 16};
    case DType::Q4_1:
        return {"Q4_1", 32, 2 + 2 + 16};
    case DType::Q5_0:
        return {"Q5_0", 32, 2 + 4 + 16};
    case DType::Q5_1:
        return {"Q5_1", 32, 2 + 2 + 4 + 16};
    case DType::Q8_0:
        return {"Q8_0", 32, 2 + 32};
    case DType::Q2_K:
        return {"Q2_K", 256, 16 + 64 + 2 + 2};
    case DType::Q3_K:
        return {"Q3_K", 256, 32 + 64 + 12 + 2};
    case DType::Q4_K:
        return {"Q4_K", 256, 2 + 2 + 12 + 128};
    case DType::Q5_K:
        return {"Q5_K", 256, 2 + 2 + 12 + 32 + 128};
    case DType::Q6_K:
        return {"Q6_K", 256, 128 + 64 + 16 + 2};
    case DType::Q8_K:
        return {"Q8_K", 256, 4 + 256 + 32};
    }
    return {"?", 1, 0};
}
} // namespace

std::string_view dtypeName(DType t) {
    return info(t).name;
}
std::int64_t dtypeBlockElements(DType t) {
    return info(t).blockElements;
}
std::int64_t dtypeBlockBytes(DType t) {
    return info(t).blockBytes;
}
bool dtypeIsQuantized(DType t) {
    return info(t).blockElements > 1;
}

std::int64_t dtypeStorageBytes(DType t, std::int64_t elements) {
    const DTypeInfo i = info(t);
    if (elements < 0 || elements % i.blockElements != 0) return -1;
    return elements / i.blockElements * i.blockBytes;
}

} // namespace llmlab
