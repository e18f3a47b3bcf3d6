// The built-in task sets' text (JSONL, header line first); parsed by TaskSet.
#pragma once
#include <span>
namespace llmlab {
struct BuiltinTaskText {
    const char* name;
    const char* jsonl;
};
std::span<const BuiltinTaskText> builtinTaskTexts();
} // namespace llmlab
