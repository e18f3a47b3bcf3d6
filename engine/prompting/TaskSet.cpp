#include "TaskSet.h"

#include "lm/LmData.h"
#include "prompting/BuiltinTaskText.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace llmlab {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, int line, const std::string& what) {
    throw TaskSetError(source + (line > 0 ? ": line " + std::to_string(line) : std::string()) +
                       ": " + what);
}

// A string field; numbers are accepted where text is expected (an answer "42").
std::string text(const json& o, const char* key, const std::string& source, int line,
                 bool required) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
        if (required) fail(source, line, std::string("has no \"") + key + "\"");
        return {};
    }
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
    if (it->is_number()) {
        std::ostringstream s;
        s << it->get<double>();
        return s.str();
    }
    fail(source, line, std::string("\"") + key + "\" must be text");
}

AnswerNorm normFrom(const std::string& v, const std::string& source, int line) {
    if (v == "text" || v.empty()) return AnswerNorm::Text;
    if (v == "number") return AnswerNorm::Number;
    if (v == "word") return AnswerNorm::Word;
    fail(source, line, "\"normalize\" is '" + v + "' (text, number or word)");
}

void readHeader(const json& h, TaskSet& t, int line) {
    auto set = [&](const char* key, std::string& field) {
        if (h.contains(key)) field = text(h, key, t.source, line, false);
    };
    set("name", t.name);
    set("title", t.title);
    set("instruction", t.instruction);
    set("input_label", t.inputLabel);
    set("answer_label", t.answerLabel);
    set("format", t.format);
    set("pattern", t.pattern);
    set("cot_cue", t.cotCue);
    set("cot_pattern", t.cotPattern);
    if (h.contains("normalize")) t.normalize = normFrom(text(h, "normalize", t.source, line, false), t.source, line);
    if (t.format.find("{question}") == std::string::npos ||
        t.format.find("{answer}") == std::string::npos)
        fail(t.source, line, "\"format\" must hold {question} and {answer}");
}

} // namespace

TaskSet parseTaskSet(std::string_view jsonl, const std::string& source) {
    TaskSet t;
    t.source = source;
    int lineNo = 0;
    std::size_t pos = 0;
    while (pos <= jsonl.size()) {
        const std::size_t end = std::min(jsonl.find('\n', pos), jsonl.size());
        std::string_view line = jsonl.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        if (line.empty()) continue;
        json o;
        try {
            o = json::parse(line);
        } catch (const json::parse_error& e) {
            fail(source, lineNo, "is not JSON (" + std::string(e.what()).substr(0, 120) + ")");
        }
        if (!o.is_object()) fail(source, lineNo, "is not a JSON object");
        if (!o.contains("question")) {
            if (!t.items.empty()) fail(source, lineNo, "has no \"question\"");
            readHeader(o, t, lineNo);
            continue;
        }
        TaskItem item;
        item.question = text(o, "question", source, lineNo, true);
        item.answer = text(o, "answer", source, lineNo, true);
        item.reasoning = text(o, "reasoning", source, lineNo, false);
        item.pattern = text(o, "pattern", source, lineNo, false);
        if (o.contains("examples")) {
            const json& ex = o["examples"];
            if (!ex.is_array()) fail(source, lineNo, "\"examples\" must be a list");
            for (const json& e : ex) {
                if (!e.is_object()) fail(source, lineNo, "an example must be an object");
                item.examples.push_back({text(e, "question", source, lineNo, true),
                                         text(e, "answer", source, lineNo, true),
                                         text(e, "reasoning", source, lineNo, false)});
            }
        }
        t.items.push_back(std::move(item));
        if (t.items.size() > 100000) fail(source, lineNo, "holds more than 100000 items");
    }
    if (t.items.empty()) fail(source, 0, "holds no questions");
    if (t.name.empty()) {
        const std::size_t slash = source.find_last_of('/');
        t.name = slash == std::string::npos ? source : source.substr(slash + 1);
    }
    if (t.title.empty()) t.title = t.name;
    return t;
}

TaskSet loadTaskSet(const std::string& spec) {
    if (spec.rfind("builtin:", 0) == 0) return builtinTaskSet(spec.substr(8));
    std::ifstream in(spec, std::ios::binary);
    if (!in) throw TaskSetError(spec + ": cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    if (data.size() > (std::size_t(64) << 20))
        throw TaskSetError(spec + ": is larger than 64 MiB; a task set is a few thousand lines");
    return parseTaskSet(data, spec);
}

std::vector<std::string> builtinTaskNames() {
    std::vector<std::string> names;
    for (const BuiltinTaskText& t : builtinTaskTexts()) names.emplace_back(t.name);
    names.emplace_back("toy-rule");
    names.emplace_back("toy-lookup");
    names.emplace_back("toy-add");
    return names;
}

TaskSet builtinTaskSet(const std::string& name) {
    if (name == "toy-rule") return toyRuleTasks(40, 7);
    if (name == "toy-lookup") return toyLookupTasks(40, 7);
    if (name == "toy-add") return toyAdditionTasks(40, 7);
    for (const BuiltinTaskText& t : builtinTaskTexts())
        if (name == t.name) return parseTaskSet(t.jsonl, "builtin:" + name);
    std::string all;
    for (const std::string& n : builtinTaskNames()) all += (all.empty() ? "" : ", ") + n;
    throw TaskSetError("there is no built-in task set '" + name + "' (" + all + ")");
}

TaskSet toyLookupTasks(int count, std::uint64_t seed) {
    TaskSet t;
    t.name = "toy-lookup";
    t.title = "Lookup in context (the lab's ICL model)";
    t.source = "builtin:toy-lookup";
    t.instruction.clear();
    t.format = "{question}={answer}\n";
    t.inputLabel.clear();
    t.answerLabel.clear();
    t.cotCue.clear();
    std::mt19937_64 rng(seed);
    for (int i = 0; i < count; ++i) {
        std::string letters = "abcdefghijklmnopqrstuvwxyz";
        std::shuffle(letters.begin(), letters.end(), rng);
        TaskItem item;
        for (int k = 0; k < 4; ++k) {
            const std::string in(1, letters[std::size_t(k)]), out(1, char('A' + rng() % 26));
            item.examples.push_back({in, out, {}});
        }
        const TaskExample& q = item.examples[std::size_t(rng() % 4)];
        item.question = q.question;
        item.answer = q.answer;
        t.items.push_back(std::move(item));
    }
    return t;
}

TaskSet toyRuleTasks(int count, std::uint64_t seed) {
    TaskSet t = toyLookupTasks(0, seed);
    t.name = "toy-rule";
    t.title = "A fresh rule in context (the lab's ICL model)";
    t.source = "builtin:toy-rule";
    std::mt19937_64 rng(seed);
    for (int i = 0; i < count; ++i) {
        std::string letters = "abcdefghijklmnopqrstuvwxyz";
        std::shuffle(letters.begin(), letters.end(), rng);
        const std::string out(1, char('A' + rng() % 26));
        TaskItem item;
        for (int k = 0; k < 4; ++k) item.examples.push_back({std::string(1, letters[std::size_t(k)]), out, {}});
        item.question = std::string(1, letters[4]);
        item.answer = out;
        t.items.push_back(std::move(item));
    }
    return t;
}

TaskSet toyAdditionTasks(int count, std::uint64_t seed) {
    TaskSet t;
    t.name = "toy-add";
    t.title = "Two-digit sums, with a scratchpad (the lab's CoT model)";
    t.source = "builtin:toy-add";
    t.format = "{question}={answer}\n";
    t.inputLabel.clear();
    t.answerLabel.clear();
    t.cotCue = episodes::kThinkCue;
    t.cotPattern = "so (\\d+)";
    t.normalize = AnswerNorm::Number;
    std::mt19937_64 rng(seed);
    const std::size_t cue = std::strlen(episodes::kThinkCue) + 1;
    for (int i = 0; i < count; ++i) {
        const int a = 10 + int(rng() % 90), b = 10 + int(rng() % 90);
        TaskItem item;
        item.question = std::to_string(a) + "+" + std::to_string(b);
        item.answer = std::to_string(a + b);
        item.reasoning = episodes::additionScratchpad(a, b).substr(cue);
        t.items.push_back(std::move(item));
    }
    return t;
}

} // namespace llmlab
