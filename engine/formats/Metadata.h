// Model-file metadata: GGUF key/value pairs (or config.json fields) as typed values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmlab {

/// Value types, numbered as GGUF numbers them (gguf_type).
enum class MetaType : std::uint8_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};
std::string_view metaTypeName(MetaType t);
bool metaTypeIsInteger(MetaType t);

class MetaValue;

/// An array value. Elements live in the one vector that fits their type, so a 150k-entry
/// vocabulary costs one std::string per token, not one MetaValue.
struct MetaArray {
    MetaType elementType = MetaType::UInt8;
    std::vector<std::int64_t> ints;   ///< integer and bool elements (UInt64 bit-cast)
    std::vector<double> floats;       ///< Float32 / Float64 elements
    std::vector<std::string> strings; ///< String elements
    std::vector<MetaValue> arrays;    ///< nested Array elements
    std::size_t size() const;
};

/// One metadata value: a scalar, a string or an array.
class MetaValue {
public:
    MetaValue() = default;
    static MetaValue integer(MetaType type, std::int64_t v); ///< UInt64 passes its bits
    static MetaValue real(MetaType type, double v);
    static MetaValue boolean(bool v);
    static MetaValue string(std::string v);
    static MetaValue array(MetaArray a);

    MetaType type() const { return m_type; }
    bool isArray() const { return m_type == MetaType::Array; }

    /// The value as an integer (integers, bools; floats with no fraction), else nullopt.
    /// A UInt64 above INT64_MAX gives nullopt.
    std::optional<std::int64_t> asInt() const;
    /// The value as an unsigned integer (all 64 bits of a UInt64), else nullopt.
    std::optional<std::uint64_t> asUInt() const;
    std::optional<double> asFloat() const; ///< floats and integers
    std::optional<bool> asBool() const;
    const std::string* asString() const;
    const MetaArray* asArray() const;

    /// Short display text: `64`, `1e-05`, `"llama"`, `[512 × string: "<unk>", "<s>", ...]`.
    std::string toString(std::size_t maxItems = 4) const;

private:
    MetaType m_type = MetaType::UInt8;
    std::variant<std::int64_t, double, bool, std::string, std::shared_ptr<const MetaArray>> m_v;
};

/// Ordered key -> value map (file order kept for display).
class Metadata {
public:
    /// Adds or replaces a key.
    void set(std::string key, MetaValue value);
    const MetaValue* find(std::string_view key) const;
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    std::size_t size() const { return m_entries.size(); }
    const std::vector<std::pair<std::string, MetaValue>>& entries() const { return m_entries; }

    std::string getString(std::string_view key, std::string fallback = {}) const;
    std::int64_t getInt(std::string_view key, std::int64_t fallback = 0) const;
    double getFloat(std::string_view key, double fallback = 0.0) const;
    bool getBool(std::string_view key, bool fallback = false) const;
    /// Array helpers: empty when the key is missing or holds another type.
    std::vector<std::string> getStringArray(std::string_view key) const;
    std::vector<std::int64_t> getIntArray(std::string_view key) const;
    std::vector<double> getFloatArray(std::string_view key) const;
    /// Number of elements of an array value (0 when missing).
    std::size_t arraySize(std::string_view key) const;

private:
    std::vector<std::pair<std::string, MetaValue>> m_entries;
    std::map<std::string, std::size_t, std::less<>> m_index;
};

} // namespace llmlab
