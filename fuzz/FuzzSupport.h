// Shared by the fuzz targets: hand the input to a reader as a file (the readers map files).
#pragma once

#include "formats/ModelFile.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace llmlab::fuzz {

// Writes the input to a per-process temporary file named `name` and opens it with ModelFile,
// then touches every tensor so out-of-range offsets would fault under ASan.
inline void openBytes(const std::uint8_t* data, std::size_t size, const std::string& name) {
    static const std::string dir = [] {
        char tmpl[] = "/tmp/llmlab-fuzz-XXXXXX";
        const char* d = mkdtemp(tmpl);
        return std::string(d ? d : "/tmp");
    }();
    const std::string path = dir + "/" + name;
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(data, 1, size, f);
        std::fclose(f);
    }
    std::string error;
    auto model = ModelFile::open(path, &error);
    if (!model) {
        // Every failure must be one readable sentence.
        if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();
        return;
    }
    (void)model->spec().summary();
    for (const TensorInfo& t : model->tensors()) {
        const Tensor tensor = model->tensor(t.name);
        const auto* p = static_cast<const volatile std::uint8_t*>(tensor.data());
        if (tensor.byteSize() > 0) (void)(p[0] + p[tensor.byteSize() - 1]);
    }
}

} // namespace llmlab::fuzz
