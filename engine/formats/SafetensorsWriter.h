// Writes .safetensors files (F32, F16, BF16 tensors plus string metadata).
#pragma once

#include "DType.h"
#include "Shape.h"

#include <map>
#include <string>
#include <vector>

namespace llmlab {

class SafetensorsWriter {
public:
    /// A `__metadata__` string entry.
    void addMetadata(const std::string& key, const std::string& value) { m_meta[key] = value; }
    /// `data` must outlive write(); nullptr leaves a hole (a sparse file reading as zeros).
    void addTensor(std::string name, DType dtype, const Shape& shape, const void* data);
    /// Writes the file; false with `error` set (also for dtypes other than F32/F16/BF16).
    bool write(const std::string& path, std::string* error) const;

private:
    struct Entry {
        std::string name;
        DType dtype;
        Shape shape;
        const void* data;
    };
    std::map<std::string, std::string> m_meta;
    std::vector<Entry> m_tensors;
};

} // namespace llmlab
