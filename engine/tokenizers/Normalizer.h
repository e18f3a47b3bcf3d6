// Unicode normalisation for tokenizers that ask for it (Qwen2's tokenizer.json: "NFC").
#pragma once

#include <string>
#include <string_view>

namespace llmlab::tok {

/// `text` in Normalization Form C (ICU). Invalid UTF-8 is returned unchanged, so byte-level
/// models still see the exact bytes they were given.
std::string toNfc(std::string_view text);

} // namespace llmlab::tok
