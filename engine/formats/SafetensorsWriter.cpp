#include "SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace llmlab {

void SafetensorsWriter::addTensor(std::string name, DType dtype, const Shape& shape,
                                  const void* data) {
    m_tensors.push_back({std::move(name), dtype, shape, data});
}

bool SafetensorsWriter::write(const std::string& path, std::string* error) const {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!m_meta.empty()) header["__metadata__"] = m_meta;
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> offsets;
    for (const Entry& t : m_tensors) {
        if (t.dtype != DType::F32 && t.dtype != DType::F16 && t.dtype != DType::BF16) {
            if (error)
                *error = path + ": tensor '" + t.name + "' is " + std::string(dtypeName(t.dtype)) +
                         ", which safetensors files from llmlab cannot hold (F32, F16, BF16 only)";
            return false;
        }
        const auto bytes = std::uint64_t(dtypeStorageBytes(t.dtype, t.shape.numel()));
        std::vector<std::int64_t> dims;
        for (int d = 0; d < t.shape.rank(); ++d) dims.push_back(t.shape.dim(d));
        header[t.name] = {{"dtype", std::string(dtypeName(t.dtype))},
                          {"shape", dims},
                          {"data_offsets", {offset, offset + bytes}}};
        offsets.push_back(offset);
        offset += bytes;
    }
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' '); // data starts 8-byte aligned, as upstream does
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) {
        if (error) *error = path + ": cannot be created";
        return false;
    }
    const std::uint64_t len = text.size();
    f.write(reinterpret_cast<const char*>(&len), 8);
    f.write(text.data(), std::streamsize(text.size()));
    const std::uint64_t dataStart = 8 + len;
    for (std::size_t i = 0; i < m_tensors.size(); ++i) {
        const Entry& t = m_tensors[i];
        if (!t.data) continue;
        f.seekp(std::streamoff(dataStart + offsets[i]));
        f.write(static_cast<const char*>(t.data),
                std::streamsize(dtypeStorageBytes(t.dtype, t.shape.numel())));
    }
    f.close();
    std::error_code ec;
    std::filesystem::resize_file(path, dataStart + offset, ec);
    if (!f || ec) {
        if (error) *error = path + ": writing failed";
        return false;
    }
    return true;
}

} // namespace llmlab
