#include "Strategy.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace llmlab {

namespace {

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

int number(const std::string& part, const std::string& v, int lo, int hi) {
    std::size_t used = 0;
    int n = 0;
    try {
        n = std::stoi(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || n < lo || n > hi)
        throw std::invalid_argument("strategy '" + part + "': '" + v + "' is not a number from " +
                                    std::to_string(lo) + " to " + std::to_string(hi));
    return n;
}

// The set's format with labels filled in; the demonstration text and the query (cut before
// {answer}) come from it.
struct Format {
    std::string before, after; // around {answer}, {question} still in `before`
};

Format formatOf(const TaskSet& set) {
    std::string f = set.format;
    replaceAll(f, "{input_label}", set.inputLabel);
    replaceAll(f, "{answer_label}", set.answerLabel);
    const std::size_t a = f.find("{answer}");
    Format out{f.substr(0, a), f.substr(a + 8)};
    // An empty label leaves a leading space ("{input_label} {question}"): drop it.
    if (set.inputLabel.empty() && !out.before.empty() && out.before.front() == ' ')
        out.before.erase(0, 1);
    return out;
}

std::string withQuestion(std::string s, const std::string& q) {
    replaceAll(s, "{question}", q);
    return s;
}

std::string rstrip(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

} // namespace

std::string Strategy::label() const {
    switch (kind) {
    case StrategyKind::ZeroShot: return "zero";
    case StrategyKind::FewShot: return "few:" + std::to_string(shots);
    case StrategyKind::ChainOfThought: return shots ? "cot:" + std::to_string(shots) : "cot";
    case StrategyKind::SelfConsistency:
        return "sc:" + std::to_string(samples) + (shots ? ":" + std::to_string(shots) : "");
    case StrategyKind::Custom: return shots ? "custom:" + std::to_string(shots) : "custom";
    }
    return "?";
}

std::vector<Strategy> parseStrategies(std::string_view spec, const std::string& customTemplate) {
    std::vector<Strategy> out;
    std::size_t pos = 0;
    while (pos <= spec.size()) {
        const std::size_t end = std::min(spec.find(',', pos), spec.size());
        std::string part(spec.substr(pos, end - pos));
        pos = end + 1;
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        if (part.empty()) continue;
        std::vector<std::string> f;
        for (std::size_t a = 0;;) {
            const std::size_t b = part.find(':', a);
            f.push_back(part.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos) break;
            a = b + 1;
        }
        Strategy s;
        const std::string& name = f[0];
        if (name == "zero" || name == "zero-shot") {
            s.kind = StrategyKind::ZeroShot;
            if (f.size() > 1) throw std::invalid_argument("strategy 'zero' takes no number");
        } else if (name == "few" || name == "few-shot") {
            s.kind = StrategyKind::FewShot;
            s.shots = f.size() > 1 ? number(part, f[1], 1, 64) : 3;
        } else if (name == "cot") {
            s.kind = StrategyKind::ChainOfThought;
            s.shots = f.size() > 1 ? number(part, f[1], 0, 64) : 0;
        } else if (name == "sc") {
            s.kind = StrategyKind::SelfConsistency;
            s.samples = f.size() > 1 ? number(part, f[1], 1, 256) : 5;
            s.shots = f.size() > 2 ? number(part, f[2], 0, 64) : 0;
        } else if (name == "custom") {
            s.kind = StrategyKind::Custom;
            s.shots = f.size() > 1 ? number(part, f[1], 0, 64) : 0;
            s.templateText = customTemplate;
            if (customTemplate.empty())
                throw std::invalid_argument("strategy 'custom' needs a template");
        } else {
            throw std::invalid_argument("unknown strategy '" + part +
                                        "' (zero, few:K, cot[:K], sc:N[:K], custom[:K])");
        }
        if ((s.kind != StrategyKind::SelfConsistency && f.size() > 2) || f.size() > 3)
            throw std::invalid_argument("strategy '" + part + "' has too many numbers");
        out.push_back(std::move(s));
    }
    if (out.empty()) throw std::invalid_argument("no strategies given");
    return out;
}

BuiltPrompt buildPrompt(const TaskSet& set, std::size_t index, const Strategy& s,
                        std::uint64_t seed) {
    const TaskItem& item = set.items.at(index);
    const Format fmt = formatOf(set);
    BuiltPrompt p;
    p.stop = fmt.after.empty() ? std::string("\n") : fmt.after;
    while (!p.stop.empty() && p.stop.back() == ' ') p.stop.pop_back();
    if (p.stop.empty()) p.stop = "\n";

    // Demonstrations: one draw per (seed, strategy), shared by every question.
    std::string examples;
    if (s.shots > 0) {
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + std::uint64_t(s.kind) * 131 +
                            std::uint64_t(s.shots));
        const bool own = !item.examples.empty();
        const std::size_t pool = own ? item.examples.size() : set.items.size();
        std::vector<int> order(pool);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        for (int i : order) {
            if (int(p.exampleItems.size()) >= s.shots) break;
            if (!own && std::size_t(i) == index) continue;
            p.exampleItems.push_back(own ? -1 - i : i);
            const std::string q = own ? item.examples[std::size_t(i)].question
                                      : set.items[std::size_t(i)].question;
            const std::string a = own ? item.examples[std::size_t(i)].answer
                                      : set.items[std::size_t(i)].answer;
            const std::string r = own ? item.examples[std::size_t(i)].reasoning
                                      : set.items[std::size_t(i)].reasoning;
            std::string slot = a;
            if (s.reasoning() && !r.empty()) slot = set.cotCue.empty() ? r : set.cotCue + " " + r;
            examples += withQuestion(fmt.before, q) + slot + fmt.after;
        }
    }
    const std::string instruction = set.instruction.empty() ? "" : set.instruction + "\n";
    const std::string query = withQuestion(fmt.before, item.question);
    if (s.kind == StrategyKind::Custom) {
        std::string t = s.templateText;
        replaceAll(t, "{instruction}", set.instruction);
        replaceAll(t, "{examples}", examples);
        replaceAll(t, "{input}", rstrip(query));
        replaceAll(t, "{question}", item.question);
        p.text = t;
        return p;
    }
    p.text = instruction + examples;
    if (s.reasoning() && !set.cotCue.empty())
        p.text += query + set.cotCue; // "A: Let's think step by step." / "47+38=think"
    else
        p.text += rstrip(query);
    return p;
}

} // namespace llmlab
