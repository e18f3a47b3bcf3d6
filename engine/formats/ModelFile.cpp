#include "ModelFile.h"

#include "BlockQuant.h"
#include "GgufReader.h"
#include "Llama2cReader.h"
#include "SafetensorsReader.h"

#include <cstring>
#include <filesystem>

namespace llmlab {

std::string_view modelFormatName(ModelFormat f) {
    switch (f) {
    case ModelFormat::Gguf:
        return "GGUF";
    case ModelFormat::Safetensors:
        return "safetensors";
    case ModelFormat::HfFolder:
        return "Hugging Face folder";
    case ModelFormat::Llama2c:
        return "llama2.c checkpoint";
    }
    return "?";
}

namespace {

// A safetensors file starts with a plausible header length followed by '{'.
bool looksLikeSafetensors(const MappedFile& f) {
    if (f.size() < 10) return false;
    std::uint64_t n;
    std::memcpy(&n, f.data(), 8);
    return n >= 2 && n <= f.size() - 8 && f.data()[8] == std::byte('{');
}

std::string oneLine(std::string s) {
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return s;
}

} // namespace

std::unique_ptr<ModelFile> ModelFile::open(const std::string& path, std::string* error) {
    namespace fs = std::filesystem;
    registerQuantFormats();
    std::unique_ptr<ModelFile> model(new ModelFile);
    model->m_path = path;
    std::string hint;
    try {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            model->m_format = ModelFormat::HfFolder;
            model->m_raw = readHfFolder(path);
            hint = "hf";
        } else {
            std::string mapError;
            auto file = MappedFile::open(path, &mapError);
            if (!file) throw FormatError(mapError);
            if (file->size() >= 4 && std::memcmp(file->data(), "GGUF", 4) == 0) {
                model->m_format = ModelFormat::Gguf;
                model->m_raw = readGguf(file);
                hint = "gguf";
            } else if (looksLikeSafetensors(*file) || path.ends_with(".safetensors")) {
                model->m_format = ModelFormat::Safetensors;
                model->m_raw = readSafetensorsFile(path);
                hint = "hf";
            } else if (looksLikeLlama2c(*file) || path.ends_with(".bin")) {
                model->m_format = ModelFormat::Llama2c;
                model->m_raw = readLlama2c(file);
                hint = "llama2c";
            } else {
                throw FormatError(file->displayName() +
                                  ": is not a model file llmlab knows (GGUF, safetensors, "
                                  "llama2.c checkpoint or Hugging Face folder)");
            }
        }
        model->m_spec = buildModelSpec(model->m_raw, hint);
    } catch (const FormatError& e) {
        // Names are escaped where they are quoted; this catches text from elsewhere (JSON
        // parser messages) so the message stays one line.
        if (error) *error = oneLine(e.what());
        return nullptr;
    } catch (const std::exception& e) { // allocation failures and the like: still one sentence
        if (error)
            *error =
                oneLine(fs::path(path).filename().string() + ": cannot be read (" + e.what() + ")");
        return nullptr;
    }
    for (std::size_t i = 0; i < model->m_raw.tensors.size(); ++i)
        model->m_byName.emplace(model->m_raw.tensors[i].name, i);
    return model;
}

const TensorInfo* ModelFile::find(std::string_view name) const {
    auto it = m_byName.find(name);
    return it == m_byName.end() ? nullptr : &m_raw.tensors[it->second];
}

Tensor ModelFile::tensor(std::string_view name) const {
    const TensorInfo* t = find(name);
    if (!t) throw std::out_of_range(std::string(name) + ": no such tensor in " + m_path);
    const auto& file = m_raw.files[std::size_t(t->file)];
    return Tensor::borrow(t->dtype, t->shape, file->data() + t->offset, file);
}

std::vector<float> ModelFile::outInFloats(std::string_view name, Shape* shape) const {
    const TensorInfo* t = find(name);
    std::vector<float> v = tensor(name).toFloats();
    if (!t->transposed || t->shape.rank() != 2) {
        if (shape) *shape = t->shape;
        return v;
    }
    const std::int64_t rows = t->shape.dim(0), cols = t->shape.dim(1);
    std::vector<float> out(v.size());
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            out[std::size_t(c * rows + r)] = v[std::size_t(r * cols + c)];
    if (shape) *shape = Shape{cols, rows};
    return out;
}

std::uint64_t ModelFile::fileBytes() const {
    std::uint64_t n = 0;
    for (const auto& f : m_raw.files) n += f->size();
    return n;
}

bool ModelFile::lockInMemory() const {
    bool all = true;
    for (const auto& f : m_raw.files) all = f->lockInMemory() && all;
    return all;
}

} // namespace llmlab
