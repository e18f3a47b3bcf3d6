// GGUF layout (ggml docs/gguf.md), all little-endian:
//   "GGUF" u32 version, u64 tensor_count, u64 kv_count,
//   kv_count × { string key, u32 type, value },  string = { u64 len, bytes },
//   tensor_count × { string name, u32 n_dims, u64 ne[n_dims] (innermost first), u32 type,
//                    u64 offset (relative to the data section, a multiple of the alignment) },
//   padding to general.alignment (default 32), tensor data.
#include "GgufReader.h"

#include <cstring>
#include <set>

namespace llmlab {

namespace {

constexpr int kMaxNesting = 8; // arrays of arrays deeper than this are not real models

struct Cursor {
    const std::byte* data;
    std::uint64_t size;
    std::uint64_t pos = 0;
    std::string file;

    std::uint64_t remaining() const { return size - pos; }
    [[noreturn]] void fail(const std::string& what) const { throw FormatError(file + ": " + what); }

    void need(std::uint64_t n, const char* what) const {
        if (n > remaining())
            fail(std::string("the file ends inside ") + what + " (at byte " + std::to_string(pos) +
                 ", file " + std::to_string(size) + " bytes)");
    }
    template <typename T> T read(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, data + pos, sizeof(T));
        pos += sizeof(T);
        return v;
    }
    std::string readString(const char* what) {
        const auto len = read<std::uint64_t>(what);
        if (len > remaining())
            fail(std::string(what) + " claims " + std::to_string(len) + " bytes but only " +
                 std::to_string(remaining()) + " remain in the file");
        std::string s(reinterpret_cast<const char*>(data + pos), std::size_t(len));
        pos += len;
        return s;
    }
};

// Bytes one element of a type takes at least, to bound counts before reserving.
std::uint64_t minBytes(MetaType t) {
    switch (t) {
    case MetaType::UInt8:
    case MetaType::Int8:
    case MetaType::Bool:
        return 1;
    case MetaType::UInt16:
    case MetaType::Int16:
        return 2;
    case MetaType::UInt32:
    case MetaType::Int32:
    case MetaType::Float32:
        return 4;
    case MetaType::String:
    case MetaType::UInt64:
    case MetaType::Int64:
    case MetaType::Float64:
        return 8;
    case MetaType::Array:
        return 12; // u32 type + u64 count
    }
    return 1;
}

MetaType readType(Cursor& c, const std::string& key) {
    const auto t = c.read<std::uint32_t>("a metadata type");
    if (t > 12)
        c.fail("metadata key '" + printable(key) + "' has unknown value type " + std::to_string(t));
    return MetaType(t);
}

std::int64_t readInt(Cursor& c, MetaType t) {
    switch (t) {
    case MetaType::UInt8:
        return c.read<std::uint8_t>("a uint8 value");
    case MetaType::Int8:
        return c.read<std::int8_t>("an int8 value");
    case MetaType::UInt16:
        return c.read<std::uint16_t>("a uint16 value");
    case MetaType::Int16:
        return c.read<std::int16_t>("an int16 value");
    case MetaType::UInt32:
        return c.read<std::uint32_t>("a uint32 value");
    case MetaType::Int32:
        return c.read<std::int32_t>("an int32 value");
    case MetaType::UInt64:
        return std::int64_t(c.read<std::uint64_t>("a uint64 value"));
    case MetaType::Int64:
        return c.read<std::int64_t>("an int64 value");
    case MetaType::Bool: {
        const auto b = c.read<std::uint8_t>("a bool value");
        if (b > 1) c.fail("a bool value is " + std::to_string(b) + ", not 0 or 1");
        return b;
    }
    default:
        return 0;
    }
}

double readReal(Cursor& c, MetaType t) {
    if (t == MetaType::Float32) return c.read<float>("a float32 value");
    return c.read<double>("a float64 value");
}

MetaValue readValue(Cursor& c, MetaType t, const std::string& key, int depth);

MetaValue readArray(Cursor& c, const std::string& key, int depth) {
    if (depth > kMaxNesting)
        c.fail("metadata key '" + printable(key) + "' nests arrays too deeply");
    MetaArray a;
    a.elementType = readType(c, key);
    const auto n = c.read<std::uint64_t>("an array length");
    if (n > c.remaining() / minBytes(a.elementType))
        c.fail("metadata key '" + printable(key) + "' claims " + std::to_string(n) + " " +
               std::string(metaTypeName(a.elementType)) +
               " elements, more than the rest of the file can hold");
    const auto count = std::size_t(n);
    switch (a.elementType) {
    case MetaType::String:
        a.strings.reserve(count);
        for (std::size_t i = 0; i < count; ++i) a.strings.push_back(c.readString("a string"));
        break;
    case MetaType::Float32:
    case MetaType::Float64:
        a.floats.reserve(count);
        for (std::size_t i = 0; i < count; ++i) a.floats.push_back(readReal(c, a.elementType));
        break;
    case MetaType::Array:
        a.arrays.reserve(count);
        for (std::size_t i = 0; i < count; ++i) a.arrays.push_back(readArray(c, key, depth + 1));
        break;
    default:
        a.ints.reserve(count);
        for (std::size_t i = 0; i < count; ++i) a.ints.push_back(readInt(c, a.elementType));
    }
    return MetaValue::array(std::move(a));
}

MetaValue readValue(Cursor& c, MetaType t, const std::string& key, int depth) {
    switch (t) {
    case MetaType::String:
        return MetaValue::string(c.readString("a string value"));
    case MetaType::Array:
        return readArray(c, key, depth + 1);
    case MetaType::Float32:
    case MetaType::Float64:
        return MetaValue::real(t, readReal(c, t));
    case MetaType::Bool:
        return MetaValue::boolean(readInt(c, t) != 0);
    default:
        return MetaValue::integer(t, readInt(c, t));
    }
}

struct GgmlType {
    std::uint32_t id;
    const char* name;
    std::optional<DType> dtype;
};
constexpr GgmlType kGgmlTypes[] = {
    {0, "F32", DType::F32},
    {1, "F16", DType::F16},
    {2, "Q4_0", DType::Q4_0},
    {3, "Q4_1", DType::Q4_1},
    {6, "Q5_0", DType::Q5_0},
    {7, "Q5_1", DType::Q5_1},
    {8, "Q8_0", DType::Q8_0},
    {9, "Q8_1", {}},
    {10, "Q2_K", DType::Q2_K},
    {11, "Q3_K", DType::Q3_K},
    {12, "Q4_K", DType::Q4_K},
    {13, "Q5_K", DType::Q5_K},
    {14, "Q6_K", DType::Q6_K},
    {15, "Q8_K", DType::Q8_K},
    {16, "IQ2_XXS", {}},
    {17, "IQ2_XS", {}},
    {18, "IQ3_XXS", {}},
    {19, "IQ1_S", {}},
    {20, "IQ4_NL", {}},
    {21, "IQ3_S", {}},
    {22, "IQ2_S", {}},
    {23, "IQ4_XS", {}},
    {24, "I8", {}},
    {25, "I16", {}},
    {26, "I32", DType::I32},
    {27, "I64", {}},
    {28, "F64", {}},
    {29, "IQ1_M", {}},
    {30, "BF16", DType::BF16},
};

} // namespace

std::uint32_t ggmlTypeOf(DType t) {
    for (const GgmlType& g : kGgmlTypes)
        if (g.dtype == t) return g.id;
    return 0;
}

std::optional<DType> dtypeFromGgml(std::uint32_t id) {
    for (const GgmlType& g : kGgmlTypes)
        if (g.id == id) return g.dtype;
    return std::nullopt;
}

std::string ggmlTypeName(std::uint32_t id) {
    for (const GgmlType& g : kGgmlTypes)
        if (g.id == id) return g.name;
    return "type " + std::to_string(id);
}

RawModel readGguf(std::shared_ptr<const MappedFile> file) {
    Cursor c{file->data(), file->size(), 0, file->displayName()};
    c.need(4, "the magic number");
    if (std::memcmp(c.data, "GGUF", 4) != 0) c.fail("not a GGUF file (the magic number is wrong)");
    c.pos = 4;
    const auto version = c.read<std::uint32_t>("the header");
    if (version != 2 && version != 3)
        c.fail("GGUF version " + std::to_string(version) + " is not supported (2 and 3 are)");
    const auto tensorCount = c.read<std::uint64_t>("the header");
    const auto kvCount = c.read<std::uint64_t>("the header");
    // The smallest key/value takes 8 (empty key) + 4 (type) + 1 bytes, a tensor info 24.
    if (kvCount > c.remaining() / 13)
        c.fail("the header claims " + std::to_string(kvCount) +
               " metadata entries, more than the file can hold");
    if (tensorCount > c.remaining() / 24)
        c.fail("the header claims " + std::to_string(tensorCount) +
               " tensors, more than the file can hold");

    RawModel model;
    for (std::uint64_t i = 0; i < kvCount; ++i) {
        std::string key = c.readString("a metadata key");
        if (!isValidUtf8(key)) c.fail("metadata key #" + std::to_string(i) + " is not valid UTF-8");
        if (model.metadata.contains(key))
            c.fail("metadata key '" + printable(key) + "' appears twice");
        const MetaType t = readType(c, key);
        MetaValue v = readValue(c, t, key, 0);
        model.metadata.set(std::move(key), std::move(v));
    }

    std::uint64_t alignment = 32;
    if (const MetaValue* a = model.metadata.find("general.alignment")) {
        const auto v = a->asInt();
        if (!v || *v <= 0 || (*v & (*v - 1)) != 0 || *v > (1 << 30))
            c.fail("general.alignment is " + a->toString() + ", not a power of two");
        alignment = std::uint64_t(*v);
    }

    std::set<std::string, std::less<>> names;
    model.tensors.reserve(std::size_t(tensorCount));
    for (std::uint64_t i = 0; i < tensorCount; ++i) {
        TensorInfo t;
        t.name = c.readString("a tensor name");
        if (!isValidUtf8(t.name))
            c.fail("tensor name #" + std::to_string(i) + " is not valid UTF-8");
        if (!names.insert(t.name).second)
            c.fail("tensor '" + printable(t.name) + "' appears twice");
        t.sourceName = t.name;
        const std::string where = "tensor '" + printable(t.name) + "'";
        const auto nDims = c.read<std::uint32_t>("a tensor info");
        if (nDims > 4) c.fail(where + " has " + std::to_string(nDims) + " dimensions (at most 4)");
        std::vector<std::int64_t> dims(nDims);
        for (std::uint32_t d = 0; d < nDims; ++d) {
            const auto ne = c.read<std::uint64_t>("a tensor info");
            if (ne > std::uint64_t(INT64_MAX)) c.fail(where + " has a dimension above 2^63");
            dims[nDims - 1 - d] = std::int64_t(ne); // GGUF lists innermost first
        }
        t.shape = checkedShape(c.file + ": " + where, dims);
        const auto type = c.read<std::uint32_t>("a tensor info");
        const auto dtype = dtypeFromGgml(type);
        if (!dtype)
            c.fail(where + " has type " + ggmlTypeName(type) + ", which llmlab cannot read");
        t.dtype = *dtype;
        if (nDims > 0 && dims.back() % dtypeBlockElements(t.dtype) != 0)
            c.fail(where + " has rows of " + std::to_string(dims.back()) +
                   " values, not a whole number of " + ggmlTypeName(type) + " blocks");
        if (t.shape.numel() / dtypeBlockElements(t.dtype) > INT64_MAX / dtypeBlockBytes(t.dtype))
            c.fail(where + " is too large to address");
        t.bytes = std::uint64_t(dtypeStorageBytes(t.dtype, t.shape.numel()));
        t.offset = c.read<std::uint64_t>("a tensor info"); // relative for now
        if (t.offset % alignment != 0)
            c.fail(where + " starts at data offset " + std::to_string(t.offset) +
                   ", not a multiple of the alignment " + std::to_string(alignment));
        model.tensors.push_back(std::move(t));
    }

    const std::uint64_t dataStart = (c.pos + alignment - 1) / alignment * alignment;
    for (TensorInfo& t : model.tensors) {
        if (t.offset > UINT64_MAX - dataStart)
            c.fail("tensor '" + printable(t.name) + "' has an offset past any file size");
        t.offset += dataStart;
    }
    checkTensorRanges(*file, 0, model.tensors);

    model.metadata.set("gguf.version", MetaValue::integer(MetaType::UInt32, version));
    model.metadata.set("gguf.alignment",
                       MetaValue::integer(MetaType::UInt64, std::int64_t(alignment)));
    model.metadata.set("gguf.data_offset",
                       MetaValue::integer(MetaType::UInt64, std::int64_t(dataStart)));
    model.files.push_back(std::move(file));
    return model;
}

} // namespace llmlab
