// UTF-8 helpers and GPT-2's byte <-> printable-character table, shared by the tokenizers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmlab::tok {

/// Appends the UTF-8 encoding of `cp` to `out`.
void appendUtf8(std::string& out, char32_t cp);

/// Length of the valid UTF-8 sequence starting at `s[pos]`, or 0 when the bytes there are not
/// one (bad lead byte, missing or wrong continuation, overlong form, surrogate, > U+10FFFF).
std::size_t validSequenceLength(std::string_view s, std::size_t pos);

/// Decodes the valid sequence at `s[pos]` (caller checked it with validSequenceLength).
char32_t decodeAt(std::string_view s, std::size_t pos, std::size_t len);

/// True when the whole string is valid UTF-8.
bool isValidUtf8(std::string_view s);

/// Number of bytes at the end of `s` that form an incomplete but still completable UTF-8
/// sequence (0..3): a streaming decoder holds exactly these back.
std::size_t incompleteTailLength(std::string_view s);

/// GPT-2's reversible byte -> character map: printable Latin-1 bytes map to themselves, the
/// other 68 bytes to U+0100.. in order, so every byte string becomes printable text that
/// BPE merges can be written in (e.g. a space is 'Ġ' U+0120).
char32_t byteToUnicode(std::uint8_t b);
/// The inverse map: the byte a character stands for, or -1 when it stands for none.
int unicodeToByte(char32_t cp);

/// Bytes -> byte-level text (each byte replaced by its GPT-2 character, UTF-8 encoded).
std::string bytesToByteLevel(std::string_view bytes);
/// Byte-level text -> bytes; characters outside the table are copied through unchanged.
std::string byteLevelToBytes(std::string_view text);

} // namespace llmlab::tok
