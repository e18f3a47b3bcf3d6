// Model readers against the real fixture files (see ../shared/fixtures/README.md).
#include "TestSupport.h"

#include "formats/ModelFile.h"
#include "formats/BlockQuant.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace llmlab;

namespace {

std::unique_ptr<ModelFile> openOrFail(const std::string& path) {
    std::string error;
    auto m = ModelFile::open(path, &error);
    if (!m) qWarning("%s", error.c_str());
    return m;
}

std::vector<float> readRawFloats(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::vector<float> v(std::size_t(in.tellg()) / 4);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * 4));
    return v;
}

// The stories260K anatomy every format of it must show.
void checkStoriesSpec(const ModelSpec& s) {
    QCOMPARE(s.family, ModelFamily::Llama);
    QCOMPARE(s.layers, 5);
    QCOMPARE(s.width, 64);
    QCOMPARE(s.heads, 8);
    QCOMPARE(s.kvHeads, 4);
    QCOMPARE(s.headDim, 8);
    QCOMPARE(s.ffnWidth, 172);
    QCOMPARE(s.vocab, 512);
    QCOMPARE(s.norm, NormKind::RmsNorm);
    QVERIFY(std::fabs(s.normEps - 1e-5f) < 1e-9f);
    QCOMPARE(s.activation, Activation::SwiGlu);
    QCOMPARE(s.positions, PositionKind::Rope);
    QCOMPARE(s.ropeTheta, 10000.0f);
    QVERIFY(!s.qkvBias);
}

bool sameBytes(const Tensor& a, const Tensor& b) {
    return a.byteSize() == b.byteSize() && std::memcmp(a.data(), b.data(), a.byteSize()) == 0;
}

} // namespace

class TestFormats : public QObject {
    Q_OBJECT
private slots:
    void storiesGguf() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        auto m = openOrFail(path);
        QVERIFY(m);
        QCOMPARE(m->format(), ModelFormat::Gguf);
        checkStoriesSpec(m->spec());
        QCOMPARE(m->spec().context, 2048);
        QCOMPARE(m->spec().ropeLayout, RopeLayout::Interleaved);
        QVERIFY(!m->spec().tiedEmbeddings); // output.weight is stored as a copy
        QCOMPARE(m->spec().totalParams, std::int64_t(292800));
        QCOMPARE(m->tensors().size(), std::size_t(48));
        QCOMPARE(m->metadata().getInt("gguf.version"), 3);
        QCOMPARE(m->metadata().getInt("gguf.data_offset"), 14176);
        QCOMPARE(m->metadata().getString("tokenizer.ggml.model"), std::string("llama"));
        const auto tokens = m->metadata().getStringArray("tokenizer.ggml.tokens");
        QCOMPARE(tokens.size(), std::size_t(512));
        QCOMPARE(tokens[1], std::string("<s>"));
        QCOMPARE(m->metadata().getFloatArray("tokenizer.ggml.scores").size(), std::size_t(512));
        QCOMPARE(m->metadata().getIntArray("tokenizer.ggml.token_type")[3], std::int64_t(6));
        QCOMPARE(m->metadata().getInt("tokenizer.ggml.padding_token_id"), 4294967295LL);
        const TensorInfo* emb = m->find("token_embd.weight");
        QVERIFY(emb);
        QCOMPARE(emb->shape, (Shape{512, 64}));
        QCOMPARE(m->find("blk.4.ffn_down.weight")->shape, (Shape{64, 172}));
        QCOMPARE(m->find("blk.0.attn_k.weight")->shape, (Shape{32, 64}));
        QCOMPARE(m->spec().paramsPerLayer.size(), std::size_t(5));
        QCOMPARE(m->spec().paramsPerLayer[0],
                 std::int64_t(2 * 64 + 64 * 64 * 2 + 32 * 64 * 2 + 3 * 64 * 172));
        const Tensor out = m->tensor("output.weight");
        QVERIFY(!out.isOwning());
        QVERIFY(sameBytes(out, m->tensor("token_embd.weight")));
    }

    void storiesLlama2c_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("legacy") << "llama2c/stories260K/stories260K.bin";
        QTest::newRow("v1") << "llama2c/stories260K/stories260K_v1.bin";
    }
    void storiesLlama2c() {
        QFETCH(QString, file);
        LLMLAB_REQUIRE_FIXTURE(file.toStdString(), path);
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", ggufPath);
        auto m = openOrFail(path);
        QVERIFY(m);
        QCOMPARE(m->format(), ModelFormat::Llama2c);
        checkStoriesSpec(m->spec());
        QCOMPARE(m->spec().context, 512);
        QCOMPARE(m->spec().ropeLayout, RopeLayout::Interleaved);
        QVERIFY(m->spec().tiedEmbeddings);
        QCOMPARE(m->spec().totalParams, std::int64_t(260032));
        QVERIFY(m->tokenizerPath().ends_with("tok512.bin"));
        // The GGUF stores the llama2.c arrays unchanged: every shared tensor is byte-identical.
        auto g = openOrFail(ggufPath);
        QVERIFY(g);
        for (const TensorInfo& t : m->tensors()) {
            QVERIFY2(g->find(t.name), t.name.c_str());
            QVERIFY2(sameBytes(m->tensor(t.name), g->tensor(t.name)), t.name.c_str());
        }
    }

    void storiesHf() {
        LLMLAB_REQUIRE_FIXTURE("hf/stories260K-llama", path);
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", ggufPath);
        auto m = openOrFail(path);
        QVERIFY(m);
        QCOMPARE(m->format(), ModelFormat::HfFolder);
        checkStoriesSpec(m->spec());
        QCOMPARE(m->spec().ropeLayout, RopeLayout::RotateHalf);
        QVERIFY(m->spec().tiedEmbeddings);
        QCOMPARE(m->spec().totalParams, std::int64_t(260032));
        QCOMPARE(m->tensors().size(), std::size_t(47));
        const TensorInfo* q = m->find("blk.3.attn_q.weight");
        QVERIFY(q);
        QCOMPARE(q->sourceName, std::string("model.layers.3.self_attn.q_proj.weight"));
        auto g = openOrFail(ggufPath);
        // v is not permuted, q is (rotate-half vs interleaved rows): same bytes, other order.
        QVERIFY(sameBytes(m->tensor("blk.3.attn_v.weight"), g->tensor("blk.3.attn_v.weight")));
        QVERIFY(!sameBytes(m->tensor("blk.3.attn_q.weight"), g->tensor("blk.3.attn_q.weight")));
        QVERIFY(sameBytes(m->tensor("output_norm.weight"), g->tensor("output_norm.weight")));
    }

    void llama2TinyRandomF16() {
        LLMLAB_REQUIRE_FIXTURE("gguf/llama-2-tiny-random.gguf", path);
        auto m = openOrFail(path);
        QVERIFY(m);
        const ModelSpec& s = m->spec();
        QCOMPARE(s.width, 8);
        QCOMPARE(s.layers, 1);
        QCOMPARE(s.heads, 2);
        QCOMPARE(s.ffnWidth, 32);
        QCOMPARE(s.vocab, 32000);
        QVERIFY(!s.tiedEmbeddings);
        QCOMPARE(m->find("token_embd.weight")->dtype, DType::F16);
        QCOMPARE(m->find("output_norm.weight")->dtype, DType::F32);
        QCOMPARE(s.bytesPerDType.at(DType::F16),
                 std::int64_t(2 * (2 * 8 * 32000 + 4 * 64 + 3 * 256)));
        const std::vector<float> v = m->tensor("token_embd.weight").toFloats();
        QCOMPARE(v.size(), std::size_t(8 * 32000));
        double sum = 0;
        for (float x : v) sum += std::fabs(x);
        QVERIFY(std::isfinite(sum) && sum > 0);
    }

    void tinyRandomGpt2() {
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", path);
        auto m = openOrFail(path);
        QVERIFY(m);
        const ModelSpec& s = m->spec();
        QCOMPARE(s.family, ModelFamily::Gpt2);
        QCOMPARE(s.layers, 5);
        QCOMPARE(s.width, 32);
        QCOMPARE(s.heads, 4);
        QCOMPARE(s.ffnWidth, 128);
        QCOMPARE(s.vocab, 1000);
        QCOMPARE(s.context, 512);
        QCOMPARE(s.norm, NormKind::LayerNorm);
        QCOMPARE(s.activation, Activation::GeluTanh);
        QCOMPARE(s.positions, PositionKind::Learned);
        QVERIFY(s.qkvBias);
        QVERIFY(s.tiedEmbeddings);
        QVERIFY(s.transposedLinear);
        QCOMPARE(s.totalParams, std::int64_t(111968));
        QCOMPARE(m->metadata().getString("safetensors.format"), std::string("pt"));
        QVERIFY(m->tokenizerPath().ends_with("tokenizer.json"));
        const TensorInfo* qkv = m->find("blk.2.attn_qkv.weight");
        QVERIFY(qkv && qkv->transposed);
        QCOMPARE(qkv->shape, (Shape{32, 96}));
        QVERIFY(!m->find("blk.2.attn_qkv.bias")->transposed);
        QVERIFY(m->find("position_embd.weight"));
        QVERIFY(m->find("blk.4.ffn_down.weight")->transposed);
        QVERIFY(m->find("output_norm.bias"));
    }

    void vocabOnlyGgufs_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : {"bert-bge", "deepseek-coder", "deepseek-llm", "falcon", "gpt-2",
                              "llama-spm", "mpt", "phi-3", "refact", "starcoder"})
            QTest::newRow(n) << n;
    }
    void vocabOnlyGgufs() {
        QFETCH(QString, name);
        LLMLAB_REQUIRE_FIXTURE("llama.cpp-vocab/ggml-vocab-" + name.toStdString() + ".gguf", path);
        auto m = openOrFail(path);
        QVERIFY(m);
        QCOMPARE(m->tensors().size(), std::size_t(0));
        QVERIFY(m->metadata().arraySize("tokenizer.ggml.tokens") > 30000);
        QVERIFY(!m->metadata().getString("tokenizer.ggml.model").empty());
        QVERIFY(m->spec().layers > 0);
    }

    void quantized_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<double>("rmsBound"); // README's relative RMS error vs the F32 original
        QTest::newRow("F16") << "F16" << 2.1e-4;
        QTest::newRow("BF16") << "BF16" << 1.7e-3;
        QTest::newRow("Q8_0") << "Q8_0" << 5.8e-3;
        QTest::newRow("Q6_K") << "Q6_K" << 1.9e-2;
        QTest::newRow("Q5_K") << "Q5_K" << 3.7e-2;
        QTest::newRow("Q5_1") << "Q5_1" << 3.9e-2;
        QTest::newRow("Q5_0") << "Q5_0" << 4.7e-2;
        QTest::newRow("Q4_K") << "Q4_K" << 7.4e-2;
        QTest::newRow("Q4_1") << "Q4_1" << 8.1e-2;
        QTest::newRow("Q4_0") << "Q4_0" << 9.3e-2;
        QTest::newRow("Q3_K") << "Q3_K" << 1.6e-1;
        QTest::newRow("Q2_K") << "Q2_K" << 3.0e-1;
    }
    void quantized() {
        QFETCH(QString, type);
        QFETCH(double, rmsBound);
        const std::string base = "gguf/quant/random-256-" + type.toStdString();
        LLMLAB_REQUIRE_FIXTURE(base + ".gguf", path);
        LLMLAB_REQUIRE_FIXTURE(base + ".blk.0.ffn_down.f32", refPath);
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-F32.gguf", f32Path);
        auto m = openOrFail(path);
        auto f = openOrFail(f32Path);
        QVERIFY(m && f);
        const TensorInfo* info = m->find("blk.0.ffn_down.weight");
        QVERIFY(info);
        QCOMPARE(std::string(dtypeName(info->dtype)), type.toStdString());
        QCOMPARE(info->shape, (Shape{256, 768}));
        const std::vector<float> got = m->tensor("blk.0.ffn_down.weight").toFloats();
        const std::vector<float> ref = readRawFloats(refPath);
        const std::vector<float> orig = f->tensor("blk.0.ffn_down.weight").toFloats();
        QCOMPARE(got.size(), ref.size());
        QCOMPARE(got.size(), orig.size());
        double maxDiff = 0, err2 = 0, orig2 = 0;
        for (std::size_t i = 0; i < got.size(); ++i) {
            maxDiff = std::max(maxDiff, double(std::fabs(got[i] - ref[i])));
            err2 += double(got[i] - orig[i]) * double(got[i] - orig[i]);
            orig2 += double(orig[i]) * double(orig[i]);
        }
        // The references are ggml's own dequantization: a wrong block layout is far off.
        QVERIFY2(maxDiff <= 1e-6, qPrintable(QString("max |diff| %1").arg(maxDiff)));
        const double rel = std::sqrt(err2 / orig2);
        // 5% over the README's figure: it is rounded to two digits.
        QVERIFY2(rel <= rmsBound * 1.05, qPrintable(QString("relative RMS %1").arg(rel)));
    }
};

QTEST_GUILESS_MAIN(TestFormats)
#include "tst_formats.moc"
