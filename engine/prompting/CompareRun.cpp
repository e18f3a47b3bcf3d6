#include "CompareRun.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>

namespace llmlab {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// A distinct, reproducible sampler seed per (run seed, question, strategy, sample); the
// strategy enters by its label, so it draws the same samples wherever it is in the list.
std::uint64_t cellSeed(std::uint64_t seed, std::size_t item, const std::string& strategy,
                       int sample) {
    std::uint64_t label = 1469598103934665603ULL; // FNV-1a
    for (unsigned char c : strategy) label = (label ^ c) * 1099511628211ULL;
    std::uint64_t h = seed * 0x9E3779B97F4A7C15ULL;
    for (std::uint64_t v : {std::uint64_t(item), label, std::uint64_t(sample)}) {
        h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9ULL;
    }
    return h;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

} // namespace

PromptRunner::PromptRunner(std::shared_ptr<const ModelFile> model, Backend& backend,
                           Tokenizer tokenizer, int maxContext)
    : m_session(std::make_unique<InferenceSession>(std::move(model), backend, maxContext)),
      m_tokenizer(std::move(tokenizer)) {}

PromptRunner::~PromptRunner() = default;

int PromptRunner::maxContext() const {
    return m_session->maxContext();
}

std::vector<float> PromptRunner::start(const std::vector<std::int32_t>& tokens, bool reuse,
                                       int* reused) {
    std::size_t keep = 0;
    if (reuse) {
        const std::size_t n = std::min(m_cached.size(), tokens.size());
        while (keep < n && m_cached[keep] == tokens[keep]) ++keep;
        // At least the last token runs: its logits are what the reply starts from.
        keep = std::min(keep, tokens.empty() ? 0 : tokens.size() - 1);
    }
    m_session->rewind(int(std::min<std::size_t>(keep, std::size_t(m_session->position()))));
    keep = std::size_t(m_session->position());
    m_cached.assign(tokens.begin(), tokens.begin() + std::ptrdiff_t(keep));
    if (reused) *reused = int(keep);
    const std::span<const std::int32_t> rest(tokens.data() + keep, tokens.size() - keep);
    std::vector<float> logits = m_session->prefillLast(rest);
    m_cached.insert(m_cached.end(), rest.begin(), rest.end());
    return logits;
}

std::vector<std::int32_t> PromptRunner::encode(const std::string& prompt,
                                               const CompareOptions& options,
                                               std::string* rendered) const {
    const bool chat = options.chat == 1 ||
                      (options.chat < 0 && m_tokenizer.chatTemplate() != ChatTemplateKind::None);
    EncodeOptions eo;
    eo.addSpecial = true;
    if (!chat) {
        if (rendered) *rendered = prompt;
        return m_tokenizer.encode(prompt, eo);
    }
    const ChatMessage user{"user", prompt};
    const std::string text = m_tokenizer.renderChat(std::span<const ChatMessage>(&user, 1), true);
    if (rendered) *rendered = text;
    eo.parseSpecial = true;
    return m_tokenizer.encode(text, eo);
}

SampleResult PromptRunner::sample(const std::vector<std::int32_t>& prompt, const std::string& stop,
                                  int maxTokens, const SamplingParams& params, bool reuse,
                                  int* reused, const CancelToken* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    SampleResult r;
    std::vector<float> logits = start(prompt, reuse, reused);
    Sampler sampler(params);
    StreamingDecoder decoder(m_tokenizer, DecodeOptions{true, false});
    std::vector<std::int32_t> history = prompt;
    for (int i = 0; i < maxTokens; ++i) {
        if (cancel && cancel->cancelled()) throw Cancelled();
        const std::int32_t id = sampler.sample(logits, history);
        if (m_tokenizer.isEndOfGeneration(id)) break;
        GeneratedToken g;
        g.id = id;
        g.logProb = Sampler::logProb(logits, id);
        g.text = decoder.push(id);
        r.tokens.push_back(g);
        r.text += g.text;
        history.push_back(id);
        const std::size_t at = r.text.find(stop);
        if (at != std::string::npos) {
            r.text.erase(at);
            break;
        }
        if (m_session->position() >= m_session->maxContext()) break;
        logits = m_session->decode(id);
        m_cached.push_back(id);
    }
    r.text += decoder.flush();
    r.seconds = secondsSince(t0);
    return r;
}

CompareCell PromptRunner::runCell(const TaskSet& set, std::size_t item, std::size_t strategy,
                                  const CompareOptions& options,
                                  const std::function<void(const CompareCell&)>& onSample,
                                  const CancelToken* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    const Strategy& s = options.strategies.at(strategy);
    CompareCell cell;
    cell.item = item;
    cell.strategy = strategy;
    const BuiltPrompt built = buildPrompt(set, item, s, options.seed);
    cell.exampleItems = built.exampleItems;
    cell.promptTokens = encode(built.text, options, &cell.prompt);
    const int maxTokens = options.maxTokens > 0 ? options.maxTokens : s.reasoning() ? 128 : 24;
    const int room = maxContext() - int(cell.promptTokens.size());
    if (room < 2) {
        cell.error = "the prompt (" + std::to_string(cell.promptTokens.size()) +
                     " tokens) does not fit the model's context of " +
                     std::to_string(maxContext()) + " tokens";
        cell.seconds = secondsSince(t0);
        return cell;
    }
    const int samples = s.kind == StrategyKind::SelfConsistency ? s.samples : 1;
    std::vector<std::string> answers;
    for (int k = 0; k < samples; ++k) {
        SamplingParams p;
        if (s.kind == StrategyKind::SelfConsistency) p.temperature = float(options.temperature);
        p.seed = cellSeed(options.seed, item, s.label(), k);
        int reused = 0;
        SampleResult r = sample(cell.promptTokens, built.stop, std::min(maxTokens, room), p,
                                options.reusePrefix, &reused, cancel);
        r.answer = extractAnswer(r.text, set, set.items[item], s.reasoning());
        r.correct = isCorrect(r.answer.normalized, set, set.items[item]);
        cell.reusedTokens += reused;
        cell.prefilledTokens += int(cell.promptTokens.size()) - reused;
        cell.generatedTokens += int(r.tokens.size());
        answers.push_back(r.answer.normalized);
        cell.samples.push_back(std::move(r));
        cell.vote = majorityVote(answers);
        cell.answer = cell.vote.winner;
        cell.correct = isCorrect(cell.answer, set, set.items[item]);
        cell.seconds = secondsSince(t0);
        if (onSample && k + 1 < samples) onSample(cell);
    }
    return cell;
}

std::vector<StrategySummary> CompareResult::summarize(const TaskSet& set) const {
    std::vector<StrategySummary> out(strategies.size());
    for (std::size_t s = 0; s < strategies.size(); ++s) out[s].label = strategies[s].label();
    std::vector<std::vector<std::vector<std::string>>> byStrategy(strategies.size());
    std::vector<std::vector<std::size_t>> itemsOf(strategies.size());
    for (const CompareCell& c : cells) {
        StrategySummary& m = out[c.strategy];
        ++m.total;
        m.correct += c.correct ? 1 : 0;
        m.tokens += c.generatedTokens;
        m.seconds += c.seconds;
        m.ties += c.vote.tie ? 1 : 0;
        std::vector<std::string> answers;
        for (const SampleResult& r : c.samples) answers.push_back(r.answer.normalized);
        byStrategy[c.strategy].push_back(std::move(answers));
        itemsOf[c.strategy].push_back(c.item);
    }
    for (std::size_t s = 0; s < strategies.size(); ++s) {
        StrategySummary& m = out[s];
        std::tie(m.low, m.high) = wilsonInterval(m.correct, m.total);
        if (strategies[s].kind != StrategyKind::SelfConsistency || byStrategy[s].empty()) continue;
        for (int n = 1; n <= strategies[s].samples; ++n) {
            int right = 0;
            for (std::size_t q = 0; q < byStrategy[s].size(); ++q) {
                const auto& all = byStrategy[s][q];
                const std::vector<std::string> first(all.begin(),
                                                     all.begin() + std::min<std::ptrdiff_t>(
                                                                       n, std::ptrdiff_t(all.size())));
                right += isCorrect(majorityVote(first).winner, set, set.items[itemsOf[s][q]]) ? 1 : 0;
            }
            m.accuracyByN.push_back(double(right) / double(byStrategy[s].size()));
        }
    }
    return out;
}

CompareResult runComparison(PromptRunner& runner, const TaskSet& set,
                            const CompareOptions& options,
                            const std::function<void(const CompareCell&, bool)>& onCell,
                            const ProgressFn& progress, const CancelToken* cancel) {
    CompareResult result;
    result.taskSet = set.name;
    result.strategies = options.strategies;
    const std::size_t n = options.maxQuestions > 0
                              ? std::min(set.items.size(), std::size_t(options.maxQuestions))
                              : set.items.size();
    for (std::size_t i = 0; i < n; ++i) result.items.push_back(i);
    const std::size_t total = n * options.strategies.size();
    try {
        // Strategy-major: consecutive prompts share the instruction and demonstrations.
        for (std::size_t s = 0; s < options.strategies.size(); ++s)
            for (std::size_t i : result.items) {
                if (cancel && cancel->cancelled()) throw Cancelled();
                auto partial = [&](const CompareCell& c) {
                    if (onCell) onCell(c, true);
                };
                result.cells.push_back(runner.runCell(set, i, s, options, partial, cancel));
                if (onCell) onCell(result.cells.back(), false);
                if (progress)
                    progress(double(result.cells.size()) / double(total),
                             options.strategies[s].label() + ", question " +
                                 std::to_string(i + 1) + " of " + std::to_string(n));
            }
    } catch (const Cancelled&) {
        result.cancelled = true;
    }
    return result;
}

std::string compareCsv(const CompareResult& r, const TaskSet& set) {
    std::ostringstream o;
    o << "question_index,question,expected,strategy,sample,reply,answer,sample_correct,"
         "final_answer,correct,votes,tie,tokens,seconds,prompt_tokens,reused_tokens\n";
    for (const CompareCell& c : r.cells) {
        const TaskItem& item = set.items[c.item];
        const std::string label = r.strategies[c.strategy].label();
        const int top = c.vote.counts.empty() ? 0 : c.vote.counts.front().second;
        if (c.samples.empty())
            o << c.item << ',' << csvField(item.question) << ',' << csvField(item.answer) << ','
              << label << ",0," << csvField(c.error) << ",,0,,0,0,0,0,0," << c.promptTokens.size()
              << ",0\n";
        for (std::size_t k = 0; k < c.samples.size(); ++k) {
            const SampleResult& s = c.samples[k];
            o << c.item << ',' << csvField(item.question) << ',' << csvField(item.answer) << ','
              << label << ',' << k << ',' << csvField(s.text) << ','
              << csvField(s.answer.normalized) << ',' << (s.correct ? 1 : 0) << ','
              << csvField(c.answer) << ',' << (c.correct ? 1 : 0) << ',' << top << ','
              << (c.vote.tie ? 1 : 0) << ',' << s.tokens.size() << ',' << s.seconds << ','
              << c.promptTokens.size() << ',' << c.reusedTokens << '\n';
        }
    }
    return o.str();
}

std::string compareJson(const CompareResult& r, const TaskSet& set, const CompareOptions& options) {
    using nlohmann::json;
    json strategies = json::array();
    for (const Strategy& s : r.strategies) strategies.push_back(s.label());
    json cells = json::array();
    for (const CompareCell& c : r.cells) {
        json samples = json::array();
        for (const SampleResult& s : c.samples) {
            json tokens = json::array();
            for (const GeneratedToken& t : s.tokens)
                tokens.push_back({{"id", t.id}, {"text", t.text}, {"logprob", t.logProb}});
            samples.push_back({{"reply", s.text},
                               {"answer", s.answer.normalized},
                               {"raw_answer", s.answer.raw},
                               {"correct", s.correct},
                               {"seconds", s.seconds},
                               {"tokens", tokens}});
        }
        json votes = json::array();
        for (const auto& [a, n] : c.vote.counts) votes.push_back({{"answer", a}, {"votes", n}});
        cells.push_back({{"question_index", c.item},
                         {"question", set.items[c.item].question},
                         {"expected", set.items[c.item].answer},
                         {"strategy", r.strategies[c.strategy].label()},
                         {"prompt", c.prompt},
                         {"prompt_tokens", c.promptTokens},
                         {"examples", c.exampleItems},
                         {"answer", c.answer},
                         {"correct", c.correct},
                         {"tie", c.vote.tie},
                         {"votes", votes},
                         {"generated_tokens", c.generatedTokens},
                         {"reused_tokens", c.reusedTokens},
                         {"seconds", c.seconds},
                         {"error", c.error},
                         {"samples", samples}});
    }
    json summary = json::array();
    for (const StrategySummary& m : r.summarize(set))
        summary.push_back({{"strategy", m.label},
                           {"correct", m.correct},
                           {"total", m.total},
                           {"accuracy", m.accuracy()},
                           {"wilson95", {m.low, m.high}},
                           {"tokens", m.tokens},
                           {"tokens_per_correct", m.tokensPerCorrect()},
                           {"seconds", m.seconds},
                           {"ties", m.ties},
                           {"accuracy_by_n", m.accuracyByN}});
    const json out = {{"model", r.model},
                      {"task_set", r.taskSet},
                      {"strategies", strategies},
                      {"temperature", options.temperature},
                      {"seed", options.seed},
                      {"reuse_prefix", options.reusePrefix},
                      {"cancelled", r.cancelled},
                      {"summary", summary},
                      {"cells", cells}};
    return out.dump(1);
}

} // namespace llmlab
