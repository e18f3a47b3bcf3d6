// UTF-8 validation and the GPT-2 byte-level table (from the GPT-2 paper's released encoder:
// bytes '!'..'~', '¡'..'¬', '®'..'ÿ' keep their code point, the rest take 256, 257, ...).
#include "tokenizers/Utf8.h"

#include <array>

namespace llmlab::tok {

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::size_t validSequenceLength(std::string_view s, std::size_t pos) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const std::uint8_t b0 = byte(pos);
    if (b0 < 0x80) return 1;
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, min = 0x10000;
    } else {
        return 0;
    }
    if (pos + len > s.size()) return 0;
    for (std::size_t i = 1; i < len; ++i)
        if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    const char32_t cp = decodeAt(s, pos, len);
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

char32_t decodeAt(std::string_view s, std::size_t pos, std::size_t len) {
    const auto byte = [&](std::size_t i) { return static_cast<char32_t>(std::uint8_t(s[i])); };
    switch (len) {
    case 1:
        return byte(pos);
    case 2:
        return ((byte(pos) & 0x1F) << 6) | (byte(pos + 1) & 0x3F);
    case 3:
        return ((byte(pos) & 0x0F) << 12) | ((byte(pos + 1) & 0x3F) << 6) | (byte(pos + 2) & 0x3F);
    default:
        return ((byte(pos) & 0x07) << 18) | ((byte(pos + 1) & 0x3F) << 12) |
               ((byte(pos + 2) & 0x3F) << 6) | (byte(pos + 3) & 0x3F);
    }
}

bool isValidUtf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = validSequenceLength(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t incompleteTailLength(std::string_view s) {
    // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
    const std::size_t n = s.size();
    for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
        const std::uint8_t b = static_cast<std::uint8_t>(s[n - back]);
        if ((b & 0xC0) == 0x80) continue; // continuation: keep looking for the lead
        std::size_t want = 0;
        if (b >= 0xC2 && b <= 0xDF)
            want = 2;
        else if (b >= 0xE0 && b <= 0xEF)
            want = 3;
        else if (b >= 0xF0 && b <= 0xF4)
            want = 4;
        if (want <= back) return 0; // ASCII, invalid lead, or a complete sequence
        // The bytes present must be a valid prefix (second byte range checks included).
        if (back >= 2) {
            const std::uint8_t b1 = static_cast<std::uint8_t>(s[n - back + 1]);
            if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) || (b == 0xF0 && b1 < 0x90) ||
                (b == 0xF4 && b1 > 0x8F))
                return 0;
        }
        return back;
    }
    return 0;
}

namespace {

struct ByteTables {
    std::array<char32_t, 256> toUnicode{};
    std::array<int, 324> toByte{}; // the table's largest code point is U+0143
    ByteTables() {
        toByte.fill(-1);
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable =
                (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            toUnicode[b] = printable ? static_cast<char32_t>(b) : next++;
            toByte[toUnicode[b]] = b;
        }
    }
};

const ByteTables& tables() {
    static const ByteTables t;
    return t;
}

} // namespace

char32_t byteToUnicode(std::uint8_t b) {
    return tables().toUnicode[b];
}

int unicodeToByte(char32_t cp) {
    return cp < 324 ? tables().toByte[cp] : -1;
}

std::string bytesToByteLevel(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) appendUtf8(out, byteToUnicode(static_cast<std::uint8_t>(c)));
    return out;
}

std::string byteLevelToBytes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = validSequenceLength(text, i);
        if (n == 0) { // not UTF-8: keep the raw byte
            out += text[i++];
            continue;
        }
        const int b = unicodeToByte(decodeAt(text, i, n));
        if (b >= 0)
            out += static_cast<char>(b);
        else
            out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

} // namespace llmlab::tok
