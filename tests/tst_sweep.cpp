// Sweeps (engine): specs and their errors, the run folders and results.csv, parallel runs
// giving the CSV of one-at-a-time runs, a stopped sweep resumed to the same CSV, the LM run
// folder resuming to the same figures, label noise, the byte-level BPE an LM run can train on,
// and the analysis of a finished sweep.
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "formats/Metadata.h"
#include "lm/LmRun.h"
#include "lm/LmTokenizer.h"
#include "sweep/SweepAnalysis.h"
#include "sweep/SweepRunner.h"
#include "train/RunStore.h"
#include "train/Tasks.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace llmlab;

namespace {

// Tiny grokking runs: a 2 x 2 grid that trains in a second or two.
const char* kGrid = R"({
  "format": "llmlab-sweep", "name": "tiny", "kind": "grokking",
  "base": {"preset": "quick", "task": {"modulus": 11, "train_fraction": 0.5},
           "model": {"d_model": 16, "d_mlp": 32, "heads": 2},
           "max_steps": 120, "eval_every": 10, "checkpoint_every": 40},
  "grid": {"optim.weight_decay": [0.0, 1.0], "optim.lr": [1e-3, 1e-2]}
})";

std::string lmSpec(const std::string& text) {
    return R"({"format": "llmlab-sweep", "name": "tiny-lm", "kind": "lm",
      "base": {"task": "text", "text": ")" +
           text + R"(", "batch": 4, "seq_len": 16, "model": {"layers": 1, "heads": 2}},
      "eval_every": 10, "eval_batches": 2,
      "runs": [{"model.d_model": 8, "tokens": 3000}, {"model.d_model": 16, "compute": 2e8}]})";
}

// results.csv without the wall_s column (the one that depends on the machine's load).
std::string resultsWithoutTime(const std::string& dir) {
    std::ifstream in(dir + "/results.csv");
    std::string line, out;
    int wall = -1;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        if (wall < 0)
            for (std::size_t i = 0; i < cells.size(); ++i)
                if (cells[i] == "wall_s") wall = int(i);
        for (std::size_t i = 0; i < cells.size(); ++i)
            if (int(i) != wall) out += cells[i] + ",";
        out += "\n";
    }
    return out;
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT
private slots:
    void gridExpandsInOrder() {
        const SweepSpec s = parseSweepSpec(kGrid, "tiny.json");
        QCOMPARE(s.kind, SweepKind::Grokking);
        QCOMPARE(int(s.runs.size()), 4);
        QCOMPARE(s.axes, (std::vector<std::string>{"optim.weight_decay", "optim.lr"}));
        QCOMPARE(QString::fromStdString(s.runs[1].label), QString("weight_decay=0 lr=0.01"));
        const TrainConfig c = configFromJson(s.runs[3].configJson);
        QCOMPARE(c.optim.weightDecay, 1.0);
        QCOMPARE(c.optim.lr, 1e-2);
        QCOMPARE(c.task.modulus, 11);
        QCOMPARE(c.model.vocab, 12); // refitted to the task
        QCOMPARE(c.maxSteps, std::int64_t(120));
        QCOMPARE(QString::fromStdString(s.runs[2].folderName()), QString("run-0002"));
    }

    void budgetsBecomeSteps() {
        const SweepSpec s = parseSweepSpec(lmSpec("x.txt"), "lm.json");
        QCOMPARE(int(s.runs.size()), 2);
        const LmTrainConfig a = lmConfigFromJson(s.runs[0].configJson);
        QCOMPARE(a.steps, std::int64_t(std::llround(3000.0 / 64))); // tokens / (batch x seq)
        const LmTrainConfig b = lmConfigFromJson(s.runs[1].configJson);
        const double n = double(lmNonEmbeddingParams(b));
        QCOMPARE(b.steps, std::int64_t(std::llround(2e8 / (6 * n) / 64)));
        QCOMPARE(b.model.dModel, 16);
    }

    void badSpecsSaySo_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("words");
        QTest::newRow("not json") << "{" << "not valid JSON";
        QTest::newRow("format") << R"({"kind": "grokking"})" << "not an llmlab sweep";
        QTest::newRow("kind") << R"({"format": "llmlab-sweep", "kind": "gan"})"
                              << "unknown sweep kind 'gan'";
        QTest::newRow("field") << R"({"format": "llmlab-sweep", "grid": {"optim.speed": [1]}})"
                               << "no field 'optim.speed'";
        QTest::newRow("empty grid") << R"({"format": "llmlab-sweep", "grid": {"optim.lr": []}})"
                                    << "non-empty list";
        QTest::newRow("whole") << R"({"format": "llmlab-sweep", "grid": {"model.d_model": [16.5]}})"
                               << "whole number";
        QTest::newRow("bad model")
            << R"({"format": "llmlab-sweep", "grid": {"model.heads": [3]}})" << "run 0";
        QTest::newRow("features axis")
            << R"({"format": "llmlab-sweep", "kind": "random-features", "grid": {"lr": [1]}})"
            << "'features' and 'ridge'";
    }
    void badSpecsSaySo() {
        QFETCH(QString, text);
        QFETCH(QString, words);
        try {
            parseSweepSpec(text.toStdString(), "my.json");
            QFAIL("accepted");
        } catch (const std::invalid_argument& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.startsWith("my.json"), qPrintable(what));
            QVERIFY2(what.contains(words), qPrintable(what));
        }
    }

    void presetsParse() {
        for (const std::string& name : sweepPresetNames()) {
            const SweepSpec s = parseSweepSpec(sweepPresetText(name, "t.txt"), name);
            QVERIFY2(!s.runs.empty() || s.kind == SweepKind::RandomFeatures, name.c_str());
        }
        QVERIFY(sweepPresetText("nope").empty());
    }

    // Two at once and one at a time give the same results; a folder refuses another sweep.
    void parallelEqualsSerial() {
        const SweepSpec s = parseSweepSpec(kGrid, "tiny.json");
        QTemporaryDir a, b;
        SweepOptions one;
        one.jobs = 1;
        const SweepOutcome oa = runSweep(s, a.path().toStdString(), one);
        QCOMPARE(oa.done, 4);
        SweepOptions two;
        two.jobs = 2;
        std::atomic<int> running{0}, most{0};
        two.onRunState = [&](const SweepRunState& st) {
            if (st.state == SweepRunState::State::Running) most = std::max(most.load(), ++running);
            if (st.state == SweepRunState::State::Done) --running;
        };
        QCOMPARE(runSweep(s, b.path().toStdString(), two).done, 4);
        QCOMPARE(most.load(), 2);
        const std::string ra = resultsWithoutTime(a.path().toStdString());
        QCOMPARE(ra, resultsWithoutTime(b.path().toStdString()));
        QVERIFY(ra.find(",done,") != std::string::npos);
        // Each run is an ordinary run folder the grokking lab can open.
        QVERIFY(RunStore(b.path().toStdString() + "/run-0003").hasCheckpoint());
        QCOMPARE(int(RunStore::listRuns(b.path().toStdString()).size()), 4);
        // A second call trains nothing: every run has its result.
        QCOMPARE(runSweep(s, b.path().toStdString(), two).done, 4);
        SweepSpec other = parseSweepSpec(sweepPresetText("grokking-phases"), "phases");
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 prepareSweepFolder(other, b.path().toStdString()));
    }

    // Stopped half-way (as kill -9 leaves it: some runs done, one with a checkpoint only), then
    // resumed: the CSV of a sweep that never stopped.
    void resumedEqualsUninterrupted() {
        const SweepSpec s = parseSweepSpec(kGrid, "tiny.json");
        QTemporaryDir whole, parts;
        runSweep(s, whole.path().toStdString(), {});
        CancelToken cancel;
        SweepOptions o;
        o.onMetrics = [&](int index, const TrainMetrics& m) {
            if (index == 1 && m.step >= 50) cancel.cancel();
        };
        const SweepOutcome first = runSweep(s, parts.path().toStdString(), o, &cancel);
        QVERIFY(first.cancelled);
        QCOMPARE(first.done, 1);
        const std::string partial = resultsWithoutTime(parts.path().toStdString());
        QVERIFY(partial.find(",pending,") != std::string::npos);
        const SweepOutcome second = runSweep(s, parts.path().toStdString(), {});
        QCOMPARE(second.done, 4);
        QCOMPARE(resultsWithoutTime(parts.path().toStdString()),
                 resultsWithoutTime(whole.path().toStdString()));
    }

    // An LM run killed after a checkpoint goes on to the same figures as one that never stopped.
    void lmRunResumes() {
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        LmTrainConfig c;
        c.task = "text";
        c.textPath = text;
        c.batch = 4;
        c.seqLen = 16;
        c.steps = 60;
        c.model.layers = 1;
        c.model.dModel = 16;
        c.model.heads = 2;
        QTemporaryDir a, b;
        CpuBackend cpu(1);
        LmRunOptions o;
        o.evalEvery = 10;
        o.checkpointEvery = 20;
        o.checkpointSeconds = 0;
        o.runDir = a.path().toStdString();
        const LmRunSummary whole = runLmTraining(c, cpu, o);
        QCOMPARE(whole.steps, std::int64_t(60));
        QVERIFY(whole.last.valLoss > 0 && whole.last.valLoss < 5);
        QVERIFY(whole.bestValLoss <= whole.last.valLoss);
        CancelToken cancel;
        o.runDir = b.path().toStdString();
        o.onMetrics = [&](const TrainMetrics& m) {
            if (m.step == 30) cancel.cancel();
        };
        const LmRunSummary stopped = runLmTraining(c, cpu, o, &cancel);
        QVERIFY(stopped.cancelled);
        o.onMetrics = {};
        const LmRunSummary resumed = runLmTraining(c, cpu, o);
        QCOMPARE(resumed.steps, std::int64_t(60));
        QCOMPARE(resumed.last.valLoss, whole.last.valLoss);
        QCOMPARE(resumed.last.trainLoss, whole.last.trainLoss);
        QCOMPARE(resumed.bestValLoss, whole.bestValLoss);
        QCOMPARE(int(RunStore(b.path().toStdString()).loadMetrics().rows.size()), 7);
    }

    // Merges by pair frequency inside pre-tokens, ties to the pair of lower ids; the vocabulary
    // has the size asked for; every byte string round-trips; the tokenizer.json and the GGUF
    // metadata it writes load back to the same encoder.
    void bpeTraining() {
        const BpeVocabulary tiny = trainByteLevelBpe("aaab aaab aaab cd", 259);
        QCOMPARE(int(tiny.pieces.size()), 259);
        QCOMPARE(tiny.merges[0], std::make_pair(std::string("a"), std::string("a")));
        // Then (aa, a) and (a, b) both occur 3 times: the pair of lower ids, (a, b), wins.
        QCOMPARE(tiny.merges[1], std::make_pair(std::string("a"), std::string("b")));
        QCOMPARE(tiny.pieces.back(), std::string("<|endoftext|>"));
        // No pair occurs twice any more: training stops short of the size asked for.
        QVERIFY(trainByteLevelBpe("ab", 300).pieces.size() < 300);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, trainByteLevelBpe("ab", 256));

        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", path);
        std::ifstream in(path, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string sample = text.substr(0, 200000);
        const BpeVocabulary v = trainByteLevelBpe(sample, 512);
        QCOMPARE(int(v.pieces.size()), 512);
        QCOMPARE(trainByteLevelBpe(sample, 512).merges, v.merges); // the text decides alone
        const Tokenizer tok = v.toTokenizer("test");
        QCOMPARE(tok.vocabSize(), 512);
        const std::string held = text.substr(text.size() - 20000);
        const std::vector<std::int32_t> ids = tok.encode(held);
        QCOMPARE(tok.decode(ids), held);
        // Unseen text still compresses: 1.83 characters a token at 512 entries (measured;
        // 2.0 on the text it was trained on).
        QVERIFY2(double(held.size()) / double(ids.size()) > 1.7,
                 qPrintable(QString::number(double(held.size()) / double(ids.size()))));
        const std::string odd = "caf\xC3\xA9 \xFF\xFE\n\t  x";
        QCOMPARE(tok.decode(tok.encode(odd)), odd);
        Metadata meta;
        for (auto& [k, value] : v.ggufMetadata()) meta.set(k, value);
        const Tokenizer fromGguf = Tokenizer::fromGguf(meta, "test");
        QCOMPARE(fromGguf.encode(held), ids);
        QCOMPARE(fromGguf.eosId(), 511);
    }

    // An LM run on a BPE: the run folder keeps its tokenizer.json, the config says which, and
    // training lowers the loss from that of a uniform guess over the vocabulary.
    void bpeLmRun() {
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        LmTrainConfig c;
        c.task = "text";
        c.textPath = text;
        c.tokenizer = "bpe";
        c.bpeVocab = 320;
        c.batch = 8;
        c.seqLen = 16;
        c.steps = 60;
        c.lr = 1e-2;
        c.model.layers = 1;
        c.model.dModel = 16;
        c.model.heads = 2;
        QCOMPARE(lmConfigFromJson(lmConfigToJson(c)).tokenizer, std::string("bpe"));
        QCOMPARE(lmConfigFromJson(lmConfigToJson(c)).bpeVocab, 320);
        QTemporaryDir dir;
        CpuBackend cpu(1);
        LmRunOptions o;
        o.evalEvery = 20;
        o.runDir = dir.path().toStdString();
        const LmRunSummary s = runLmTraining(c, cpu, o);
        QCOMPARE(s.steps, std::int64_t(60));
        QVERIFY2(s.last.valLoss < std::log(320.0) - 0.5, qPrintable(QString::number(s.last.valLoss)));
        const Tokenizer saved = Tokenizer::fromTokenizerJson(o.runDir + "/tokenizer.json");
        QCOMPARE(saved.vocabSize(), 320);
        QCOMPARE(saved.encode("To be, or not to be"),
                 lmTokenizer("bpe", 320, text).encode("To be, or not to be"));
        c.tokenizer = "words";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, lmConfigFromJson(lmConfigToJson(c)));
    }

    void labelNoiseChangesTrainingAnswersOnly() {
        TaskSpec clean{TaskKind::AddMod, 23, 0.5, 3};
        TaskSpec noisy = clean;
        noisy.labelNoise = 0.2;
        const TaskData a = makeTask(clean), b = makeTask(noisy);
        QCOMPARE(a.train.size(), b.train.size());
        int wrong = 0;
        for (std::size_t i = 0; i < a.train.size(); ++i) {
            QCOMPARE(a.train[i].a, b.train[i].a);
            wrong += a.train[i].answer != b.train[i].answer;
        }
        // 20% drawn with replacement: a little under 20% distinct examples changed.
        QVERIFY2(wrong > int(0.15 * double(a.train.size())) &&
                     wrong <= int(0.2 * double(a.train.size())) + 1,
                 qPrintable(QString::number(wrong)));
        for (std::size_t i = 0; i < a.validation.size(); ++i)
            QCOMPARE(a.validation[i].answer, b.validation[i].answer);
        noisy.labelNoise = 1.0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeTask(noisy));
    }

    // A tiny lm sweep end to end: results with N, D, C = 6ND, and the analysis of them.
    void lmSweepAndAnalysis() {
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const SweepSpec s = parseSweepSpec(lmSpec(text), "lm.json");
        QTemporaryDir dir;
        QCOMPARE(runSweep(s, dir.path().toStdString(), {}).done, 2);
        const std::vector<SweepResult> r = readSweepResults(s, dir.path().toStdString());
        QCOMPARE(r[0].status, std::string("done"));
        const double n = r[1].values.at("params"), d = r[1].values.at("tokens");
        QCOMPARE(r[1].values.at("flops"), 6 * n * d);
        QVERIFY(std::abs(r[1].values.at("flops") - 2e8) < 0.05 * 2e8);
        QVERIFY(r[0].values.at("val_loss") > 0);
        const std::string json = sweepAnalysisJson(s, dir.path().toStdString(), r);
        QVERIFY(json.find("\"loss_vs_compute\"") != std::string::npos);
        // Two points: too few for any fit, and the analysis says so instead of inventing one.
        const ScalingAnalysis a = analyseScaling(r);
        QCOMPARE(int(a.points.size()), 2);
        QVERIFY(!a.lossVsCompute.ok);
        QVERIFY(!a.lossVsCompute.error.empty());
    }

    void featuresSweepFindsThePeak() {
        const SweepSpec s = parseSweepSpec(sweepPresetText("double-descent-features"), "dd");
        QTemporaryDir dir;
        runSweep(s, dir.path().toStdString(), {});
        const std::vector<RandomFeaturesPoint> curve = readFeaturesResults(dir.path().toStdString());
        QCOMPARE(int(curve.size()), 3 * int(defaultFeatureCounts(100).size()));
        QCOMPARE(doubleDescentPeak(curve, 0.0), 100);
        QVERIFY(doubleDescentPeak(curve, 1e-2) != 100); // regularised: no peak at n
    }
};

QTEST_APPLESS_MAIN(TestSweep)
#include "tst_sweep.moc"
