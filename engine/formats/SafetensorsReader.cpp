// safetensors layout: u64 LE header length N, N bytes of JSON
//   { "__metadata__": {str: str}, name: {"dtype": "F32", "shape": [..], "data_offsets": [b, e]} }
// then the data; offsets are relative to the first byte after the header.
#include "SafetensorsReader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace llmlab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxHeader = 100'000'000; // the safetensors library's own limit

bool dtypeFromName(const std::string& s, DType* t) {
    if (s == "F32")
        *t = DType::F32;
    else if (s == "F16")
        *t = DType::F16;
    else if (s == "BF16")
        *t = DType::BF16;
    else
        return false;
    return true;
}

std::int64_t asIndex(const json& j) {
    if (j.is_number_unsigned() && j.get<std::uint64_t>() <= std::uint64_t(INT64_MAX))
        return std::int64_t(j.get<std::uint64_t>());
    if (j.is_number_integer() && j.get<std::int64_t>() >= 0) return j.get<std::int64_t>();
    return -1;
}

// config.json -> metadata: scalars and arrays of scalars keep their type; objects flatten
// into dotted keys ("config.rope_scaling.factor").
void flatten(const json& j, const std::string& prefix, Metadata& meta, int depth = 0) {
    if (depth > 8) return;
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(), prefix + "." + it.key(), meta, depth + 1);
    } else if (j.is_string()) {
        meta.set(prefix, MetaValue::string(j.get<std::string>()));
    } else if (j.is_boolean()) {
        meta.set(prefix, MetaValue::boolean(j.get<bool>()));
    } else if (j.is_number_unsigned()) {
        meta.set(prefix,
                 MetaValue::integer(MetaType::UInt64, std::int64_t(j.get<std::uint64_t>())));
    } else if (j.is_number_integer()) {
        meta.set(prefix, MetaValue::integer(MetaType::Int64, j.get<std::int64_t>()));
    } else if (j.is_number_float()) {
        meta.set(prefix, MetaValue::real(MetaType::Float64, j.get<double>()));
    } else if (j.is_array()) {
        MetaArray a;
        for (const json& e : j) {
            if (e.is_string())
                a.strings.push_back(e.get<std::string>());
            else if (e.is_number_integer())
                a.ints.push_back(e.get<std::int64_t>());
            else if (e.is_number())
                a.floats.push_back(e.get<double>());
        }
        a.elementType = !a.strings.empty()  ? MetaType::String
                        : !a.floats.empty() ? MetaType::Float64
                                            : MetaType::Int64;
        if (a.size() == j.size() && (a.ints.empty() + a.floats.empty() + a.strings.empty()) >= 2)
            meta.set(prefix, MetaValue::array(std::move(a)));
    } // null: left out, as if absent (n_inner: null means "the default")
}

json readJsonFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path.filename().string() + ": cannot be read");
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw FormatError(path.filename().string() + ": is not valid JSON (" + e.what() + ")");
    }
}

void readConfig(const fs::path& folder, RawModel& model) {
    const fs::path config = folder / "config.json";
    if (fs::exists(config)) {
        const json j = readJsonFile(config);
        if (!j.is_object()) throw FormatError("config.json: is not a JSON object");
        flatten(j, "config", model.metadata);
    }
    if (fs::exists(folder / "tokenizer.json"))
        model.tokenizerPath = (folder / "tokenizer.json").string();
}

std::shared_ptr<const MappedFile> mapOrThrow(const std::string& path) {
    std::string error;
    auto f = MappedFile::open(path, &error);
    if (!f) throw FormatError(error);
    return f;
}

} // namespace

void readSafetensors(const std::shared_ptr<const MappedFile>& file, int fileIndex,
                     RawModel& model) {
    const std::string name = file->displayName();
    auto fail = [&](const std::string& what) { throw FormatError(name + ": " + what); };
    if (file->size() < 8) fail("is too short to be a safetensors file");
    std::uint64_t headerLen;
    std::memcpy(&headerLen, file->data(), 8);
    if (headerLen > file->size() - 8)
        fail("the header length " + std::to_string(headerLen) + " is larger than the file (" +
             std::to_string(file->size()) + " bytes)");
    if (headerLen > kMaxHeader) fail("the JSON header is larger than 100 MB");
    const auto* text = reinterpret_cast<const char*>(file->data() + 8);
    json header;
    try {
        header = json::parse(text, text + headerLen);
    } catch (const json::exception& e) {
        fail(std::string("the header is not valid JSON (") + e.what() + ")");
    }
    if (!header.is_object()) fail("the header is not a JSON object");

    const std::uint64_t dataStart = 8 + headerLen;
    const std::uint64_t dataSize = file->size() - dataStart;
    std::set<std::string, std::less<>> seen;
    for (const TensorInfo& t : model.tensors) seen.insert(t.sourceName);
    for (auto it = header.begin(); it != header.end(); ++it) {
        const json& v = it.value();
        if (it.key() == "__metadata__") {
            if (!v.is_object()) fail("__metadata__ is not an object");
            for (auto m = v.begin(); m != v.end(); ++m)
                if (m.value().is_string())
                    model.metadata.set("safetensors." + m.key(),
                                       MetaValue::string(m.value().get<std::string>()));
            continue;
        }
        const std::string where = "tensor '" + printable(it.key()) + "'";
        if (!seen.insert(it.key()).second) fail(where + " appears twice");
        if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
            !v.contains("data_offsets") || !v["dtype"].is_string() || !v["shape"].is_array() ||
            !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
            fail(where + " lacks a dtype, shape or data_offsets pair");
        TensorInfo t;
        t.name = t.sourceName = it.key();
        t.file = fileIndex;
        const std::string dt = v["dtype"].get<std::string>();
        if (!dtypeFromName(dt, &t.dtype))
            fail(where + " has dtype " + dt + ", which llmlab cannot read (F32, F16, BF16 only)");
        std::vector<std::int64_t> dims;
        for (const json& d : v["shape"]) {
            const std::int64_t x = asIndex(d);
            if (x < 0) fail(where + " has a shape entry that is not a non-negative integer");
            dims.push_back(x);
        }
        t.shape = checkedShape(name + ": " + where, dims);
        const std::int64_t begin = asIndex(v["data_offsets"][0]);
        const std::int64_t end = asIndex(v["data_offsets"][1]);
        if (begin < 0 || end < begin || std::uint64_t(end) > dataSize)
            fail(where + " has data offsets [" + v["data_offsets"][0].dump() + ", " +
                 v["data_offsets"][1].dump() + "] outside the data section (" +
                 std::to_string(dataSize) + " bytes)");
        const std::int64_t numel = t.shape.numel();
        const std::int64_t elem = dtypeBlockBytes(t.dtype);
        if (numel > INT64_MAX / elem || numel * elem != end - begin)
            fail(where + " has shape " + t.shape.toString() + " of " + dt + " (" +
                 (numel > INT64_MAX / elem ? std::string("too many")
                                           : std::to_string(numel * elem)) +
                 " bytes) but its data offsets span " + std::to_string(end - begin) + " bytes");
        t.offset = dataStart + std::uint64_t(begin);
        t.bytes = std::uint64_t(end - begin);
        model.tensors.push_back(std::move(t));
    }
    checkTensorRanges(*file, fileIndex, model.tensors);
}

RawModel readSafetensorsFile(const std::string& path) {
    RawModel model;
    readConfig(fs::path(path).parent_path(), model);
    model.files.push_back(mapOrThrow(path));
    readSafetensors(model.files.back(), 0, model);
    return model;
}

RawModel readHfFolder(const std::string& folderPath) {
    const fs::path folder(folderPath);
    RawModel model;
    readConfig(folder, model);
    const fs::path index = folder / "model.safetensors.index.json";
    if (fs::exists(folder / "model.safetensors")) {
        model.files.push_back(mapOrThrow((folder / "model.safetensors").string()));
        readSafetensors(model.files.back(), 0, model);
    } else if (fs::exists(index)) {
        const json j = readJsonFile(index);
        if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
            throw FormatError("model.safetensors.index.json: has no weight_map object");
        std::vector<std::string> shards; // in first-use order
        for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
            if (!it.value().is_string())
                throw FormatError("model.safetensors.index.json: '" + printable(it.key()) +
                                  "' does not map to a file name");
            const std::string shard = it.value().get<std::string>();
            // A shard is a plain file name beside the index: no folders, no escaping upwards.
            if (shard.empty() || shard.find('/') != std::string::npos || shard == "." ||
                shard == "..")
                throw FormatError("model.safetensors.index.json: shard name '" + printable(shard) +
                                  "' is not a plain file name");
            if (std::find(shards.begin(), shards.end(), shard) == shards.end())
                shards.push_back(shard);
        }
        for (const std::string& shard : shards) {
            model.files.push_back(mapOrThrow((folder / shard).string()));
            readSafetensors(model.files.back(), int(model.files.size() - 1), model);
        }
        for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
            const auto found =
                std::find_if(model.tensors.begin(), model.tensors.end(),
                             [&](const TensorInfo& t) { return t.sourceName == it.key(); });
            if (found == model.tensors.end())
                throw FormatError("model.safetensors.index.json: tensor '" + printable(it.key()) +
                                  "' is not in " + printable(it.value().get<std::string>()));
        }
    } else {
        throw FormatError(folder.filename().string() +
                          ": has neither model.safetensors nor model.safetensors.index.json");
    }
    return model;
}

} // namespace llmlab
