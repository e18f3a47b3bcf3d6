// One opened model (GGUF, safetensors, Hugging Face folder, llama2.c): metadata, tensor index
// under canonical names, the architecture spec, and tensors borrowed from the memory map.
#pragma once

#include "Metadata.h"
#include "ModelSpec.h"
#include "Tensor.h"
#include "TensorIndex.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmlab {

enum class ModelFormat : std::uint8_t { Gguf, Safetensors, HfFolder, Llama2c };
std::string_view modelFormatName(ModelFormat f);

class ModelFile {
public:
    /// Opens `path` (a file or a Hugging Face folder), choosing the format by magic number
    /// or folder contents. Maps, never copies, tensor data. Returns nullptr with `error`
    /// set to one readable sentence naming the file and the problem.
    static std::unique_ptr<ModelFile> open(const std::string& path, std::string* error);

    ModelFormat format() const { return m_format; }
    const std::string& path() const { return m_path; }
    const Metadata& metadata() const { return m_raw.metadata; }
    const ModelSpec& spec() const { return m_spec; }
    /// Every tensor, in file order, under canonical names (TensorInfo::sourceName keeps the
    /// stored one).
    const std::vector<TensorInfo>& tensors() const { return m_raw.tensors; }
    /// The entry for a canonical name, or nullptr.
    const TensorInfo* find(std::string_view name) const;
    /// The tensor borrowed from the mapped file (alive as long as the Tensor is), in its stored
    /// dtype and shape. Throws std::out_of_range for an unknown name.
    Tensor tensor(std::string_view name) const;
    /// The tensor widened to F32 in [out, in] order: GPT-2's Conv1D matrices (stored [in, out],
    /// TensorInfo::transposed) are transposed, everything else is as stored. `shape` gets the
    /// shape of what is returned. Throws std::out_of_range for an unknown name.
    std::vector<float> outInFloats(std::string_view name, Shape* shape = nullptr) const;
    /// A tokenizer file found beside the model (tokenizer.json, tok512.bin), or empty; GGUF
    /// files carry their vocabulary in the metadata instead (tokenizer.ggml.*).
    const std::string& tokenizerPath() const { return m_raw.tokenizerPath; }
    /// MappedFile::lockInMemory for every file of the model; false if any is refused.
    bool lockInMemory() const;
    /// Total bytes of the mapped files.
    std::uint64_t fileBytes() const;

private:
    ModelFile() = default;
    ModelFormat m_format = ModelFormat::Gguf;
    std::string m_path;
    RawModel m_raw;
    ModelSpec m_spec;
    std::map<std::string, std::size_t, std::less<>> m_byName;
};

} // namespace llmlab
