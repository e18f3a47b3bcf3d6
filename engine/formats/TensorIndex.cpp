#include "TensorIndex.h"

#include <algorithm>
#include <limits>

namespace llmlab {

Shape checkedShape(const std::string& where, const std::vector<std::int64_t>& d) {
    if (d.size() > std::size_t(Shape::kMaxRank))
        throw FormatError(where + " has " + std::to_string(d.size()) +
                          " dimensions (at most 4 are supported)");
    std::int64_t n = 1;
    for (std::int64_t x : d) {
        if (x < 0) throw FormatError(where + " has a negative dimension");
        if (x != 0 && n > std::numeric_limits<std::int64_t>::max() / x)
            throw FormatError(where + " has dimensions whose product overflows 64 bits");
        n *= x;
    }
    return Shape::fromDims(d);
}

void checkTensorRanges(const MappedFile& file, int fileIndex, const std::vector<TensorInfo>& ts) {
    const std::string name = file.displayName();
    std::vector<const TensorInfo*> order;
    for (const TensorInfo& t : ts) {
        if (t.file != fileIndex) continue;
        if (t.offset > file.size() || t.bytes > file.size() - t.offset)
            throw FormatError(name + ": tensor '" + printable(t.sourceName) +
                              "' extends past the end of the file (offset " +
                              std::to_string(t.offset) + ", size " + std::to_string(t.bytes) +
                              ", file " + std::to_string(file.size()) + ")");
        order.push_back(&t);
    }
    std::sort(order.begin(), order.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    for (std::size_t i = 1; i < order.size(); ++i) {
        const TensorInfo& a = *order[i - 1];
        const TensorInfo& b = *order[i];
        if (a.bytes > 0 && b.bytes > 0 && a.offset + a.bytes > b.offset)
            throw FormatError(name + ": tensors '" + printable(a.sourceName) + "' and '" +
                              printable(b.sourceName) + "' overlap (bytes " +
                              std::to_string(a.offset) + ".." + std::to_string(a.offset + a.bytes) +
                              " and " + std::to_string(b.offset) + ".." +
                              std::to_string(b.offset + b.bytes) + ")");
    }
}

std::string printable(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < 80; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += char(c);
        }
    }
    if (s.size() > 80) out += "...";
    return out;
}

bool isValidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int extra;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else
            return false;
        if (i + std::size_t(extra) >= s.size()) return false; // truncated sequence
        for (int k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + std::size_t(k)]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += std::size_t(extra) + 1;
    }
    return true;
}

} // namespace llmlab
