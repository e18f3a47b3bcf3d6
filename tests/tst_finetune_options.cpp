// Fine-tuning's options (#13): gradient accumulation gives one large batch's step; gradient
// checkpointing gives the same gradients bit for bit from smaller buffers; LoRA dropout acts in
// training only and draws the same masks again on a resumed run; the estimate shown before
// Start counts what the trainer trains; a classification head on frozen features learns; a
// run's config.json and metrics.csv read back.
#include "TestSupport.h"
#include "TextFile.h"
#include "finetune/FineTune.h"
#include "finetune/PeftAdapter.h"
#include "formats/ModelFile.h"
#include "formats/SafetensorsWriter.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "quant/ModelQuantizer.h"

#include <QDir>
#include <QFile>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <random>

using namespace llmlab;

namespace {

std::string corpus(const std::string& path, std::size_t chars) {
    std::string text = readTextFile(path);
    if (text.size() > chars) text.resize(chars);
    return text;
}

double maxAbs(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = a.size() == b.size() ? 0 : 1e30;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
    return worst;
}

FineTuneConfig loraConfig() {
    FineTuneConfig c;
    c.batch = 4;
    c.seqLen = 32;
    c.rank = 4;
    c.targets = "q_proj|v_proj|down_proj";
    c.lr = 5e-3;
    return c;
}

} // namespace

class TestFineTuneOptions : public QObject {
    Q_OBJECT

private slots:
    // Two micro-batches of 2 sequences are one batch of 4: the same windows, loss and
    // gradient norm, and (the gradient summed in another order) nearly the same values after.
    void accumulationIsOneLargerBatch_data() {
        QTest::addColumn<int>("method");
        QTest::newRow("lora") << int(FineTuneMethod::Lora);
        QTest::newRow("full") << int(FineTuneMethod::Full);
    }
    void accumulationIsOneLargerBatch() {
        QFETCH(int, method);
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        const std::string body = corpus(text, 50000);
        FineTuneConfig big = loraConfig();
        big.method = FineTuneMethod(method);
        big.lr = 1e-3;
        FineTuneConfig micro = big;
        micro.batch = 2;
        micro.accumulate = 2;
        FineTuner a(m, *backend, body, big), b(m, *backend, body, micro);
        for (int step = 0; step < 3; ++step) {
            const double la = a.trainStep(), lb = b.trainStep();
            QVERIFY2(std::fabs(la - lb) < 1e-5 * std::fabs(la), qPrintable(QString::number(la - lb)));
            QVERIFY2(std::fabs(a.lastGradientNorm() - b.lastGradientNorm()) < 1e-4 * a.lastGradientNorm(),
                     qPrintable(QStringLiteral("%1 vs %2").arg(a.lastGradientNorm()).arg(b.lastGradientNorm())));
        }
        const auto va = a.trainable(), vb = b.trainable();
        for (const auto& [name, v] : va) QVERIFY2(maxAbs(vb.at(name), v) < 1e-4, name.c_str());
        // Without accumulation the second run's half batch is another gradient.
        FineTuneConfig half = micro;
        half.accumulate = 1;
        FineTuner c(m, *backend, body, half);
        c.trainStep();
        FineTuner d(m, *backend, body, big);
        d.trainStep();
        QVERIFY(std::fabs(c.lastGradientNorm() - d.lastGradientNorm()) > 1e-3 * d.lastGradientNorm());
    }

    // Checkpointing recomputes each block in the backward pass: the same gradient, bit for bit,
    // the same run, and smaller buffers for the step (stories260K: 5 blocks).
    void checkpointingKeepsGradientsAndSavesMemory_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("method");
        QTest::newRow("stories260K lora") << "gguf/stories260K.gguf" << int(FineTuneMethod::Lora);
        QTest::newRow("stories260K full") << "gguf/stories260K.gguf" << int(FineTuneMethod::Full);
        QTest::newRow("GPT-2 lora") << "hf/tiny-random-gpt2" << int(FineTuneMethod::Lora);
    }
    void checkpointingKeepsGradientsAndSavesMemory() {
        QFETCH(QString, model);
        QFETCH(int, method);
        LLMLAB_REQUIRE_FIXTURE(model.toStdString(), path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        const std::string body = corpus(text, 50000);
        FineTuneConfig plain = loraConfig();
        plain.method = FineTuneMethod(method);
        plain.seqLen = 64;
        FineTuneConfig saving = plain;
        saving.checkpointing = true;
        FineTuner a(m, *backend, body, plain), b(m, *backend, body, saving);
        std::map<std::string, std::vector<float>> ga, gb;
        QCOMPARE(b.lossAndGradient(0, &gb), a.lossAndGradient(0, &ga));
        QVERIFY(!ga.empty());
        QVERIFY(ga == gb);
        for (int i = 0; i < 2; ++i) QCOMPARE(b.trainStep(), a.trainStep());
        QVERIFY(a.trainable() == b.trainable());
        QVERIFY(a.stepBufferBytes() > 0);
        QVERIFY2(b.stepBufferBytes() < a.stepBufferBytes(),
                 qPrintable(QStringLiteral("%1 vs %2 bytes").arg(b.stepBufferBytes()).arg(a.stepBufferBytes())));
    }

    // Dropout on the adapters' input: evaluation and the check passes see no dropout; training
    // with it follows another path than without, the same one again for the same seed, and
    // still learns.
    void loraDropoutTrainsOnly() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        const std::string body = corpus(text, 50000);
        FineTuneConfig plain = loraConfig();
        FineTuneConfig dropped = plain;
        dropped.loraDropout = 0.3f;
        FineTuner a(m, *backend, body, plain), b(m, *backend, body, dropped), again(m, *backend, body, dropped);
        QCOMPARE(b.evaluate(2), a.evaluate(2));
        const double before = b.evaluate(4);
        for (int i = 0; i < 20; ++i) {
            a.trainStep();
            QCOMPARE(b.trainStep(), again.trainStep());
        }
        QVERIFY(b.trainable() == again.trainable());
        QVERIFY(b.trainable() != a.trainable());
        QVERIFY2(b.evaluate(4) < before - 0.1, "dropout stopped it learning");
        // The same trained values evaluate alike with and without dropout configured.
        for (const auto& [name, v] : b.trainable()) a.setTrainable(name, v);
        QCOMPARE(a.evaluate(2), b.evaluate(2));
        dropped.loraDropout = 1.0f;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FineTuner(m, *backend, body, dropped));
    }

    // What the tab shows before Start is what the trainer then trains.
    void estimateCountsWhatIsTrained_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("method");
        QTest::addColumn<QString>("targets");
        for (const char* file : {"gguf/stories260K.gguf", "hf/tiny-random-gpt2"}) {
            QTest::addRow("%s lora q|v", file) << file << int(FineTuneMethod::Lora) << "q_proj|v_proj";
            QTest::addRow("%s lora all", file) << file << int(FineTuneMethod::Lora) << "attn_|ffn_";
            QTest::addRow("%s top", file) << file << int(FineTuneMethod::TopLayers) << "";
            QTest::addRow("%s full", file) << file << int(FineTuneMethod::Full) << "";
        }
    }
    void estimateCountsWhatIsTrained() {
        QFETCH(QString, model);
        QFETCH(int, method);
        QFETCH(QString, targets);
        LLMLAB_REQUIRE_FIXTURE(model.toStdString(), path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c = loraConfig();
        c.method = FineTuneMethod(method);
        c.topLayers = 1;
        if (!targets.isEmpty()) c.targets = targets.toStdString();
        const FineTuneEstimate e = estimateFineTune(*m, c, "");
        FineTuner t(m, *backend, corpus(text, 20000), c);
        QCOMPARE(e.trainable, t.trainableCount());
        if (c.method == FineTuneMethod::Lora) {
            QCOMPARE(e.matrices, int(t.trainableNames().size() / 2));
            QCOMPARE(e.memory.method, std::string("LoRA 16"));
            QVERIFY(e.memory.adapters > 0);
            QCOMPARE(estimateFineTune(*m, c, "Q8_0").memory.method, std::string("QLoRA 8"));
        } else {
            QCOMPARE(e.memory.method, std::string("Full AMP"));
        }
        QVERIFY(e.memory.total() > e.memory.activations && e.memory.activations > 0);
        FineTuneConfig saving = c;
        saving.checkpointing = true;
        QVERIFY(estimateFineTune(*m, saving, "").memory.activations < e.memory.activations);
    }

    // A classification head on stories260K's frozen features learns a feeling from the last
    // word (held-out sentences: other names and places): far above chance, and its classes read
    // back from the data.
    void classificationHeadOnFrozenFeatures() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        std::string data;
        const char* names[] = {"Lily", "Tim", "Sam", "Mia", "Ben", "Anna", "Max", "Sue", "Tom", "Amy"};
        const char* places[] = {"at the park", "at home", "with her mom", "at school", "in the garden"};
        const char* good[] = {"happy", "glad", "excited", "proud", "good"};
        const char* bad[] = {"sad", "angry", "scared", "upset", "bad"};
        for (const char* n : names)
            for (const char* p : places)
                for (int k = 0; k < 5; ++k) {
                    data += std::string("good\t") + n + " was " + p + " and felt " + good[k] + "\n";
                    data += std::string("bad\t") + n + " was " + p + " and felt " + bad[k] + "\n";
                }
        FineTuneConfig c;
        c.method = FineTuneMethod::Head;
        c.batch = 16;
        c.seqLen = 32; // the tokenizer has 512 pieces: a sentence is 20 or more
        c.lr = 2e-2;
        FineTuner t(m, *backend, data, c);
        QCOMPARE(t.classes(), (std::vector<std::string>{"bad", "good"}));
        QCOMPARE(t.trainableCount(), std::int64_t(2 * (m->spec().width + 1)));
        QCOMPARE(t.trainableCount(), estimateFineTune(*m, c, "", 2).trainable);
        const double before = t.evaluate(1);
        QVERIFY(std::fabs(before - std::log(2.0)) < 1e-6); // a zero head: chance
        for (int i = 0; i < 80; ++i) t.trainStep();
        const double after = t.evaluate(1);
        QVERIFY2(after < 0.4, qPrintable(QString::number(after)));
        QVERIFY2(t.heldOutAccuracy() >= 0.9, qPrintable(QString::number(t.heldOutAccuracy())));
        const std::vector<double> p = t.classify("Mia was at the park and felt happy");
        QCOMPARE(p.size(), std::size_t(2));
        QVERIFY(std::fabs(p[0] + p[1] - 1.0) < 1e-9);
        QVERIFY2(p[1] > p[0], qPrintable(QStringLiteral("%1 %2 acc %3").arg(p[0]).arg(p[1]).arg(t.heldOutAccuracy())));
        QVERIFY(t.classify("Mia was at the park and felt sad")[0] > 0.5);
        // The model's own weights are not trained: only the head is.
        for (const std::string& name : t.trainableNames()) QVERIFY(name.rfind("head.", 0) == 0);
        // Bad data: one sentence.
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, FineTuner(m, *backend, "no tabs here\nnor here\n", c));
        std::string one;
        for (int i = 0; i < 20; ++i) one += "good\tLily felt happy\n";
        try {
            FineTuner(m, *backend, one, c);
            QFAIL("trained a head on one class");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains(QStringLiteral("classes")));
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, t.evaluate(1, &data));
    }

    // GPT-2 keeps q, k and v in one Conv1D matrix, PEFT adapts it as one (c_attn): a trained
    // adapter goes out fused at rank 3r and comes back as the three it was; one trained
    // elsewhere at c_attn's own rank merges to W + (alpha/r) B A on the fused matrix; merged
    // weights go into a GGUF under the file's names and give the adapter's logits.
    void gpt2AdaptersInPeftLayout() {
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c = loraConfig();
        c.targets = "attn_q|attn_k|attn_v|attn_output|ffn_down";
        FineTuner t(m, *backend, corpus(text, 20000), c);
        for (int i = 0; i < 3; ++i) t.trainStep();
        const LoraAdapter trained = t.adapter();
        QTemporaryDir dir;
        const std::string folder = dir.filePath(QStringLiteral("adapter")).toStdString();
        writePeftAdapter(folder, *m, trained);
        const std::string config = readTextFile(folder + "/adapter_config.json");
        QVERIFY(config.find("\"fan_in_fan_out\": true") != std::string::npos);
        QVERIFY(config.find("\"attn.c_attn\": 12") != std::string::npos); // rank_pattern: 3 r
        std::string error;
        const auto file = ModelFile::open(folder + "/adapter_model.safetensors", &error);
        QVERIFY2(file, error.c_str());
        int fused = 0;
        for (const TensorInfo& ti : file->tensors()) {
            if (ti.sourceName == "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight") {
                QCOMPARE(ti.shape, Shape({12, m->spec().width}));
                ++fused;
            }
            if (ti.sourceName == "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight") {
                QCOMPARE(ti.shape, Shape({3 * m->spec().width, 12}));
                ++fused;
            }
        }
        QCOMPARE(fused, 2);
        const LoraAdapter back = readPeftAdapter(folder, *m);
        QVERIFY(back.tensors == trained.tensors); // the block-diagonal B split back exactly
        QVERIFY(back.scales.empty());

        // The merge, applied to a session and written to a file, is the adapter.
        const std::vector<std::int32_t> ids = tokenizerFor(*m).encode("ROMEO: the king is dead");
        const std::vector<float> adapted = t.logits(ids);
        auto sessionLogits = [&](std::shared_ptr<const ModelFile> model, const std::map<std::string, std::vector<float>>& w) {
            InferenceSession s(model, *backend, 64);
            std::vector<std::string> names;
            for (const auto& [name, v] : w) names.push_back(name);
            if (!names.empty()) s.makeAdjustable(names);
            for (const auto& [name, v] : w) s.setWeight(name, v);
            return s.prefill(ids);
        };
        const std::vector<float> merged = sessionLogits(m, mergeAdapter(*m, back));
        QVERIFY(maxAbs(sessionLogits(m, {}), merged) > 1e-4); // the adapter does something
        QVERIFY(maxAbs(std::vector<float>(adapted.begin(), adapted.begin() + std::ptrdiff_t(merged.size())), merged) < 1e-4);
        const std::string gguf = dir.filePath(QStringLiteral("merged.gguf")).toStdString();
        const auto forFile = weightsForFile(*m, t.mergedWeights());
        QVERIFY(forFile.count("blk.0.attn_qkv.weight") && !forFile.count("blk.0.attn_q.weight"));
        QuantizeOptions q;
        q.scheme = "F32";
        q.pure = true;
        q.replacements = &forFile;
        quantizeModel(*m, gguf, q);
        const std::vector<float> written = sessionLogits(test::openModel(gguf), {});
        QVERIFY(maxAbs(written, merged) < 1e-4);
        // ... and into a Hugging Face folder (Conv1D matrices back in [in, out]).
        const std::string hf = dir.filePath(QStringLiteral("merged-hf")).toStdString();
        writeMergedHfFolder(*m, forFile, hf);
        QVERIFY(QFile::exists(QString::fromStdString(hf + "/tokenizer.json")));
        QVERIFY(maxAbs(sessionLogits(test::openModel(hf), {}), merged) < 1e-4);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, writeMergedHfFolder(*test::openModel(gguf), {}, hf + "2"));

        // An adapter as PEFT trains one on GPT-2: c_attn at rank r, B not block-diagonal.
        const int r = 2, w = m->spec().width;
        std::mt19937 rng(5);
        std::normal_distribution<float> n01(0.0f, 0.1f);
        std::vector<float> A(std::size_t(r * w)), B(std::size_t(3 * w * r));
        for (float& v : A) v = n01(rng);
        for (float& v : B) v = n01(rng);
        const std::string peft = dir.filePath(QStringLiteral("peft")).toStdString();
        QDir().mkpath(QString::fromStdString(peft));
        SafetensorsWriter sw;
        sw.addTensor("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", DType::F32, Shape{r, w}, A.data());
        sw.addTensor("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight", DType::F32, Shape{3 * w, r}, B.data());
        QVERIFY(sw.write(peft + "/adapter_model.safetensors", &error));
        std::ofstream(peft + "/adapter_config.json")
            << "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 8, \"fan_in_fan_out\": true, "
               "\"target_modules\": [\"c_attn\"]}";
        const LoraAdapter theirs = readPeftAdapter(peft, *m);
        QCOMPARE(int(theirs.tensors.size()), 3);
        Shape shape;
        std::vector<float> want = m->outInFloats("blk.1.attn_qkv.weight", &shape);
        addLoraUpdate(want, 3 * w, w, A, B, r, 8.0f / 2.0f);
        const auto mergedTheirs = weightsForFile(*m, mergeAdapter(*m, theirs));
        QVERIFY(maxAbs(mergedTheirs.at("blk.1.attn_qkv.weight"), want) < 1e-6);
    }

    void runFilesReadBack() {
        QTemporaryDir dir;
        FineTuneRun run;
        run.model = "/models/a.gguf";
        run.data = "/texts/b.txt";
        run.reference = "/texts/c.txt";
        run.quant = "Q4_K";
        run.evalEvery = 7;
        run.config.method = FineTuneMethod::Lora;
        run.config.rank = 16;
        run.config.alpha = 32;
        run.config.targets = "attn_q";
        run.config.loraDropout = 0.05f;
        run.config.accumulate = 4;
        run.config.checkpointing = true;
        run.config.cosine = true;
        run.config.warmup = 3;
        run.config.steps = 123;
        const std::string file = dir.filePath(QStringLiteral("config.json")).toStdString();
        writeFineTuneRun(file, run, 42);
        const FineTuneRun back = readFineTuneRun(file);
        QCOMPARE(back.model, run.model);
        QCOMPARE(back.reference, run.reference);
        QCOMPARE(back.quant, run.quant);
        QCOMPARE(back.evalEvery, 7);
        QCOMPARE(back.config.rank, 16);
        QCOMPARE(back.config.targets, run.config.targets);
        QCOMPARE(back.config.loraDropout, 0.05f);
        QCOMPARE(back.config.accumulate, 4);
        QVERIFY(back.config.checkpointing && back.config.cosine);
        QCOMPARE(back.config.steps, std::int64_t(123));
        std::ofstream(file) << "{\"model\": 3}";
        try {
            readFineTuneRun(file);
            QFAIL("read a config with a number for a path");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains(QStringLiteral("config.json")));
        }
        const std::string csv = dir.filePath(QStringLiteral("metrics.csv")).toStdString();
        {
            FineTuneMetrics metrics(csv);
            metrics.add({0, std::nan(""), 3.5, 1.25, std::nan(""), std::nan(""), std::nan("")});
            metrics.add({10, 3.0, 3.25, 1.5, 1234.5, 1e-6, 0.75});
        }
        const std::vector<FineTuneRow> rows = readFineTuneMetrics(csv);
        QCOMPARE(rows.size(), std::size_t(2));
        QVERIFY(std::isnan(rows[0].train));
        QCOMPARE(rows[1].step, std::int64_t(10));
        QCOMPARE(rows[1].learningRate, 1e-6);
        QCOMPARE(rows[1].gradientNorm, 0.75);
    }
};

QTEST_MAIN(TestFineTuneOptions)
#include "tst_finetune_options.moc"
