#include "Answers.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>

namespace llmlab {

namespace {

std::string trim(const std::string& s) {
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return s.substr(a, b - a);
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool isPunct(char c) {
    return std::ispunct(static_cast<unsigned char>(c)) != 0;
}

// The numbers in `s` ("1,200" and "-3.5" included), in order.
std::vector<std::string> numbersIn(const std::string& s) {
    static const std::regex number(R"(-?\d[\d,]*(\.\d+)?)");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), number); it != std::sregex_iterator();
         ++it)
        out.push_back(it->str());
    return out;
}

std::string canonicalNumber(std::string n) {
    n.erase(std::remove(n.begin(), n.end(), ','), n.end());
    char* end = nullptr;
    const double v = std::strtod(n.c_str(), &end);
    if (end == n.c_str() || !std::isfinite(v)) return {};
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// The first group of `pattern` in `s` (the whole match without groups); nullopt-like "" and
// false when it does not match or the pattern is not a valid regex.
bool search(const std::string& s, const std::string& pattern, std::string& found, bool last) {
    std::regex re;
    try {
        re = std::regex(pattern, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error&) {
        return false;
    }
    bool any = false;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator();
         ++it) {
        found = it->size() > 1 && (*it)[1].matched ? (*it)[1].str() : it->str();
        any = true;
        if (!last) break;
    }
    return any;
}

std::string firstLine(const std::string& s) {
    const std::string t = trim(s);
    return t.substr(0, t.find('\n'));
}

} // namespace

std::string normalizeAnswer(const std::string& answer, AnswerNorm norm) {
    switch (norm) {
    case AnswerNorm::Number: {
        const auto nums = numbersIn(answer);
        return nums.empty() ? std::string() : canonicalNumber(nums.front());
    }
    case AnswerNorm::Word: {
        std::string w;
        for (char c : trim(answer)) {
            if (std::isspace(static_cast<unsigned char>(c))) {
                if (!w.empty()) break;
                continue;
            }
            if (!isPunct(c) || c == '-' || c == '\'') w += c;
        }
        while (!w.empty() && (w.back() == '-' || w.back() == '\'')) w.pop_back();
        return lower(w);
    }
    case AnswerNorm::Text:
    default: {
        std::string out;
        bool space = false;
        for (char c : trim(answer)) {
            if (std::isspace(static_cast<unsigned char>(c))) {
                space = true;
                continue;
            }
            if (space && !out.empty()) out += ' ';
            space = false;
            out += c;
        }
        while (!out.empty() && (out.back() == '.' || out.back() == '!' || out.back() == '?' ||
                                out.back() == '"' || out.back() == '\''))
            out.pop_back();
        while (!out.empty() && (out.front() == '"' || out.front() == '\'')) out.erase(0, 1);
        return lower(trim(out));
    }
    }
}

ExtractedAnswer extractAnswer(const std::string& reply, const TaskSet& set, const TaskItem& item,
                              bool reasoning) {
    ExtractedAnswer a;
    std::string found;
    if (reasoning) {
        if (!set.cotPattern.empty() && search(reply, set.cotPattern, found, true))
            a.raw = trim(found);
        else if (set.normalize == AnswerNorm::Number) {
            const auto nums = numbersIn(reply);
            if (!nums.empty()) a.raw = nums.back();
        } else {
            const std::string t = trim(reply);
            a.raw = trim(t.substr(t.find_last_of('\n') == std::string::npos
                                      ? 0
                                      : t.find_last_of('\n') + 1));
        }
    } else {
        const std::string& pattern = !item.pattern.empty() ? item.pattern : set.pattern;
        if (!pattern.empty() && search(reply, pattern, found, false))
            a.raw = trim(found);
        else
            a.raw = firstLine(reply);
    }
    a.normalized = normalizeAnswer(a.raw, set.normalize);
    return a;
}

bool isCorrect(const std::string& normalized, const TaskSet& set, const TaskItem& item) {
    return !normalized.empty() && normalized == normalizeAnswer(item.answer, set.normalize);
}

VoteResult majorityVote(const std::vector<std::string>& answers) {
    VoteResult r;
    std::map<std::string, std::size_t> index;
    for (const std::string& a : answers) {
        if (a.empty()) continue;
        ++r.voters;
        const auto it = index.find(a);
        if (it == index.end()) {
            index[a] = r.counts.size();
            r.counts.emplace_back(a, 1);
        } else {
            ++r.counts[it->second].second;
        }
    }
    // Stable: equal counts keep the order they were first sampled in.
    std::stable_sort(r.counts.begin(), r.counts.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    if (!r.counts.empty()) {
        r.winner = r.counts.front().first;
        r.tie = r.counts.size() > 1 && r.counts[1].second == r.counts[0].second;
    }
    return r;
}

std::pair<double, double> wilsonInterval(int correct, int total, double z) {
    if (total <= 0) return {0.0, 1.0};
    const double n = total, p = double(correct) / n, z2 = z * z;
    const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

} // namespace llmlab
