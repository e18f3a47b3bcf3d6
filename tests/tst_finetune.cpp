// Fine-tuning an opened model (#13, the engine): the batched training pass gives the inference
// session's logits; LoRA with B = 0 changes no bit; the loss's gradient agrees with a central
// difference along a random direction, with and without LoRA, on stories260K and GPT-2; an
// adapter merged into the base gives the base + adapter logits; and a short LoRA run on
// tinyshakespeare lowers the held-out loss while the loss on the model's own kind of story
// (its forgetting curve) rises.
#include "BackendFactory.h"
#include "TestSupport.h"
#include "TextFile.h"
#include "finetune/FineTune.h"
#include "finetune/PeftAdapter.h"
#include "formats/ModelFile.h"
#include "model/Generator.h"
#include "model/ForwardGraph.h"
#include "quant/ModelQuantizer.h"
#include "model/LanguageModel.h"

#include <QFile>
#include <nlohmann/json.hpp>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <random>

using namespace llmlab;

namespace {

double maxRelative(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        worst = std::max(worst, std::fabs(double(a[i]) - b[i]) / (1.0 + std::fabs(double(b[i]))));
    return a.size() == b.size() ? worst : 1e30;
}

// The first `chars` characters of the corpus: enough tokens for a few batches.
std::string corpus(const std::string& path, std::size_t chars) {
    std::string text = readTextFile(path);
    if (text.size() > chars) text.resize(chars);
    return text;
}

} // namespace

class TestFineTune : public QObject {
    Q_OBJECT

private slots:
    void batchedPassMatchesTheSession_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("stories260K") << "gguf/stories260K.gguf";
        QTest::newRow("GPT-2") << "hf/tiny-random-gpt2";
    }
    void batchedPassMatchesTheSession() {
        QFETCH(QString, model);
        LLMLAB_REQUIRE_FIXTURE(model.toStdString(), path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.batch = 2;
        c.seqLen = 32;
        c.rank = 4;
        c.targets = "attn_q|attn_v|ffn_up|ffn_down";
        FineTuner base(m, *backend, corpus(text, 20000), c);
        const std::vector<std::int32_t> ids = tokenizerFor(*m).encode("Once upon a time, there was a little girl");
        QVERIFY(int(ids.size()) <= c.seqLen);
        InferenceSession s(m, *backend, 64);
        const std::vector<float> want = s.prefill(ids);
        const std::vector<float> got = base.logits(ids);
        const std::vector<float> head(got.begin(), got.begin() + std::ptrdiff_t(want.size()));
        QVERIFY(maxRelative(head, want) < 1e-5);
        // LoRA's B starts at zero: the adapted pass is the plain one, bit for bit.
        {
            const std::map<std::string, Tensor> w = loadForwardWeights(*m);
            std::vector<std::vector<float>> out;
            for (int rank : {0, 4}) {
                ForwardOptions o;
                o.tokens = c.seqLen;
                o.batch = c.batch;
                o.lora.rank = rank;
                o.lora.targets = c.targets;
                auto plan = buildPlan(m->spec(), w, path, o);
                QCOMPARE(int(plan->lora.size()), rank ? 4 * m->spec().layers : 0);
                plan->exe = backend->compile(plan->graph);
                std::vector<std::int32_t> tokens(std::size_t(c.batch * c.seqLen), 0), pos(tokens.size());
                std::copy(ids.begin(), ids.end(), tokens.begin());
                for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = std::int32_t(i % std::size_t(c.seqLen));
                plan->exe->setInput(plan->ids, std::span<const std::int32_t>(tokens));
                plan->exe->setInput(plan->positions, std::span<const std::int32_t>(pos));
                plan->exe->run();
                out.push_back(plan->exe->read(plan->logits));
            }
            QVERIFY(out[0] == out[1]);
            QVERIFY(std::equal(got.begin(), got.end(), out[1].begin())); // the trainer's own pass
        }
        // Every weight a parameter (other kernels multiply them): the same logits to rounding.
        FineTuneConfig full = c;
        full.method = FineTuneMethod::Full;
        FineTuner plain(m, *backend, corpus(text, 20000), full);
        const std::vector<float> p = plain.logits(ids);
        const double e = maxRelative(std::vector<float>(p.begin(), p.begin() + std::ptrdiff_t(want.size())), want);
        qInfo("full fine-tuning's batched pass vs the session: %.3g", e);
        QVERIFY(e < 1e-5);
        QVERIFY(base.trainableCount() > 0 && base.trainableCount() < plain.trainableCount());
    }

    // d loss / d theta along a random direction, against a central difference of the loss.
    void gradientMatchesCentralDifferences_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("method");
        QTest::newRow("stories260K full") << "gguf/stories260K.gguf" << int(FineTuneMethod::Full);
        QTest::newRow("stories260K LoRA") << "gguf/stories260K.gguf" << int(FineTuneMethod::Lora);
        QTest::newRow("GPT-2 full") << "hf/tiny-random-gpt2" << int(FineTuneMethod::Full);
        QTest::newRow("GPT-2 LoRA") << "hf/tiny-random-gpt2" << int(FineTuneMethod::Lora);
    }
    void gradientMatchesCentralDifferences() {
        QFETCH(QString, model);
        QFETCH(int, method);
        LLMLAB_REQUIRE_FIXTURE(model.toStdString(), path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.method = FineTuneMethod(method);
        c.batch = 2;
        c.seqLen = 12;
        c.rank = 4;
        c.targets = "q_proj|v_proj|up_proj|down_proj|c_attn";
        FineTuner t(m, *backend, corpus(text, 20000), c);
        std::mt19937 rng(7);
        std::normal_distribution<float> n01(0.0f, 1.0f);
        std::map<std::string, std::vector<float>> theta = t.trainable();
        // B away from zero, so A's gradient is not zero too.
        for (auto& [name, v] : theta)
            if (name.rfind("lora_b.", 0) == 0) {
                for (float& x : v) x = 0.05f * n01(rng);
                t.setTrainable(name, v);
            }
        std::map<std::string, std::vector<float>> grad;
        t.lossAndGradient(0, &grad);
        // Unit length, half along the gradient and half random: a derivative well above the
        // loss's rounding, a step small enough for the loss to be near linear.
        double gNorm = 0, rNorm = 0;
        std::map<std::string, std::vector<float>> dir;
        for (const auto& [name, v] : theta) {
            std::vector<float>& d = dir[name];
            d.resize(v.size());
            for (std::size_t i = 0; i < v.size(); ++i) {
                d[i] = n01(rng);
                rNorm += double(d[i]) * d[i];
                gNorm += double(grad.at(name)[i]) * grad.at(name)[i];
            }
        }
        QVERIFY(gNorm > 0);
        double predicted = 0;
        for (auto& [name, d] : dir)
            for (std::size_t i = 0; i < d.size(); ++i) {
                d[i] = float(0.5 * grad.at(name)[i] / std::sqrt(gNorm) + 0.5 * d[i] / std::sqrt(rNorm));
                predicted += double(grad.at(name)[i]) * d[i];
            }
        auto lossAt = [&](float eps) {
            for (const auto& [name, v] : theta) {
                std::vector<float> moved = v;
                for (std::size_t i = 0; i < v.size(); ++i) moved[i] += eps * dir[name][i];
                t.setTrainable(name, moved);
            }
            return t.lossAndGradient(0, nullptr);
        };
        const float eps = 1e-3f; // 1e-2 was 0.4% off for full fine-tuning: curvature, not the gradient
        const double measured = (lossAt(eps) - lossAt(-eps)) / (2.0 * eps);
        qInfo("%lld values trained: gradient . direction %.6f, central difference %.6f",
              static_cast<long long>(t.trainableCount()), predicted, measured);
        QVERIFY(std::fabs(predicted) > 1e-3);
        QVERIFY(std::fabs(predicted - measured) <= 2e-3 * std::fabs(measured));
    }

    // An adapter merged into its matrices: the session on the merged weights gives the logits
    // of the base with the adapter beside it.
    void mergedAdapterGivesTheSameLogits() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.batch = 1;
        c.seqLen = 16;
        c.rank = 4;
        c.targets = "attn_q|attn_v|ffn_down";
        FineTuner t(m, *backend, corpus(text, 20000), c);
        std::mt19937 rng(3);
        std::normal_distribution<float> n01(0.0f, 0.05f);
        for (auto& [name, v] : t.trainable())
            if (name.rfind("lora_b.", 0) == 0) {
                std::vector<float> b = v;
                for (float& x : b) x = n01(rng);
                t.setTrainable(name, b);
            }
        const std::vector<std::int32_t> ids = tokenizerFor(*m).encode("Lily and Tim went to the park");
        const std::vector<float> adapted = t.logits(ids);
        const std::map<std::string, std::vector<float>> merged = t.mergedWeights();
        QCOMPARE(int(merged.size()), 3 * m->spec().layers);
        InferenceSession s(m, *backend, 64);
        std::vector<std::string> names;
        for (const auto& [name, w] : merged) names.push_back(name);
        s.makeAdjustable(names);
        for (const auto& [name, w] : merged) s.setWeight(name, w);
        const std::vector<float> want = s.prefill(ids);
        const std::vector<float> head(adapted.begin(), adapted.begin() + std::ptrdiff_t(want.size()));
        qInfo("merged vs base + adapter: %.3g", maxRelative(head, want));
        QVERIFY(maxRelative(head, want) < 1e-5);
        InferenceSession untouched(m, *backend, 64);
        QVERIFY(maxRelative(untouched.prefill(ids), want) > 1e-3); // the adapter did something
    }

    // stories260K (trained on TinyStories) fine-tuned on Shakespeare with LoRA: the held-out
    // Shakespeare loss falls, the loss on stories of its own kind (written by the model itself,
    // greedily) rises: forgetting.
    void loraLearnsShakespeareAndForgetsStories() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        const Tokenizer tok = tokenizerFor(*m);
        // Its own domain: a story it tells.
        std::string stories;
        {
            InferenceSession s(m, *backend, 512);
            std::vector<std::int32_t> ids = tok.encode("Once upon a time", {.addSpecial = true});
            std::vector<float> last = s.prefillLast(ids);
            for (int i = 0; i < 300; ++i) {
                const std::int32_t next = std::int32_t(std::max_element(last.begin(), last.end()) - last.begin());
                ids.push_back(next);
                last = s.decode(next);
            }
            stories = tok.decode(ids);
        }
        FineTuneConfig c;
        c.batch = 8;
        c.seqLen = 32;
        c.rank = 8;
        c.targets = "attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down";
        c.lr = 5e-3;
        FineTuner t(m, *backend, corpus(text, 200000), c);
        const double held0 = t.evaluate(4), stories0 = t.evaluate(4, &stories);
        for (int i = 0; i < 60; ++i) t.trainStep();
        const double held1 = t.evaluate(4), stories1 = t.evaluate(4, &stories);
        qInfo("%lld LoRA values: held-out Shakespeare %.3f -> %.3f, own stories %.3f -> %.3f",
              static_cast<long long>(t.trainableCount()), held0, held1, stories0, stories1);
        QVERIFY(held1 < held0 - 0.2);
        QVERIFY(stories1 > stories0 + 0.05);
    }

    // An adapter trained on the GGUF file, written in PEFT's layout, read back unchanged, and
    // read onto the same model as a Hugging Face folder (q and k rows in the other RoPE order):
    // the two merged models give the same logits.
    void peftAdapterRoundTripsAcrossLayouts() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("hf/stories260K-llama", hfPath);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto gguf = test::openModel(path), hf = test::openModel(hfPath);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.batch = 4;
        c.seqLen = 32;
        c.rank = 4;
        c.targets = "q_proj|k_proj|v_proj|o_proj|down_proj";
        c.lr = 5e-3;
        FineTuner t(gguf, *backend, corpus(text, 50000), c);
        for (int i = 0; i < 5; ++i) t.trainStep();
        const LoraAdapter trained = t.adapter();
        QCOMPARE(int(trained.tensors.size()), 5 * gguf->spec().layers);
        QTemporaryDir dir;
        writePeftAdapter(dir.path().toStdString(), *gguf, trained);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("adapter_config.json"))));
        std::string error;
        const auto file = ModelFile::open(dir.filePath(QStringLiteral("adapter_model.safetensors")).toStdString(), &error);
        QVERIFY2(file, error.c_str());
        bool found = false;
        for (const TensorInfo& ti : file->tensors())
            if (ti.sourceName == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight") {
                found = true;
                QCOMPARE(ti.shape, Shape({4, gguf->spec().width}));
            }
        QVERIFY(found);
        const LoraAdapter back = readPeftAdapter(dir.path().toStdString(), *gguf);
        QCOMPARE(back.rank, 4);
        QCOMPARE(back.alpha, c.alpha);
        QVERIFY(back.tensors == trained.tensors);
        const LoraAdapter onHf = readPeftAdapter(dir.path().toStdString(), *hf);
        QVERIFY(onHf.tensors.at("blk.0.attn_q.weight").second != trained.tensors.at("blk.0.attn_q.weight").second);
        QVERIFY(onHf.tensors.at("blk.0.attn_v.weight") == trained.tensors.at("blk.0.attn_v.weight"));
        const std::vector<std::int32_t> ids = tokenizerFor(*gguf).encode("ROMEO: Lily went to the park");
        auto logits = [&](std::shared_ptr<const ModelFile> m, const LoraAdapter& a) {
            InferenceSession s(m, *backend, 64);
            const auto merged = mergeAdapter(*m, a);
            std::vector<std::string> names;
            for (const auto& [name, w] : merged) names.push_back(name);
            s.makeAdjustable(names);
            for (const auto& [name, w] : merged) s.setWeight(name, w);
            return s.prefill(ids);
        };
        const std::vector<float> a = logits(gguf, back), b = logits(hf, onHf);
        qInfo("GGUF + adapter vs HF folder + the same PEFT adapter: %.3g", maxRelative(a, b));
        QVERIFY(maxRelative(a, b) < 1e-5);
        // The trained pass itself: its merged weights are what mergeAdapter gives.
        const std::vector<float> pass = t.logits(ids);
        QVERIFY(maxRelative(std::vector<float>(pass.begin(), pass.begin() + std::ptrdiff_t(a.size())), a) < 1e-5);
        // Starting a run from the adapter: the trainer's adapter is the loaded one.
        FineTuneConfig again = c;
        again.initialAdapter = &back;
        FineTuner resumed(gguf, *backend, corpus(text, 50000), again);
        QVERIFY(resumed.adapter().tensors == back.tensors);
        // PEFT's rank_pattern: q_proj at rank 2 where the rest are at 4. Its B rows move between
        // the RoPE orders at its own rank; the same update on both layouts; not trained on here.
        {
            QTemporaryDir patterned;
            const std::string folder = patterned.path().toStdString();
            LoraAdapter two = trained;
            for (auto& [name, ab] : two.tensors)
                if (name.find("attn_q") != std::string::npos) {
                    const std::int64_t in = std::int64_t(ab.first.size()) / 4, out = std::int64_t(ab.second.size()) / 4;
                    ab.first.resize(std::size_t(2 * in));
                    std::vector<float> b2(std::size_t(2 * out));
                    for (std::int64_t o = 0; o < out; ++o)
                        for (int k = 0; k < 2; ++k) b2[std::size_t(o * 2 + k)] = ab.second[std::size_t(o * 4 + k)];
                    ab.second = b2;
                }
            // Written at rank 4 by hand-made tensors: the writer infers each one's rank from A.
            writePeftAdapter(folder, *gguf, two);
            nlohmann::json config = nlohmann::json::parse(readTextFile(folder + "/adapter_config.json"));
            config["rank_pattern"] = {{"q_proj", 2}};
            config["alpha_pattern"] = {{"q_proj", c.alpha / 2}};
            std::ofstream(folder + "/adapter_config.json") << config.dump();
            const LoraAdapter g = readPeftAdapter(folder, *gguf), h = readPeftAdapter(folder, *hf);
            QVERIFY(g.tensors == two.tensors);
            QCOMPARE(g.scales.at("blk.0.attn_q.weight"), c.alpha / 4);
            QVERIFY(maxRelative(logits(gguf, g), logits(hf, h)) < 1e-5);
            FineTuneConfig from = c;
            from.initialAdapter = &g;
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FineTuner(gguf, *backend, corpus(text, 50000), from));
        }
        // Not an adapter: one sentence naming the file.
        QTemporaryDir empty;
        try {
            readPeftAdapter(empty.path().toStdString(), *gguf);
            QFAIL("read an adapter from an empty folder");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains(QStringLiteral("adapter_config.json")));
        }
    }

    // QLoRA: the same LoRA run on the model quantized to Q8_0 (multiplied packed, forward and
    // backward) ends within a stated margin of the run on F32.
    void qloraOnQ8TracksLora() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        QTemporaryDir dir;
        const std::string q8 = dir.filePath(QStringLiteral("q8.gguf")).toStdString();
        QuantizeOptions q;
        q.scheme = "Q8_0";
        q.pure = true;
        quantizeModel(*m, q8, q);
        const auto packed = test::openModel(q8);
        QCOMPARE(packed->find("blk.0.attn_q.weight")->dtype, DType::Q8_0);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.batch = 8;
        c.seqLen = 32;
        c.rank = 8;
        c.targets = "attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down";
        c.lr = 5e-3;
        double held[2] = {0, 0}, start[2] = {0, 0};
        int k = 0;
        for (const auto& model : {m, packed}) {
            FineTuner t(model, *backend, corpus(text, 200000), c);
            start[k] = t.evaluate(4);
            for (int i = 0; i < 40; ++i) t.trainStep();
            held[k++] = t.evaluate(4);
        }
        qInfo("held-out loss: LoRA on F32 %.4f -> %.4f, QLoRA on Q8_0 %.4f -> %.4f", start[0], held[0], start[1], held[1]);
        QVERIFY(held[1] < start[1] - 0.5);
        QVERIFY(std::fabs(held[1] - held[0]) < 0.05); // the stated margin
    }

    // A run stopped after a checkpoint and resumed from it ends where an unbroken run ends, bit
    // for bit (the batches are a function of the step, AdamW's moments are saved too).
    void checkpointResumesBitForBit() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.batch = 4;
        c.seqLen = 32;
        c.rank = 4;
        c.targets = "q_proj|v_proj|down_proj";
        c.lr = 5e-3;
        const std::string body = corpus(text, 50000);
        FineTuner straight(m, *backend, body, c);
        for (int i = 0; i < 6; ++i) straight.trainStep();
        QTemporaryDir dir;
        const std::string ckpt = dir.filePath(QStringLiteral("checkpoint.safetensors")).toStdString();
        {
            FineTuner first(m, *backend, body, c);
            for (int i = 0; i < 3; ++i) first.trainStep();
            first.saveCheckpoint(ckpt);
        } // the process "dies" here
        QVERIFY(!QFile::exists(QString::fromStdString(ckpt + ".part")));
        FineTuner resumed(m, *backend, body, c);
        resumed.loadCheckpoint(ckpt);
        QCOMPARE(resumed.step(), std::int64_t(3));
        for (int i = 0; i < 3; ++i) resumed.trainStep();
        QVERIFY(resumed.trainable() == straight.trainable());
        // Another configuration, or a cut file: one sentence naming it.
        FineTuneConfig other = c;
        other.rank = 8;
        FineTuner wrong(m, *backend, body, other);
        try {
            wrong.loadCheckpoint(ckpt);
            QFAIL("took a rank-4 checkpoint for a rank-8 run");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains(QStringLiteral("checkpoint.safetensors")));
        }
        QFile f(QString::fromStdString(ckpt));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(f.size() / 2));
        f.close();
        try {
            resumed.loadCheckpoint(ckpt);
            QFAIL("read a cut checkpoint");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains(QStringLiteral("checkpoint.safetensors")));
        }
    }

    // The batched training pass on Vulkan: the loss and its gradient agree with the CPU's, and
    // steps of LoRA keep agreeing (lavapipe, validation on).
    void vulkanAgreesWithTheCpu() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        std::string why;
        auto vulkan = test::makeVulkanBackend(&why);
        if (!vulkan) {
            if (test::runningInCi()) QFAIL(why.c_str());
            QSKIP(why.c_str());
        }
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.batch = 2;
        c.seqLen = 16;
        c.rank = 4;
        c.targets = "q_proj|v_proj|down_proj";
        c.lr = 5e-3;
        const std::string body = corpus(text, 20000);
        FineTuner a(m, *backend, body, c), b(m, *vulkan, body, c);
        std::map<std::string, std::vector<float>> ga, gb;
        const double la = a.lossAndGradient(0, &ga), lb = b.lossAndGradient(0, &gb);
        QVERIFY(std::fabs(la - lb) < 1e-4);
        for (const auto& [name, g] : ga) QVERIFY2(maxRelative(gb.at(name), g) < 1e-3, name.c_str());
        for (int i = 0; i < 3; ++i) QVERIFY(std::fabs(a.trainStep() - b.trainStep()) < 1e-3);
        for (const auto& [name, v] : a.trainable()) QVERIFY2(maxRelative(b.trainable().at(name), v) < 1e-3, name.c_str());
        QCOMPARE(test::validationErrors(*vulkan, &why), std::size_t(0));
    }

    void learningRateSchedule() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.steps = 100;
        c.lr = 1e-3;
        FineTuner constant(m, *backend, corpus(text, 20000), c);
        QCOMPARE(constant.learningRate(1), 1e-3);
        QCOMPARE(constant.learningRate(100), 1e-3);
        c.cosine = true;
        c.warmup = 10;
        FineTuner cosine(m, *backend, corpus(text, 20000), c);
        QCOMPARE(cosine.learningRate(5), 0.5e-3);                 // half way up the warm-up
        QCOMPARE(cosine.learningRate(10), 1e-3);                  // the top
        QVERIFY(std::fabs(cosine.learningRate(55) - 0.55e-3) < 1e-12); // half way down: (1 + 0.1) / 2
        QVERIFY(std::fabs(cosine.learningRate(100) - 1e-4) < 1e-12);   // lr * minLrFraction
        cosine.trainStep();
        QVERIFY(cosine.lastGradientNorm() > 0);
    }

    void badConfigsAreOneSentence() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("corpus/tinyshakespeare.txt", text);
        const auto m = test::openModel(path);
        auto backend = test::cpuBackend();
        FineTuneConfig c;
        c.targets = "no_such_module";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FineTuner(m, *backend, corpus(text, 20000), c));
        c.targets = "q_proj(";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FineTuner(m, *backend, corpus(text, 20000), c));
        c.targets = "q_proj";
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, FineTuner(m, *backend, "too short", c));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fineTuneMethod("qlora-ish"));
    }
};

QTEST_MAIN(TestFineTune)
#include "tst_finetune.moc"
