// Quantization: our quantizers against llama.cpp's own files (fixtures/gguf/quant: one random
// model quantized by llama-quantize --pure, with exact dequantized references), the mixture
// rules, the importance matrix our engine measures, written files reopening, llama2.c and
// Hugging Face models written as GGUF, and the ladder comparison's KL and perplexity.
#include "BackendFactory.h"
#include "Half.h"
#include "Sampling.h"
#include "TestSupport.h"
#include "formats/BlockQuant.h"
#include "formats/ModelFile.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "quant/ModelQuantizer.h"
#include "quant/QuantCompare.h"
#include "quant/Quantize.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

using namespace llmlab;

namespace {

const char* kTensor = "blk.0.ffn_down.weight";

std::vector<float> readFloats(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<float> v;
    float x;
    while (in.read(reinterpret_cast<char*>(&x), 4)) v.push_back(x);
    return v;
}

// Quantizes each row of a [rows, cols] matrix; `importance` (cols) or null.
std::vector<std::uint8_t> quantizeMatrix(DType t, const std::vector<float>& v, std::int64_t cols,
                                         const float* importance = nullptr) {
    const std::int64_t rows = std::int64_t(v.size()) / cols, rowBytes = dtypeStorageBytes(t, cols);
    std::vector<std::uint8_t> out(std::size_t(rows * rowBytes));
    for (std::int64_t r = 0; r < rows; ++r)
        if (!quantizeBlocks(t, v.data() + r * cols, out.data() + r * rowBytes, cols, importance))
            qFatal("cannot quantize %s", dtypeName(t).data());
    return out;
}

std::vector<float> dequantize(DType t, const std::vector<std::uint8_t>& bytes, std::size_t n) {
    std::vector<float> out(n);
    if (t == DType::F16 || t == DType::BF16) {
        std::vector<std::uint16_t> h(n);
        std::memcpy(h.data(), bytes.data(), 2 * n);
        if (t == DType::F16) halfToFloat(h.data(), out.data(), n);
        else bf16ToFloat(h.data(), out.data(), n);
    } else if (!dequantizeBlocks(t, bytes.data(), out.data(), std::int64_t(n))) {
        qFatal("cannot dequantize");
    }
    return out;
}

double rmse(const std::vector<float>& a, const std::vector<float>& b,
            const std::vector<float>* columnWeights = nullptr) {
    double s = 0, w = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double wi = columnWeights ? (*columnWeights)[i % columnWeights->size()] : 1.0;
        s += wi * (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        w += wi;
    }
    return std::sqrt(s / w);
}

DType typeNamed(const QString& name) {
    for (int i = 0; i <= int(DType::Q8_K); ++i)
        if (QString::fromLatin1(dtypeName(DType(i)).data()) == name) return DType(i);
    qFatal("no type %s", qPrintable(name));
}

std::vector<float> logitsOf(std::shared_ptr<const ModelFile> m, const std::vector<std::int32_t>& ids) {
    std::string error;
    auto backend = createBackend("cpu", &error);
    InferenceSession s(m, *backend, 64);
    return s.prefill(ids);
}

} // namespace

class TestQuant : public QObject {
    Q_OBJECT

private slots:
    // F16, BF16 and the legacy block types round as ggml's reference quantizer does: the bytes
    // of llama.cpp's file, and so its dequantized values, exactly.
    void legacyTypesEqualLlamaCppBitForBit_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
            QTest::newRow(t) << QString(t);
    }
    void legacyTypesEqualLlamaCppBitForBit() {
        QFETCH(QString, type);
        const DType t = typeNamed(type);
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-F32.gguf", f32Path);
        LLMLAB_REQUIRE_FIXTURE(("gguf/quant/random-256-" + type.toStdString() + ".gguf"), qPath);
        LLMLAB_REQUIRE_FIXTURE(
            ("gguf/quant/random-256-" + type.toStdString() + ".blk.0.ffn_down.f32"), refPath);
        const auto f32 = test::openModel(f32Path), theirs = test::openModel(qPath);
        const std::vector<float> x = f32->tensor(kTensor).toFloats();
        const std::int64_t cols = f32->find(kTensor)->shape.dim(1);
        const std::vector<std::uint8_t> ours = quantizeMatrix(t, x, cols);
        const Tensor their = theirs->tensor(kTensor);
        QCOMPARE(their.dtype(), t);
        QCOMPARE(std::size_t(theirs->find(kTensor)->bytes), ours.size());
        QVERIFY(std::memcmp(ours.data(), their.data(), ours.size()) == 0);
        QVERIFY(dequantize(t, ours, x.size()) == readFloats(refPath));
    }

    // The K types use a scale search of our own: their error against the F32 original is at
    // most llama.cpp's own (its reference quantizer, the fixture), to within 2%.
    void kTypesAreWithinLlamaCppsError_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"}) QTest::newRow(t) << QString(t);
    }
    void kTypesAreWithinLlamaCppsError() {
        QFETCH(QString, type);
        const DType t = typeNamed(type);
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-F32.gguf", f32Path);
        LLMLAB_REQUIRE_FIXTURE(
            ("gguf/quant/random-256-" + type.toStdString() + ".blk.0.ffn_down.f32"), refPath);
        const auto f32 = test::openModel(f32Path);
        const std::vector<float> x = f32->tensor(kTensor).toFloats();
        const std::int64_t cols = f32->find(kTensor)->shape.dim(1);
        const std::vector<float> ours = dequantize(t, quantizeMatrix(t, x, cols), x.size());
        const double mine = rmse(ours, x), theirs = rmse(readFloats(refPath), x);
        qInfo("%s RMSE ours %.4g, llama.cpp %.4g (ratio %.3f)", qPrintable(type), mine, theirs,
              mine / theirs);
        QVERIFY2(mine <= 1.02 * theirs, qPrintable(QString::number(mine / theirs)));
        // A layout mistake puts values in the wrong place: far above any rounding error.
        QVERIFY(mine < 0.5 * rmse(std::vector<float>(x.size(), 0.0f), x));
    }

    // Given an importance per column, every type lowers the importance-weighted error below
    // what it makes without it (the point of an imatrix).
    void importanceLowersTheWeightedError_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
                              "Q5_K", "Q6_K"})
            QTest::newRow(t) << QString(t);
    }
    void importanceLowersTheWeightedError() {
        QFETCH(QString, type);
        const DType t = typeNamed(type);
        const std::int64_t cols = 512, rows = 32;
        std::mt19937 rng(3);
        std::normal_distribution<float> normal(0.0f, 0.02f);
        std::vector<float> x(static_cast<std::size_t>(cols * rows)), imp(static_cast<std::size_t>(cols));
        for (float& v : x) v = normal(rng);
        // A few columns carry most of the activation, as in real models.
        std::uniform_real_distribution<float> u(0.0f, 1.0f);
        for (float& w : imp) w = u(rng) < 0.05f ? 50.0f : u(rng);
        const std::vector<float> plain = dequantize(t, quantizeMatrix(t, x, cols), x.size());
        const std::vector<float> weighted =
            dequantize(t, quantizeMatrix(t, x, cols, imp.data()), x.size());
        const double a = rmse(plain, x, &imp), b = rmse(weighted, x, &imp);
        qInfo("%s weighted RMSE %.4g -> %.4g with the importance", qPrintable(type), a, b);
        QVERIFY2(b < a, qPrintable(QString("%1 vs %2").arg(b).arg(a)));
    }

    void blocksOfZerosStayZero() {
        const std::vector<float> zeros(256, 0.0f), imp(256, 1.0f);
        for (int i = int(DType::F16); i < int(DType::Q8_K); ++i) {
            const DType t = DType(i);
            if (t == DType::I32) continue;
            QVERIFY(canQuantize(t));
            for (const float* w : {static_cast<const float*>(nullptr), imp.data()})
                for (float v : dequantize(t, quantizeMatrix(t, zeros, 256, w), 256)) QCOMPARE(v, 0.0f);
        }
        QVERIFY(!canQuantize(DType::Q8_K));
    }

    // After llama.cpp's llama_tensor_get_type, for a 32-layer model.
    void mixtureRules() {
        const Shape m{4096, 4096}, v{4096};
        auto type = [&](const char* scheme, const std::string& name, bool hasOutput = true,
                        Shape s = Shape{4096, 4096}) {
            return tensorQuantType(quantScheme(scheme), false, name, s, 32, hasOutput);
        };
        QCOMPARE(type("Q4_K_M", "output.weight"), DType::Q6_K);
        QCOMPARE(type("Q4_K_M", "token_embd.weight"), DType::Q4_K);
        QCOMPARE(type("Q4_K_M", "token_embd.weight", false), DType::Q6_K); // tied: it is the output
        QCOMPARE(type("Q8_0", "output.weight"), DType::Q8_0);
        QCOMPARE(type("Q4_0", "output.weight"), DType::Q6_K);
        QCOMPARE(type("Q4_K_M", "blk.0.attn_v.weight"), DType::Q6_K); // first eighth
        QCOMPARE(type("Q4_K_M", "blk.5.attn_v.weight"), DType::Q4_K);
        QCOMPARE(type("Q4_K_M", "blk.6.attn_v.weight"), DType::Q6_K); // (6 - 4) % 3 == 2
        QCOMPARE(type("Q4_K_M", "blk.31.ffn_down.weight"), DType::Q6_K); // last eighth
        QCOMPARE(type("Q4_K_M", "blk.10.attn_q.weight"), DType::Q4_K);
        QCOMPARE(type("Q4_K_S", "blk.10.attn_v.weight"), DType::Q4_K);
        QCOMPARE(type("Q4_K_S", "blk.1.attn_v.weight"), DType::Q5_K);
        QCOMPARE(type("Q2_K", "blk.10.ffn_down.weight"), DType::Q3_K);
        QCOMPARE(type("Q2_K", "blk.10.attn_output.weight"), DType::Q3_K);
        QCOMPARE(type("Q2_K", "blk.10.attn_v.weight"), DType::Q3_K);
        QCOMPARE(tensorQuantType(quantScheme("Q2_K"), false, "blk.1.attn_v.weight", m, 32, true, 4),
                 DType::Q4_K); // four query heads a KV head
        QCOMPARE(type("Q3_K_M", "blk.0.ffn_down.weight"), DType::Q5_K); // first sixteenth
        QCOMPARE(type("Q3_K_M", "blk.10.ffn_down.weight"), DType::Q4_K);
        QCOMPARE(type("Q3_K_M", "blk.10.attn_output.weight"), DType::Q4_K);
        QCOMPARE(type("Q3_K_L", "blk.10.attn_v.weight"), DType::Q5_K);
        QCOMPARE(type("Q4_K_M", "blk.0.attn_norm.weight", true, v), DType::F32);
        QCOMPARE(tensorQuantType(quantScheme("Q4_K_M"), true, "output.weight", m, 32, true), DType::Q4_K);
        // Rows a K block does not divide fall back (288 = 9 x 32: Q5_0 for Q4_K, Q8_0 for Q6_K),
        // rows no block divides to F16.
        QCOMPARE(type("Q4_K_M", "blk.10.attn_q.weight", true, Shape{288, 288}), DType::Q5_0);
        QCOMPARE(type("Q4_K_M", "output.weight", true, Shape{512, 288}), DType::Q8_0);
        QCOMPARE(type("Q4_0", "blk.1.ffn_up.weight", true, Shape{64, 100}), DType::F16);
        QCOMPARE(quantScheme("q4_k").name, std::string("Q4_K_M"));
        QCOMPARE(quantScheme("Q4_K_M").fileType, 15);
        try {
            quantScheme("Q4_X");
            QFAIL("accepted Q4_X");
        } catch (const std::invalid_argument& e) {
            QVERIFY(QString(e.what()).contains("Q4_K_M"));
        }
    }

    // A written file reopens with the source's metadata and tensor table, each tensor in the
    // type the rules give it; --pure Q8_0 writes the very bytes llama-quantize --pure wrote.
    void writtenFilesReopen() {
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-F32.gguf", f32Path);
        QTemporaryDir dir;
        const auto src = test::openModel(f32Path);
        const std::string out = dir.filePath("q4km.gguf").toStdString();
        QuantizeOptions o;
        o.scheme = "Q4_K_M";
        double lastProgress = 0;
        const QuantizeReport r =
            quantizeModel(*src, out, o, [&](double f, const std::string&) { lastProgress = f; });
        QCOMPARE(lastProgress, 1.0);
        QVERIFY(!std::filesystem::exists(out + ".part"));
        const auto q = test::openModel(out);
        QCOMPARE(q->tensors().size(), src->tensors().size());
        for (std::size_t i = 0; i < src->tensors().size(); ++i) {
            const TensorInfo &a = src->tensors()[i], &b = q->tensors()[i];
            QCOMPARE(b.name, a.name);
            QVERIFY(b.shape == a.shape);
            QCOMPARE(b.dtype, tensorQuantType(quantScheme("Q4_K_M"), false, a.name, a.shape,
                                              src->spec().layers, true));
            QCOMPARE(r.tensors[i].to, b.dtype);
        }
        for (const auto& [key, value] : src->metadata().entries()) {
            if (key == "general.file_type" || key == "gguf.data_offset") continue;
            const MetaValue* got = q->metadata().find(key);
            QVERIFY2(got, key.c_str());
            QVERIFY2(got->toString(1000) == value.toString(1000), key.c_str());
        }
        QCOMPARE(q->metadata().getInt("general.file_type"), 15);
        QVERIFY(r.bytesOut < r.bytesIn / 4);

    }

    // --pure at F16, BF16 or a legacy type writes every tensor's bytes as llama-quantize
    // --pure wrote them (the fixture files), the embedding and output included.
    void pureFilesEqualLlamaCpps_data() {
        QTest::addColumn<QString>("type");
        for (const char* t : {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
            QTest::newRow(t) << QString(t);
    }
    void pureFilesEqualLlamaCpps() {
        QFETCH(QString, type);
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-F32.gguf", f32Path);
        LLMLAB_REQUIRE_FIXTURE(("gguf/quant/random-256-" + type.toStdString() + ".gguf"), theirPath);
        QTemporaryDir dir;
        const std::string pure = dir.filePath("pure.gguf").toStdString();
        QuantizeOptions o;
        o.scheme = type.toStdString();
        o.pure = true;
        quantizeModel(*test::openModel(f32Path), pure, o);
        const auto ours = test::openModel(pure), theirs = test::openModel(theirPath);
        QCOMPARE(ours->tensors().size(), theirs->tensors().size());
        for (const TensorInfo& t : theirs->tensors()) {
            const TensorInfo* mine = ours->find(t.name);
            QVERIFY2(mine && mine->dtype == t.dtype && mine->bytes == t.bytes, t.name.c_str());
            QVERIFY2(std::memcmp(ours->tensor(t.name).data(), theirs->tensor(t.name).data(),
                                 t.bytes) == 0,
                     t.name.c_str());
        }
    }

    void cancellingLeavesNoFile() {
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-F32.gguf", f32Path);
        QTemporaryDir dir;
        const std::string out = dir.filePath("x.gguf").toStdString();
        CancelToken cancel;
        int calls = 0;
        QVERIFY_THROWS_EXCEPTION(Cancelled, quantizeModel(*test::openModel(f32Path), out, {}, [&](double, const std::string&) {
            if (++calls == 3) cancel.cancel();
        }, &cancel));
        QVERIFY(!std::filesystem::exists(out));
        QVERIFY(!std::filesystem::exists(out + ".part"));
    }

    // llama.2c and Hugging Face llama checkpoints become GGUF files llama.cpp's loader reads:
    // written at F32 they run to the logits of llama.cpp's own stories260K.gguf (the Hugging
    // Face one after its q/k rows are put back in GGUF's interleaved RoPE order).
    void otherFormatsBecomeGguf_data() {
        QTest::addColumn<QString>("source");
        QTest::newRow("llama2.c") << "llama2c/stories260K/stories260K.bin";
        QTest::newRow("Hugging Face") << "hf/stories260K-llama";
    }
    void otherFormatsBecomeGguf() {
        QFETCH(QString, source);
        LLMLAB_REQUIRE_FIXTURE(source.toStdString(), srcPath);
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", ggufPath);
        QTemporaryDir dir;
        const std::string out = dir.filePath("s.gguf").toStdString();
        LLMLAB_REQUIRE_FIXTURE("llama2c/stories260K/tok512.bin", tokPath);
        QuantizeOptions o;
        o.scheme = "F32";
        // The Hugging Face folder has no tokenizer of its own: a GGUF needs one, named here.
        if (source.startsWith(QStringLiteral("hf/"))) {
            QVERIFY_THROWS_EXCEPTION(std::runtime_error, quantizeModel(*test::openModel(srcPath), out, o));
            QVERIFY(!std::filesystem::exists(out));
            o.tokenizerPath = tokPath;
        }
        quantizeModel(*test::openModel(srcPath), out, o);
        const auto ours = test::openModel(out), theirs = test::openModel(ggufPath);
        QCOMPARE(ours->spec().layers, theirs->spec().layers);
        QCOMPARE(ours->metadata().getString("general.architecture"), std::string("llama"));
        const Tokenizer a = tokenizerFor(*ours), b = tokenizerFor(*theirs);
        const std::vector<std::int32_t> ids = b.encode("Once upon a time, a cat sat.", {.addSpecial = true});
        QVERIFY(a.encode("Once upon a time, a cat sat.", {.addSpecial = true}) == ids);
        const std::vector<float> x = logitsOf(ours, ids), y = logitsOf(theirs, ids);
        double worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::fabs(x[i] - y[i])));
        qInfo("largest logit difference %.3g", worst);
        QVERIFY(worst < 1e-3);
    }

    // The importance matrix: one entry per matrix the pass multiplies by (the tied
    // embedding too), each column's mean square of the inputs, from the session's captures.
    void importanceMatrixFromOurEngine() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const auto m = test::openModel(path);
        std::string error;
        auto backend = createBackend("cpu", &error);
        const std::string text = "Once upon a time, there was a little girl named Lily. She loved "
                                 "to play outside in the park with her friends.";
        const ImportanceMatrix imp = computeImportance(m, *backend, text, 16);
        const Tokenizer tok = tokenizerFor(*m);
        QCOMPARE(imp.tokens, int(tok.encode(text).size()));
        for (const char* name : {"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
                                 "blk.4.attn_output.weight", "blk.2.ffn_gate.weight",
                                 "blk.2.ffn_down.weight",
                                 m->find("output.weight") ? "output.weight" : "token_embd.weight"}) {
            const std::int64_t cols = m->find(name)->shape.dim(1);
            const std::vector<float>* c = imp.find(name, cols);
            QVERIFY2(c, name);
            double sum = 0;
            for (float v : *c) {
                QVERIFY(v >= 0);
                sum += v;
            }
            QVERIFY(sum > 0);
        }
        QCOMPARE(*imp.find("blk.0.attn_q.weight", 64), *imp.find("blk.0.attn_v.weight", 64));
        // By hand for the first layer's q: the RMS-normed embeddings, squared, averaged.
        CaptureOptions cap;
        cap.residual = true;
        const std::vector<std::int32_t> ids = tok.encode(text);
        const Tensor emb = m->tensor("token_embd.weight"), g = m->tensor("blk.0.attn_norm.weight");
        const std::vector<float> e = emb.toFloats(), gw = g.toFloats();
        std::vector<double> want(64, 0.0);
        for (std::int32_t id : ids) {
            double ss = 0;
            for (int c = 0; c < 64; ++c) ss += double(e[std::size_t(id) * 64 + c]) * e[std::size_t(id) * 64 + c];
            const double inv = 1.0 / std::sqrt(ss / 64 + m->spec().normEps);
            for (int c = 0; c < 64; ++c) {
                const double h = e[std::size_t(id) * 64 + c] * inv * gw[std::size_t(c)];
                want[std::size_t(c)] += h * h / double(ids.size());
            }
        }
        const std::vector<float>& got = *imp.find("blk.0.attn_q.weight", 64);
        for (int c = 0; c < 64; ++c) QVERIFY(std::fabs(got[std::size_t(c)] - want[std::size_t(c)]) <= 1e-4 * (1 + want[std::size_t(c)]));
    }

    // The comparison's figures against float64 arithmetic done here: a model against itself
    // is KL 0 and top-1 100% everywhere; its perplexity is exp of the mean NLL of the session's
    // own logits; the first position's NLL matches the float64 oracle of run.c.
    void comparisonAgainstFloat64() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        LLMLAB_REQUIRE_FIXTURE("llama2c/stories260K/stories260K.greedy.json", oraclePath);
        QTemporaryDir dir;
        const std::string q8 = dir.filePath("q8.gguf").toStdString();
        const std::string q2 = dir.filePath("q2.gguf").toStdString();
        QuantizeOptions o;
        o.scheme = "Q8_0";
        quantizeModel(*test::openModel(path), q8, o);
        o.scheme = "Q2_K";
        quantizeModel(*test::openModel(path), q2, o);
        const std::string text = "Once upon a time, there was a little girl named Lily. She loved "
                                 "to play outside in the park.";
        QuantCompareOptions co;
        co.decodeTokens = 4;
        co.chunk = 7; // several passes, so the lockstep and the cache hand-over are exercised
        const QuantCompareResult r = compareQuantizations(path, {path, q8, q2}, text, co);
        QCOMPARE(r.models.size(), std::size_t(4));
        const QuantModelResult &ref = r.models[0], &self = r.models[1], &a = r.models[2], &b = r.models[3];
        for (const QuantModelResult* m : {&ref, &self}) {
            QCOMPARE(m->meanKl, 0.0);
            QCOMPARE(m->top1Agreement, 1.0);
            for (double k : m->lensKl) QCOMPARE(k, 0.0);
        }
        QCOMPARE(self.perplexity, ref.perplexity);
        QCOMPARE(a.label, std::string("Q8_0"));
        QCOMPARE(b.label, std::string("Q2_K"));
        QVERIFY(a.meanKl > 0 && a.meanKl < b.meanKl);
        QVERIFY(ref.tensors.empty()); // the reference is not compared with itself
        QCOMPARE(a.tensors.size(), self.tensors.size());
        for (const TensorError& t : self.tensors) QCOMPARE(t.rmse, 0.0);
        QVERIFY(a.promptTokensPerSecond > 0);
        QCOMPARE(int(a.klPerPosition.size()), int(r.tokens.size()));
        QCOMPARE(int(a.lensKl.size()), 5);
        QVERIFY(b.lensKl.back() > 0);
        QVERIFY(a.fileBytes < ref.fileBytes && b.fileBytes < a.fileBytes);
        QVERIFY(a.decodeTokensPerSecond > 0);
        double sum = 0;
        for (float p : a.lastProbs) sum += p;
        QVERIFY(std::fabs(sum - 1.0) < 1e-4);

        // Perplexity by hand, in float64, from one prefill of the whole text.
        const std::vector<float> logits = logitsOf(test::openModel(path), r.tokens);
        const std::int64_t V = 512;
        double nll = 0;
        for (std::size_t t = 0; t + 1 < r.tokens.size(); ++t) {
            const float* row = logits.data() + t * V;
            double mx = -1e300, s = 0;
            for (std::int64_t i = 0; i < V; ++i) mx = std::max(mx, double(row[i]));
            for (std::int64_t i = 0; i < V; ++i) s += std::exp(double(row[i]) - mx);
            nll += mx + std::log(s) - double(row[r.tokens[t + 1]]);
        }
        const double want = std::exp(nll / double(r.tokens.size() - 1));
        QVERIFY2(std::fabs(ref.perplexity - want) < 1e-4 * want,
                 qPrintable(QString("%1 vs %2").arg(ref.perplexity).arg(want)));

        // KL by hand on two rows.
        const float p[3] = {1.0f, 2.0f, 0.5f}, q[3] = {0.5f, 2.5f, 0.0f};
        double zp = 0, zq = 0;
        for (int i = 0; i < 3; ++i) {
            zp += std::exp(double(p[i]));
            zq += std::exp(double(q[i]));
        }
        double kl = 0;
        for (int i = 0; i < 3; ++i) {
            const double pi = std::exp(double(p[i])) / zp, qi = std::exp(double(q[i])) / zq;
            kl += pi * std::log(pi / qi);
        }
        QVERIFY(std::fabs(klDivergence(p, q, 3) - kl) < 1e-12);

        // The first position's NLL of token 403 against the float64 oracle of run.c.
        QFile f(QString::fromStdString(oraclePath));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonArray oracle = QJsonDocument::fromJson(f.readAll())["cases"][0]
                                      ["logits_at_pos0_after_BOS"].toArray();
        QCOMPARE(oracle.size(), 512);
        std::vector<float> want0(512);
        for (int i = 0; i < 512; ++i) want0[std::size_t(i)] = float(oracle[i].toDouble());
        const std::vector<std::int32_t> bosOnly{1};
        const std::vector<float> first = logitsOf(test::openModel(path), bosOnly);
        const double ours0 = rowLoss(std::span<const float>(first.data(), 512), 403).loss;
        const double theirs0 = rowLoss(std::span<const float>(want0.data(), 512), 403).loss;
        qInfo("NLL of the first token: %.6f (float64 oracle %.6f)", ours0, theirs0);
        QVERIFY(std::fabs(ours0 - theirs0) < 1e-3);
    }

    void mismatchedModelsAreRefused() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", a);
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-Q8_0.gguf", b);
        try {
            compareQuantizations(a, {b}, "Once upon a time", {});
            QFAIL("compared two different models");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains("random-256-Q8_0.gguf"));
            QVERIFY(QString(e.what()).contains("is not a version of"));
        }
    }
};

QTEST_GUILESS_MAIN(TestQuant)
#include "tst_quant.moc"
