// The prompting lab's engine: task sets, prompts, answer extraction, votes, intervals, and the
// prefix reuse that lets samples share one prompt's KV cache.
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "prompting/CompareRun.h"

#include <QtTest>

#include <cmath>

using namespace llmlab;

class TestPrompting : public QObject {
    Q_OBJECT

private slots:
    void normalization() {
        QCOMPARE(normalizeAnswer("  Writingro   aboutro. ", AnswerNorm::Text),
                 std::string("writingro aboutro"));
        QCOMPARE(normalizeAnswer("The total is 1,200 apples", AnswerNorm::Number),
                 std::string("1200"));
        QCOMPARE(normalizeAnswer("12.50", AnswerNorm::Number), std::string("12.5"));
        QCOMPARE(normalizeAnswer("-3", AnswerNorm::Number), std::string("-3"));
        QCOMPARE(normalizeAnswer("no digits", AnswerNorm::Number), std::string());
        QCOMPARE(normalizeAnswer(" Cousins, I think", AnswerNorm::Word), std::string("cousins"));
        QCOMPARE(normalizeAnswer("", AnswerNorm::Word), std::string());
    }

    void extraction() {
        TaskSet set = builtinTaskSet("arithmetic");
        TaskItem item;
        item.answer = "12";
        // A direct reply: its first line.
        auto a = extractAnswer(" 12\nQ: next question", set, item, false);
        QCOMPARE(a.normalized, std::string("12"));
        QVERIFY(isCorrect(a.normalized, set, item));
        // Reasoning: "the answer is X", the last one when a reply says it twice.
        a = extractAnswer("3 + 4 = 7. The answer is 7. No wait, the answer is 12.", set, item,
                          true);
        QCOMPARE(a.normalized, std::string("12"));
        // No phrase: the last number of a Number set.
        a = extractAnswer("first 5, then 7, in all 12", set, item, true);
        QCOMPARE(a.normalized, std::string("12"));
        // A pattern of the item wins over the first line.
        item.pattern = "\\[(\\d+)\\]";
        a = extractAnswer("maybe 5 [12]", set, item, false);
        QCOMPARE(a.normalized, std::string("12"));
        QVERIFY(!isCorrect("", set, item)); // no answer is never right
        // The toy scratchpad: "so N".
        const TaskSet add = builtinTaskSet("toy-add");
        TaskItem sum;
        sum.answer = "85";
        QCOMPARE(extractAnswer(" 7+8=15 4+3+1=8 so 85", add, sum, true).normalized,
                 std::string("85"));
    }

    void votes() {
        VoteResult v = majorityVote({"7", "12", "12", "", "7", "12"});
        QCOMPARE(v.winner, std::string("12"));
        QCOMPARE(v.voters, 5);
        QVERIFY(!v.tie);
        QCOMPARE(v.counts.front().second, 3);
        // A tie: reported, and the answer sampled first wins.
        v = majorityVote({"b", "a", "a", "b", "c"});
        QVERIFY(v.tie);
        QCOMPARE(v.winner, std::string("b"));
        QCOMPARE(v.counts.size(), std::size_t(3));
        v = majorityVote({"", ""});
        QCOMPARE(v.winner, std::string());
        QCOMPARE(v.voters, 0);
    }

    void wilson() {
        // Values from the closed form, worked by hand at z = 1.96.
        auto [lo, hi] = wilsonInterval(8, 10);
        QVERIFY(std::fabs(lo - 0.4902) < 1e-3 && std::fabs(hi - 0.9433) < 1e-3);
        std::tie(lo, hi) = wilsonInterval(0, 10);
        QVERIFY(lo == 0.0 && std::fabs(hi - 0.2775) < 1e-3);
        std::tie(lo, hi) = wilsonInterval(10, 10);
        QVERIFY(std::fabs(lo - 0.7225) < 1e-3 && hi == 1.0);
        std::tie(lo, hi) = wilsonInterval(0, 0);
        QVERIFY(lo == 0.0 && hi == 1.0);
    }

    void strategies() {
        const auto s = parseStrategies("zero, few:3,cot,cot:2,sc:5,sc:7:2");
        QCOMPARE(s.size(), std::size_t(6));
        QCOMPARE(s[1].shots, 3);
        QCOMPARE(s[4].samples, 5);
        QCOMPARE(s[5].shots, 2);
        QCOMPARE(s[5].label(), std::string("sc:7:2"));
        QVERIFY(s[2].reasoning() && !s[1].reasoning());
        for (const char* bad : {"", "few:x", "sc:0", "zero:1", "magic", "few:1:2", "custom"})
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, parseStrategies(bad));
        QCOMPARE(parseStrategies("custom:1", "{examples}{input}")[0].shots, 1);
    }

    void taskSets() {
        for (const std::string& name : builtinTaskNames()) {
            const TaskSet t = builtinTaskSet(name);
            QVERIFY2(t.items.size() >= 30, name.c_str());
            for (const TaskItem& item : t.items)
                QVERIFY2(!normalizeAnswer(item.answer, t.normalize).empty(), item.answer.c_str());
        }
        QVERIFY_THROWS_EXCEPTION(TaskSetError, builtinTaskSet("nope"));
        const TaskSet t = parseTaskSet(
            "{\"name\": \"mine\", \"instruction\": \"Do it.\", \"normalize\": \"number\"}\n"
            "{\"question\": \"1+1\", \"answer\": 2}\n\n"
            "{\"question\": \"2+2\", \"answer\": \"4\", \"examples\": "
            "[{\"question\": \"3+3\", \"answer\": \"6\"}]}\n",
            "mine.jsonl");
        QCOMPARE(t.items.size(), std::size_t(2));
        QCOMPARE(t.items[0].answer, std::string("2"));
        QCOMPARE(t.items[1].examples.size(), std::size_t(1));
        QCOMPARE(t.normalize, AnswerNorm::Number);
        // Errors name the file and the line.
        try {
            parseTaskSet("{\"question\": \"a\", \"answer\": \"b\"}\n{\"question\": 3", "bad.jsonl");
            QFAIL("no error");
        } catch (const TaskSetError& e) {
            QVERIFY2(QString(e.what()).startsWith("bad.jsonl: line 2: "), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(TaskSetError, parseTaskSet("{\"question\": \"a\"}", "x"));
        QVERIFY_THROWS_EXCEPTION(TaskSetError, parseTaskSet("", "empty.jsonl"));
        QVERIFY_THROWS_EXCEPTION(TaskSetError, loadTaskSet("/nonexistent/tasks.jsonl"));
    }

    void prompts() {
        const TaskSet set = builtinTaskSet("past-tense");
        const Strategy zero = parseStrategies("zero")[0], few = parseStrategies("few:3")[0];
        const BuiltPrompt z = buildPrompt(set, 0, zero, 1);
        QCOMPARE(z.text, set.instruction + "\nVerb: " + set.items[0].question + "\nPast:");
        QCOMPARE(z.stop, std::string("\n"));
        // Few-shot: the same demonstrations for every question (a shared prefix), never the
        // question itself.
        const BuiltPrompt a = buildPrompt(set, 5, few, 1), b = buildPrompt(set, 6, few, 1);
        QCOMPARE(a.exampleItems.size(), std::size_t(3));
        if (std::find(a.exampleItems.begin(), a.exampleItems.end(), 6) == a.exampleItems.end() &&
            std::find(a.exampleItems.begin(), a.exampleItems.end(), 5) == a.exampleItems.end())
            QVERIFY(a.exampleItems == b.exampleItems);
        for (int i = 0; i < int(set.items.size()); ++i) {
            const BuiltPrompt p = buildPrompt(set, std::size_t(i), few, 1);
            QVERIFY(std::find(p.exampleItems.begin(), p.exampleItems.end(), i) ==
                    p.exampleItems.end());
            QVERIFY(p.text.find("Past: " + set.items[std::size_t(p.exampleItems[0])].answer +
                                "\n") != std::string::npos);
        }
        QVERIFY(buildPrompt(set, 5, few, 2).exampleItems != a.exampleItems ||
                buildPrompt(set, 5, few, 3).exampleItems != a.exampleItems); // the seed matters
        // Chain of thought: the cue after the answer label, worked demonstrations.
        const TaskSet arith = builtinTaskSet("arithmetic");
        const BuiltPrompt c = buildPrompt(arith, 0, parseStrategies("cot:1")[0], 1);
        const std::string cue = "\nA: Let's think step by step.";
        QVERIFY2(c.text.size() > cue.size() && c.text.substr(c.text.size() - cue.size()) == cue,
                 c.text.c_str());
        QVERIFY(c.text.find("The answer is ") != std::string::npos);
        // The toy sets: an episode's own pairs; the scratchpad cue as trained.
        const TaskSet lookup = builtinTaskSet("toy-lookup");
        const BuiltPrompt l = buildPrompt(lookup, 0, parseStrategies("few:4")[0], 1);
        QCOMPARE(l.text.size(), std::size_t(4 * 4 + 2));
        QVERIFY(l.text.find(lookup.items[0].question + "=" + lookup.items[0].answer + "\n") !=
                std::string::npos);
        QCOMPARE(buildPrompt(lookup, 0, zero, 1).text, lookup.items[0].question + "=");
        const TaskSet add = builtinTaskSet("toy-add");
        QCOMPARE(buildPrompt(add, 0, parseStrategies("cot")[0], 1).text,
                 add.items[0].question + "=think");
        // A custom template.
        const BuiltPrompt t =
            buildPrompt(set, 0, parseStrategies("custom:1", "{instruction}|{examples}|{input}|{question}")[0], 1);
        QVERIFY(t.text.rfind(set.instruction + "|Verb: ", 0) == 0);
        QVERIFY(t.text.size() > 3 &&
                t.text.substr(t.text.size() - set.items[0].question.size() - 1) ==
                    "|" + set.items[0].question);
    }

    // The logits after a prompt whose prefix is cached are those of running the prompt from
    // scratch, bit for bit, whatever ran before (longer conversations leave stale cache rows
    // behind, which must stay masked out).
    void prefixReuseIsExact_data() {
        QTest::addColumn<bool>("invariant");
        QTest::newRow("batch-invariant kernels") << true;
        QTest::newRow("blocked GEMM") << false;
    }

    void prefixReuseIsExact() {
        QFETCH(bool, invariant);
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        CpuBackend cpu(2);
        cpu.setBatchInvariant(invariant);
        PromptRunner runner(model, cpu, tokenizerFor(*model), 256);
        const Tokenizer& tok = runner.tokenizer();
        EncodeOptions eo;
        eo.addSpecial = true;
        const auto shared = tok.encode("Once upon a time, there was a little girl named Lily.", eo);
        auto withTail = [&](const std::string& tail) {
            auto t = shared;
            const auto more = tok.encode(tail);
            t.insert(t.end(), more.begin(), more.end());
            return t;
        };
        const auto a = withTail(" She liked to play in the park with her friends every day.");
        const auto b = withTail(" One day she found a big red ball.");
        int reused = -1;
        runner.start(a, true, &reused);
        QCOMPARE(reused, 0);
        const std::vector<float> viaCache = runner.start(b, true, &reused);
        QVERIFY(reused >= int(shared.size()) && reused < int(b.size()));
        const std::size_t cut = std::size_t(reused);
        // The same prompt again: all but its last token come from the cache.
        const std::vector<float> again = runner.start(b, true, &reused);
        QCOMPARE(reused, int(b.size()) - 1);

        // Stale rows leave no trace: the same prompt after a different history (another
        // prompt's tail in the rows after the shared prefix) gives the same bits.
        PromptRunner other(model, cpu, tokenizerFor(*model), 256);
        other.start(a, true);
        other.start(withTail(" The sun was hot and the sky was very blue that morning."), true);
        int reusedOther = 0;
        const std::vector<float> afterOther = other.start(b, true, &reusedOther);
        QCOMPARE(reusedOther, int(cut));
        QVERIFY(afterOther == viaCache);

        // Against the whole prompt in one batch: with batch-invariant kernels, the same bits;
        // with the blocked GEMM, the cached rows were computed in batches of another size,
        // which it rounds differently.
        InferenceSession fresh(model, cpu, 256);
        const std::vector<float> full = fresh.prefillLast(b);
        QCOMPARE(viaCache.size(), full.size());
        double worst = 0;
        for (std::size_t i = 0; i < full.size(); ++i)
            worst = std::max(worst, double(std::fabs(viaCache[i] - full[i])));
        qInfo("prefix reuse vs the prompt in one batch: max |logit diff| %.3g", worst);
        if (invariant)
            QVERIFY(viaCache == full);
        else
            QVERIFY(worst <= 1e-4);
        // The sample after a reply: the prompt again, its last token run alone.
        QVERIFY(!invariant || again == full);
        // Without reuse the prompt runs in one batch: the same bits as a fresh session.
        const std::vector<float> noReuse = runner.start(b, false, &reused);
        QCOMPARE(reused, 0);
        QVERIFY(noReuse == full);
    }

    // On Vulkan the cached prefix and a fresh run agree to 1e-3 with the CPU reference.
    void prefixReuseOnVulkan() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string why;
        auto vk = test::makeVulkanBackend(&why);
        if (!vk) {
            if (test::runningInCi()) QFAIL(why.c_str());
            QSKIP(why.c_str());
        }
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        PromptRunner runner(model, *vk, tokenizerFor(*model), 256);
        EncodeOptions eo;
        eo.addSpecial = true;
        const Tokenizer& tok = runner.tokenizer();
        const auto a = tok.encode("Once upon a time, there was a little girl. She liked cats.", eo);
        const auto b = tok.encode("Once upon a time, there was a little girl. One day it rained.", eo);
        runner.start(a, true);
        int reused = 0;
        const std::vector<float> viaCache = runner.start(b, true, &reused);
        QVERIFY(reused > 5);
        CpuBackend cpu(2);
        InferenceSession fresh(model, cpu, 256);
        const std::vector<float> full = fresh.prefillLast(b);
        double worst = 0;
        for (std::size_t i = 0; i < full.size(); ++i)
            worst = std::max(worst, double(std::fabs(viaCache[i] - full[i])));
        qInfo("Vulkan with prefix reuse vs the CPU in one batch: max |logit diff| %.3g", worst);
        QVERIFY(worst <= 1e-3);
        QCOMPARE(test::validationErrors(*vk), std::size_t(0));
    }

    // A comparison on stories260K: deterministic for a seed (self-consistency samples
    // included), different for another seed's samples, with and without reuse the same.
    void comparisonIsDeterministic() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        CpuBackend cpu(2);
        const TaskSet set = builtinTaskSet("past-tense");
        CompareOptions o;
        o.strategies = parseStrategies("zero,few:2,sc:3");
        o.maxQuestions = 4;
        o.maxTokens = 8;
        o.seed = 5;
        auto runOnce = [&](bool reuse) -> CompareResult {
            PromptRunner runner(model, cpu, tokenizerFor(*model), 512);
            CompareOptions oo = o;
            oo.reusePrefix = reuse;
            int partials = 0;
            CompareResult r = runComparison(runner, set, oo, [&](const CompareCell&, bool partial) {
                partials += partial ? 1 : 0;
            });
            if (partials != 4 * 2) qWarning("partial reports: %d", partials); // sc:3: after 1, 2
            r.cancelled = r.cancelled || partials != 4 * 2;
            return r;
        };
        const CompareResult r1 = runOnce(true), r2 = runOnce(true), r3 = runOnce(false);
        QVERIFY(!r1.cancelled && !r3.cancelled);
        QCOMPARE(r1.cells.size(), std::size_t(12));
        int reusedTotal = 0;
        for (std::size_t i = 0; i < r1.cells.size(); ++i) {
            QCOMPARE(r1.cells[i].samples.size(), r2.cells[i].samples.size());
            for (std::size_t k = 0; k < r1.cells[i].samples.size(); ++k) {
                QCOMPARE(r1.cells[i].samples[k].text, r2.cells[i].samples[k].text);
                QCOMPARE(r1.cells[i].samples[k].text, r3.cells[i].samples[k].text);
            }
            reusedTotal += r1.cells[i].reusedTokens;
            QCOMPARE(r3.cells[i].reusedTokens, 0);
        }
        QVERIFY(reusedTotal > 0);
        const auto summary = r1.summarize(set);
        QCOMPARE(summary.size(), std::size_t(3));
        QCOMPARE(summary[2].accuracyByN.size(), std::size_t(3));
        QCOMPARE(summary[0].total, 4);
        const std::string csv = compareCsv(r1, set);
        QCOMPARE(std::count(csv.begin(), csv.end(), '\n') >= 1 + 4 + 4 + 12, true);
        const std::string json = compareJson(r1, set, o);
        QVERIFY(json.find("\"accuracy_by_n\"") != std::string::npos);
        QVERIFY(json.find("\"logprob\"") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestPrompting)
#include "tst_prompting.moc"
