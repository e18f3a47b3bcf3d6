// The question sets the prompting lab compares strategies on: JSONL files (a header line, then
// one item a line) and the built-in sets (the course's examples, and the two synthetic tasks the
// lab's own tiny models are trained on).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace llmlab {

/// A task file that cannot be used; the message names the file, the line and the problem.
class TaskSetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// How an extracted answer is compared with the expected one.
enum class AnswerNorm : std::uint8_t {
    Text,   ///< case-insensitive, whitespace collapsed, trailing punctuation dropped
    Number, ///< the first number in the text, compared as a number
    Word,   ///< the first word, case-insensitive, punctuation stripped
};

struct TaskExample {
    std::string question, answer;
    std::string reasoning; ///< a worked solution ending in the answer, for chain-of-thought
};

struct TaskItem {
    std::string question, answer, reasoning;
    /// The item's own demonstrations (an in-context episode); empty: few-shot examples come
    /// from the other items of the set.
    std::vector<TaskExample> examples;
    std::string pattern; ///< a regex with one group extracting the answer; overrides the set's
};

struct TaskSet {
    std::string name, title;
    std::string source; ///< the file or "builtin:NAME", for messages
    std::string instruction;
    /// One demonstration as text, with {question}, {answer}, {input_label}, {answer_label}; the
    /// query is the same text cut before {answer}, and what follows {answer} ends a reply.
    std::string format = "{input_label} {question}\n{answer_label} {answer}\n";
    std::string inputLabel = "Q:", answerLabel = "A:";
    std::string pattern;                          ///< answer regex for direct replies
    std::string cotCue = "Let's think step by step.";
    /// Regex for reasoning replies: what follows "answer is", up to a sentence's end.
    std::string cotPattern = "answer is:?\\s*([^\\n]*?)(?:\\.\\s|\\.$|\\n|$)";
    AnswerNorm normalize = AnswerNorm::Text;
    std::vector<TaskItem> items;
};

/// Parses JSONL: an optional header object (no "question" key: name, title, instruction,
/// input_label, answer_label, format, pattern, cot_cue, cot_pattern, normalize) and items
/// ({"question", "answer"[, "reasoning", "examples": [{"question", "answer"}], "pattern"]}).
/// Throws TaskSetError naming `source` and the line.
TaskSet parseTaskSet(std::string_view jsonl, const std::string& source);

/// "builtin:NAME" or a path to a JSONL file. Throws TaskSetError.
TaskSet loadTaskSet(const std::string& spec);

/// The built-in sets: the course's (past-tense, roish, kinship, sentiment, arithmetic,
/// analogies) and the synthetic ones (toy-rule, toy-lookup, toy-add).
std::vector<std::string> builtinTaskNames();
TaskSet builtinTaskSet(const std::string& name);

/// The synthetic sets, `count` items from `seed` (the built-in ones use 40 items, seed 7):
/// toy-lookup: each item an episode of 4 letter -> letter pairs and a query among them;
/// toy-add: two-digit sums, with their scratchpads as reasoning.
/// toy-rule: each item an episode whose pairs all map to one letter, the query a letter not
/// shown.
TaskSet toyLookupTasks(int count, std::uint64_t seed);
TaskSet toyRuleTasks(int count, std::uint64_t seed);
TaskSet toyAdditionTasks(int count, std::uint64_t seed);

} // namespace llmlab
