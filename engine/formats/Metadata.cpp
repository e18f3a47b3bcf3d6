#include "Metadata.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmlab {

std::string_view metaTypeName(MetaType t) {
    switch (t) {
    case MetaType::UInt8:
        return "uint8";
    case MetaType::Int8:
        return "int8";
    case MetaType::UInt16:
        return "uint16";
    case MetaType::Int16:
        return "int16";
    case MetaType::UInt32:
        return "uint32";
    case MetaType::Int32:
        return "int32";
    case MetaType::Float32:
        return "float32";
    case MetaType::Bool:
        return "bool";
    case MetaType::String:
        return "string";
    case MetaType::Array:
        return "array";
    case MetaType::UInt64:
        return "uint64";
    case MetaType::Int64:
        return "int64";
    case MetaType::Float64:
        return "float64";
    }
    return "?";
}

bool metaTypeIsInteger(MetaType t) {
    switch (t) {
    case MetaType::UInt8:
    case MetaType::Int8:
    case MetaType::UInt16:
    case MetaType::Int16:
    case MetaType::UInt32:
    case MetaType::Int32:
    case MetaType::UInt64:
    case MetaType::Int64:
        return true;
    default:
        return false;
    }
}

std::size_t MetaArray::size() const {
    return ints.size() + floats.size() + strings.size() + arrays.size();
}

MetaValue MetaValue::integer(MetaType type, std::int64_t v) {
    MetaValue m;
    m.m_type = type;
    m.m_v = v;
    return m;
}
MetaValue MetaValue::real(MetaType type, double v) {
    MetaValue m;
    m.m_type = type;
    m.m_v = v;
    return m;
}
MetaValue MetaValue::boolean(bool v) {
    MetaValue m;
    m.m_type = MetaType::Bool;
    m.m_v = v;
    return m;
}
MetaValue MetaValue::string(std::string v) {
    MetaValue m;
    m.m_type = MetaType::String;
    m.m_v = std::move(v);
    return m;
}
MetaValue MetaValue::array(MetaArray a) {
    MetaValue m;
    m.m_type = MetaType::Array;
    m.m_v = std::make_shared<const MetaArray>(std::move(a));
    return m;
}

std::optional<std::int64_t> MetaValue::asInt() const {
    if (const auto* i = std::get_if<std::int64_t>(&m_v)) {
        if (m_type == MetaType::UInt64 && *i < 0) return std::nullopt;
        return *i;
    }
    if (const auto* b = std::get_if<bool>(&m_v)) return *b ? 1 : 0;
    if (const auto* d = std::get_if<double>(&m_v))
        if (std::trunc(*d) == *d && std::fabs(*d) < 9.2e18) return std::int64_t(*d);
    return std::nullopt;
}

std::optional<std::uint64_t> MetaValue::asUInt() const {
    if (const auto* i = std::get_if<std::int64_t>(&m_v))
        if (m_type == MetaType::UInt64 || *i >= 0) return std::uint64_t(*i);
    const auto i = asInt();
    if (i && *i >= 0) return std::uint64_t(*i);
    return std::nullopt;
}

std::optional<double> MetaValue::asFloat() const {
    if (const auto* d = std::get_if<double>(&m_v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&m_v))
        return m_type == MetaType::UInt64 ? double(std::uint64_t(*i)) : double(*i);
    return std::nullopt;
}

std::optional<bool> MetaValue::asBool() const {
    if (const auto* b = std::get_if<bool>(&m_v)) return *b;
    return std::nullopt;
}

const std::string* MetaValue::asString() const {
    return std::get_if<std::string>(&m_v);
}

const MetaArray* MetaValue::asArray() const {
    const auto* a = std::get_if<std::shared_ptr<const MetaArray>>(&m_v);
    return a ? a->get() : nullptr;
}

namespace {
std::string formatReal(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.7g", d);
    return buf;
}
std::string formatInt(MetaType t, std::int64_t v) {
    return t == MetaType::UInt64 ? std::to_string(std::uint64_t(v)) : std::to_string(v);
}
std::string quoted(const std::string& s) {
    std::string out(1, '"');
    out.append(s, 0, std::min<std::size_t>(s.size(), 40));
    if (s.size() > 40) out += "...";
    out += '"';
    return out;
}
} // namespace

std::string MetaValue::toString(std::size_t maxItems) const {
    if (const auto* s = asString()) return quoted(*s);
    if (const auto* b = std::get_if<bool>(&m_v)) return *b ? "true" : "false";
    if (const auto* d = std::get_if<double>(&m_v)) return formatReal(*d);
    if (const auto* i = std::get_if<std::int64_t>(&m_v)) return formatInt(m_type, *i);
    const MetaArray* a = asArray();
    if (!a) return "?";
    std::string out =
        "[" + std::to_string(a->size()) + " × " + std::string(metaTypeName(a->elementType));
    const std::size_t n = std::min(a->size(), maxItems);
    for (std::size_t k = 0; k < n; ++k) {
        out += k ? ", " : ": ";
        if (!a->strings.empty())
            out += quoted(a->strings[k]);
        else if (!a->floats.empty())
            out += formatReal(a->floats[k]);
        else if (!a->arrays.empty())
            out += a->arrays[k].toString(maxItems);
        else if (a->elementType == MetaType::Bool)
            out += a->ints[k] ? "true" : "false";
        else
            out += formatInt(a->elementType, a->ints[k]);
    }
    return out + (n < a->size() ? ", ...]" : "]");
}

void Metadata::set(std::string key, MetaValue value) {
    if (auto it = m_index.find(key); it != m_index.end()) {
        m_entries[it->second].second = std::move(value);
        return;
    }
    m_index.emplace(key, m_entries.size());
    m_entries.emplace_back(std::move(key), std::move(value));
}

const MetaValue* Metadata::find(std::string_view key) const {
    auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_entries[it->second].second;
}

std::string Metadata::getString(std::string_view key, std::string fallback) const {
    const MetaValue* v = find(key);
    const std::string* s = v ? v->asString() : nullptr;
    return s ? *s : fallback;
}

std::int64_t Metadata::getInt(std::string_view key, std::int64_t fallback) const {
    const MetaValue* v = find(key);
    return v ? v->asInt().value_or(fallback) : fallback;
}

double Metadata::getFloat(std::string_view key, double fallback) const {
    const MetaValue* v = find(key);
    return v ? v->asFloat().value_or(fallback) : fallback;
}

bool Metadata::getBool(std::string_view key, bool fallback) const {
    const MetaValue* v = find(key);
    return v ? v->asBool().value_or(fallback) : fallback;
}

std::vector<std::string> Metadata::getStringArray(std::string_view key) const {
    const MetaValue* v = find(key);
    const MetaArray* a = v ? v->asArray() : nullptr;
    return a ? a->strings : std::vector<std::string>{};
}

std::vector<std::int64_t> Metadata::getIntArray(std::string_view key) const {
    const MetaValue* v = find(key);
    const MetaArray* a = v ? v->asArray() : nullptr;
    return a ? a->ints : std::vector<std::int64_t>{};
}

std::vector<double> Metadata::getFloatArray(std::string_view key) const {
    const MetaValue* v = find(key);
    const MetaArray* a = v ? v->asArray() : nullptr;
    return a ? a->floats : std::vector<double>{};
}

std::size_t Metadata::arraySize(std::string_view key) const {
    const MetaValue* v = find(key);
    const MetaArray* a = v ? v->asArray() : nullptr;
    return a ? a->size() : 0;
}

} // namespace llmlab
