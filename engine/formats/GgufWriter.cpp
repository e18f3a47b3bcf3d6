#include "GgufWriter.h"

#include "GgufReader.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace llmlab {

namespace {

class Out {
public:
    std::vector<char> bytes;
    template <typename T> void put(T v) {
        const auto* p = reinterpret_cast<const char*>(&v);
        bytes.insert(bytes.end(), p, p + sizeof(T));
    }
    void putString(const std::string& s) {
        put<std::uint64_t>(s.size());
        bytes.insert(bytes.end(), s.begin(), s.end());
    }
    void putScalar(MetaType t, const MetaValue& v);
    void putArray(const MetaArray& a);
};

void putInt(Out& o, MetaType t, std::int64_t v) {
    switch (t) {
    case MetaType::UInt8:
    case MetaType::Bool:
        o.put(std::uint8_t(v));
        break;
    case MetaType::Int8:
        o.put(std::int8_t(v));
        break;
    case MetaType::UInt16:
        o.put(std::uint16_t(v));
        break;
    case MetaType::Int16:
        o.put(std::int16_t(v));
        break;
    case MetaType::UInt32:
        o.put(std::uint32_t(v));
        break;
    case MetaType::Int32:
        o.put(std::int32_t(v));
        break;
    default:
        o.put(v);
        break; // UInt64 / Int64: the same 8 bytes
    }
}

void Out::putScalar(MetaType t, const MetaValue& v) {
    if (t == MetaType::String)
        putString(*v.asString());
    else if (t == MetaType::Float32)
        put(float(*v.asFloat()));
    else if (t == MetaType::Float64)
        put(double(*v.asFloat()));
    else if (t == MetaType::Array)
        putArray(*v.asArray());
    else if (t == MetaType::UInt64)
        put<std::uint64_t>(v.asUInt().value_or(0));
    else
        putInt(*this, t, v.asInt().value_or(0));
}

void Out::putArray(const MetaArray& a) {
    put<std::uint32_t>(std::uint32_t(a.elementType));
    put<std::uint64_t>(a.size());
    for (const std::string& s : a.strings) putString(s);
    for (double d : a.floats) a.elementType == MetaType::Float32 ? put(float(d)) : put(d);
    for (std::int64_t i : a.ints) putInt(*this, a.elementType, i);
    for (const MetaValue& v : a.arrays) putArray(*v.asArray());
}

} // namespace

void GgufWriter::addMetadata(std::string key, MetaValue value) {
    m_meta.emplace_back(std::move(key), std::move(value));
}

void GgufWriter::addTensor(std::string name, DType dtype, const Shape& shape, const void* data) {
    m_tensors.push_back({std::move(name), dtype, shape, data});
}

bool GgufWriter::write(const std::string& path, std::string* error) const {
    const std::uint64_t align = m_alignment;
    Out o;
    o.bytes.insert(o.bytes.end(), {'G', 'G', 'U', 'F'});
    o.put<std::uint32_t>(3);
    o.put<std::uint64_t>(m_tensors.size());
    o.put<std::uint64_t>(m_meta.size() + (align != 32 ? 1 : 0));
    if (align != 32) {
        o.putString("general.alignment");
        o.put<std::uint32_t>(std::uint32_t(MetaType::UInt32));
        o.put<std::uint32_t>(std::uint32_t(align));
    }
    for (const auto& [key, value] : m_meta) {
        o.putString(key);
        o.put<std::uint32_t>(std::uint32_t(value.type()));
        o.putScalar(value.type(), value);
    }
    std::vector<std::uint64_t> offsets;
    std::uint64_t next = 0;
    for (const Entry& t : m_tensors) {
        o.putString(t.name);
        o.put<std::uint32_t>(std::uint32_t(t.shape.rank()));
        for (int d = t.shape.rank() - 1; d >= 0; --d)
            o.put<std::uint64_t>(std::uint64_t(t.shape.dim(d)));
        o.put<std::uint32_t>(ggmlTypeOf(t.dtype));
        o.put<std::uint64_t>(next);
        offsets.push_back(next);
        next += (std::uint64_t(dtypeStorageBytes(t.dtype, t.shape.numel())) + align - 1) / align *
                align;
    }
    const std::uint64_t dataStart = (o.bytes.size() + align - 1) / align * align;
    o.bytes.resize(std::size_t(dataStart), 0);

    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) {
        if (error) *error = path + ": cannot be created";
        return false;
    }
    f.write(o.bytes.data(), std::streamsize(o.bytes.size()));
    std::uint64_t end = dataStart;
    for (std::size_t i = 0; i < m_tensors.size(); ++i) {
        const Entry& t = m_tensors[i];
        const auto bytes = std::uint64_t(dtypeStorageBytes(t.dtype, t.shape.numel()));
        end = dataStart + offsets[i] + bytes;
        if (!t.data) continue; // a hole: the file system supplies zeros
        f.seekp(std::streamoff(dataStart + offsets[i]));
        f.write(static_cast<const char*>(t.data), std::streamsize(bytes));
    }
    f.close();
    std::error_code ec;
    std::filesystem::resize_file(path, end, ec); // extends past trailing holes
    if (!f || ec) {
        if (error) *error = path + ": writing failed";
        return false;
    }
    return true;
}

} // namespace llmlab
