// The two chat formats, written out by hand: a Jinja interpreter for arbitrary templates is
// out of scope, and these two cover Qwen (ChatML) and Llama 3.
#include "tokenizers/Tokenizer.h"

namespace llmlab {

namespace {

std::string_view trim(std::string_view s) { // Llama 3's template applies `| trim`
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

} // namespace

std::string renderChat(ChatTemplateKind kind, std::span<const ChatMessage> messages,
                       bool addGenerationPrompt) {
    std::string out;
    if (kind == ChatTemplateKind::Llama3) {
        // BOS is not written here: encode(..., addSpecial) adds it as a token.
        for (const ChatMessage& m : messages) {
            out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n";
            out += trim(m.content);
            out += "<|eot_id|>";
        }
        if (addGenerationPrompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
        return out;
    }
    // ChatML (Qwen's), also the fallback for models without a known template.
    for (const ChatMessage& m : messages)
        out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    if (addGenerationPrompt) out += "<|im_start|>assistant\n";
    return out;
}

std::string Tokenizer::renderChat(std::span<const ChatMessage> messages,
                                  bool addGenerationPrompt) const {
    return llmlab::renderChat(chatTemplate(), messages, addGenerationPrompt);
}

} // namespace llmlab
