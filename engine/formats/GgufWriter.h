// Writes GGUF v3 files: metadata plus tensors (for exporting toy models, and for tests).
#pragma once

#include "DType.h"
#include "Metadata.h"
#include "Shape.h"

#include <string>
#include <vector>

namespace llmlab {

class GgufWriter {
public:
    /// Data alignment of every tensor (general.alignment is written when not 32).
    void setAlignment(std::uint32_t alignment) { m_alignment = alignment; }
    void addMetadata(std::string key, MetaValue value);
    /// `data` holds dtypeStorageBytes(dtype, shape.numel()) bytes and must outlive write();
    /// nullptr leaves the tensor's bytes as a hole (a sparse file reading as zeros).
    void addTensor(std::string name, DType dtype, const Shape& shape, const void* data);
    /// Writes the file; false with `error` set on failure.
    bool write(const std::string& path, std::string* error) const;

private:
    struct Entry {
        std::string name;
        DType dtype;
        Shape shape;
        const void* data;
    };
    std::uint32_t m_alignment = 32;
    std::vector<std::pair<std::string, MetaValue>> m_meta;
    std::vector<Entry> m_tensors;
};

} // namespace llmlab
