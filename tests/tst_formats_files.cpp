// Files written here: writer round trips, sparse Qwen2.5-0.5B-sized models, and one broken
// file per kind of bad input (each must give one readable sentence naming the file).
#include "formats/GgufWriter.h"
#include "formats/MappedFile.h"
#include "formats/ModelFile.h"
#include "formats/SafetensorsWriter.h"

#include <QTemporaryDir>
#include <QtTest>
#include <unistd.h>

#include <cstring>
#include <fstream>

using namespace llmlab;

namespace {

// Little-endian byte builder for hand-made (and deliberately broken) files.
struct Bytes {
    std::string b;
    template <typename T> Bytes& put(T v) {
        b.append(reinterpret_cast<const char*>(&v), sizeof v);
        return *this;
    }
    Bytes& str(const std::string& s) {
        put<std::uint64_t>(s.size());
        b += s;
        return *this;
    }
    Bytes& raw(const std::string& s) {
        b += s;
        return *this;
    }
    Bytes& pad(std::size_t align) {
        b.resize((b.size() + align - 1) / align * align, '\0');
        return *this;
    }
};

Bytes ggufHeader(std::uint64_t tensors, std::uint64_t kvs) {
    Bytes x;
    x.raw("GGUF").put<std::uint32_t>(3).put<std::uint64_t>(tensors).put<std::uint64_t>(kvs);
    return x;
}

// A tensor info: name, dims (innermost first), ggml type, offset.
void tensorInfo(Bytes& x, const std::string& name, std::vector<std::uint64_t> ne,
                std::uint32_t type, std::uint64_t offset) {
    x.str(name).put<std::uint32_t>(std::uint32_t(ne.size()));
    for (auto d : ne) x.put<std::uint64_t>(d);
    x.put<std::uint32_t>(type).put<std::uint64_t>(offset);
}

Bytes safetensors(const std::string& json, std::size_t dataBytes) {
    Bytes x;
    x.put<std::uint64_t>(json.size()).raw(json);
    x.b.append(dataBytes, '\0');
    return x;
}

// Qwen2.5-0.5B's tensors (24 layers, hidden 896, 14 heads, 2 KV heads of 64, FFN 4864,
// vocab 151936, QKV biases, tied embeddings): canonical names and HF names.
struct Named {
    std::string canonical, hf;
    Shape shape;
};
std::vector<Named> qwenTensors() {
    const std::int64_t h = 896, kv = 128, f = 4864;
    std::vector<Named> v{{"token_embd.weight", "model.embed_tokens.weight", {151936, h}}};
    for (int l = 0; l < 24; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        const std::string m = "model.layers." + std::to_string(l) + ".";
        v.push_back({b + "attn_norm.weight", m + "input_layernorm.weight", {h}});
        v.push_back({b + "attn_q.weight", m + "self_attn.q_proj.weight", {h, h}});
        v.push_back({b + "attn_q.bias", m + "self_attn.q_proj.bias", {h}});
        v.push_back({b + "attn_k.weight", m + "self_attn.k_proj.weight", {kv, h}});
        v.push_back({b + "attn_k.bias", m + "self_attn.k_proj.bias", {kv}});
        v.push_back({b + "attn_v.weight", m + "self_attn.v_proj.weight", {kv, h}});
        v.push_back({b + "attn_v.bias", m + "self_attn.v_proj.bias", {kv}});
        v.push_back({b + "attn_output.weight", m + "self_attn.o_proj.weight", {h, h}});
        v.push_back({b + "ffn_norm.weight", m + "post_attention_layernorm.weight", {h}});
        v.push_back({b + "ffn_gate.weight", m + "mlp.gate_proj.weight", {f, h}});
        v.push_back({b + "ffn_up.weight", m + "mlp.up_proj.weight", {f, h}});
        v.push_back({b + "ffn_down.weight", m + "mlp.down_proj.weight", {h, f}});
    }
    v.push_back({"output_norm.weight", "model.norm.weight", {h}});
    return v;
}
constexpr std::int64_t kQwenParams = 494032768;

void checkQwenSpec(const ModelFile& m) {
    const ModelSpec& s = m.spec();
    QCOMPARE(s.family, ModelFamily::Qwen2);
    QCOMPARE(s.layers, 24);
    QCOMPARE(s.width, 896);
    QCOMPARE(s.heads, 14);
    QCOMPARE(s.kvHeads, 2);
    QCOMPARE(s.headDim, 64);
    QCOMPARE(s.ffnWidth, 4864);
    QCOMPARE(s.vocab, 151936);
    QCOMPARE(s.ropeTheta, 1000000.0f);
    QCOMPARE(s.ropeLayout, RopeLayout::RotateHalf);
    QVERIFY(s.qkvBias);
    QVERIFY(s.tiedEmbeddings);
    QCOMPARE(s.totalParams, kQwenParams);
    QCOMPARE(s.paramsPerLayer.size(), std::size_t(24));
    QCOMPARE(s.paramsPerLayer[23], std::int64_t(14912384));
}

} // namespace

// Resident set size of this process in KiB (Linux /proc).
long residentKiB() {
    std::ifstream in("/proc/self/statm");
    long pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

class TestFormatFiles : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::string write(const std::string& name, const std::string& bytes) {
        const std::string path = m_dir.filePath(QString::fromStdString(name)).toStdString();
        std::ofstream(path, std::ios::binary | std::ios::trunc)
            .write(bytes.data(), std::streamsize(bytes.size()));
        return path;
    }
    // Opening must fail with one sentence that names the file and contains `expected`.
    void expectError(const std::string& name, const std::string& bytes,
                     const std::string& expected) {
        std::string error;
        auto m = ModelFile::open(write(name, bytes), &error);
        QVERIFY2(!m, name.c_str());
        qInfo("%s", error.c_str());
        QVERIFY2(error.starts_with(name + ":"), error.c_str());
        QVERIFY2(error.find(expected) != std::string::npos, error.c_str());
        QVERIFY2(error.find('\n') == std::string::npos, error.c_str());
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void readIntoMemoryGivesTheMappedBytes() {
        // --no-mmap: the file read into anonymous memory, byte for byte what the map shows,
        // and the same clear error for a file that isn't there.
        const std::string path = (m_dir.path() + "/bytes.bin").toStdString();
        std::string content(300000, '\0');
        for (std::size_t i = 0; i < content.size(); ++i) content[i] = char(i * 7919 % 251);
        std::ofstream(path, std::ios::binary) << content;
        std::string error;
        auto mapped = MappedFile::open(path, &error);
        MappedFile::setReadIntoMemory(true);
        auto read = MappedFile::open(path, &error);
        auto missing = MappedFile::open(path + ".absent", &error);
        MappedFile::setReadIntoMemory(false);
        QVERIFY(mapped && read && !missing);
        QVERIFY(error.find("bytes.bin.absent") != std::string::npos);
        QCOMPARE(read->size(), std::uint64_t(content.size()));
        QVERIFY(std::memcmp(read->data(), mapped->data(), content.size()) == 0);
    }

    void ggufRoundTrip() {
        GgufWriter w;
        w.addMetadata("general.architecture", MetaValue::string("llama"));
        w.addMetadata("u8", MetaValue::integer(MetaType::UInt8, 200));
        w.addMetadata("i8", MetaValue::integer(MetaType::Int8, -100));
        w.addMetadata("u16", MetaValue::integer(MetaType::UInt16, 60000));
        w.addMetadata("i16", MetaValue::integer(MetaType::Int16, -30000));
        w.addMetadata("u32", MetaValue::integer(MetaType::UInt32, 4000000000LL));
        w.addMetadata("i32", MetaValue::integer(MetaType::Int32, -2000000000));
        w.addMetadata("u64", MetaValue::integer(MetaType::UInt64, std::int64_t(~0ULL)));
        w.addMetadata("i64", MetaValue::integer(MetaType::Int64, -(1LL << 62)));
        w.addMetadata("f32", MetaValue::real(MetaType::Float32, 0.25));
        w.addMetadata("f64", MetaValue::real(MetaType::Float64, 1e-300));
        w.addMetadata("yes", MetaValue::boolean(true));
        MetaArray strings{MetaType::String, {}, {}, {"a", "", "ü"}, {}};
        w.addMetadata("strings", MetaValue::array(strings));
        MetaArray inner{MetaType::Int32, {1, -2, 3}, {}, {}, {}};
        MetaArray nested{
            MetaType::Array, {}, {}, {}, {MetaValue::array(inner), MetaValue::array(inner)}};
        w.addMetadata("nested", MetaValue::array(nested));
        const std::vector<float> a{1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
        w.addTensor("a", DType::F32, {2, 3}, a.data());
        std::vector<std::uint8_t> q8(34 * 2, 0); // two Q8_0 blocks: d = 1.0 (0x3C00), q = i
        for (int b = 0; b < 2; ++b) {
            q8[std::size_t(b * 34 + 1)] = 0x3C;
            for (int i = 0; i < 32; ++i) q8[std::size_t(b * 34 + 2 + i)] = std::uint8_t(i - 16);
        }
        w.addTensor("q", DType::Q8_0, {64}, q8.data());
        w.setAlignment(64);
        const std::string path = m_dir.filePath("roundtrip.gguf").toStdString();
        std::string error;
        QVERIFY2(w.write(path, &error), error.c_str());
        auto m = ModelFile::open(path, &error);
        QVERIFY2(m, error.c_str());
        const Metadata& md = m->metadata();
        QCOMPARE(md.getInt("u8"), 200);
        QCOMPARE(md.getInt("i8"), -100);
        QCOMPARE(md.getInt("u16"), 60000);
        QCOMPARE(md.getInt("i16"), -30000);
        QCOMPARE(md.getInt("u32"), 4000000000LL);
        QCOMPARE(md.getInt("i32"), -2000000000);
        QCOMPARE(md.find("u64")->asUInt().value(), ~0ULL);
        QVERIFY(!md.find("u64")->asInt()); // above INT64_MAX
        QCOMPARE(md.getInt("i64"), -(1LL << 62));
        QCOMPARE(md.getFloat("f32"), 0.25);
        QCOMPARE(md.getFloat("f64"), 1e-300);
        QVERIFY(md.getBool("yes"));
        QCOMPARE(md.getStringArray("strings"), (std::vector<std::string>{"a", "", "ü"}));
        const MetaArray* n = md.find("nested")->asArray();
        QVERIFY(n && n->arrays.size() == 2);
        QCOMPARE(n->arrays[1].asArray()->ints, (std::vector<std::int64_t>{1, -2, 3}));
        QCOMPARE(md.getInt("gguf.alignment"), 64);
        QCOMPARE(m->tensor("a").toFloats(), a);
        QCOMPARE(m->find("q")->offset % 64, std::uint64_t(0));
        const std::vector<float> qv = m->tensor("q").toFloats();
        QCOMPARE(qv[0], -16.0f);
        QCOMPARE(qv[63], 15.0f);
    }

    void safetensorsRoundTrip() {
        SafetensorsWriter w;
        w.addMetadata("format", "pt");
        const std::vector<std::uint16_t> h{0x3C00, 0xC000, 0x3800}; // 1, -2, 0.5
        const std::vector<float> f{1, 2, 3, 4};
        w.addTensor("model.layers.0.mlp.up_proj.weight", DType::F16, {3}, h.data());
        w.addTensor("model.embed_tokens.weight", DType::F32, {2, 2}, f.data());
        const std::string path = m_dir.filePath("rt.safetensors").toStdString();
        std::string error;
        QVERIFY2(w.write(path, &error), error.c_str());
        auto m = ModelFile::open(path, &error);
        QVERIFY2(m, error.c_str());
        QCOMPARE(m->format(), ModelFormat::Safetensors);
        QCOMPARE(m->metadata().getString("safetensors.format"), std::string("pt"));
        QCOMPARE(m->tensor("blk.0.ffn_up.weight").toFloats(), (std::vector<float>{1, -2, 0.5f}));
        QCOMPARE(m->tensor("token_embd.weight").toFloats(), f);
        SafetensorsWriter bad;
        bad.addTensor("x", DType::Q8_0, {32}, nullptr);
        QVERIFY(!bad.write(path + ".bad", &error));
        QVERIFY(error.find("Q8_0") != std::string::npos);
    }

    void sparseQwenGguf() {
        GgufWriter w;
        w.addMetadata("general.architecture", MetaValue::string("qwen2"));
        auto u32 = [&](const char* k, std::int64_t v) {
            w.addMetadata(k, MetaValue::integer(MetaType::UInt32, v));
        };
        u32("qwen2.block_count", 24);
        u32("qwen2.context_length", 32768);
        u32("qwen2.embedding_length", 896);
        u32("qwen2.feed_forward_length", 4864);
        u32("qwen2.attention.head_count", 14);
        u32("qwen2.attention.head_count_kv", 2);
        w.addMetadata("qwen2.rope.freq_base", MetaValue::real(MetaType::Float32, 1e6));
        w.addMetadata("qwen2.attention.layer_norm_rms_epsilon",
                      MetaValue::real(MetaType::Float32, 1e-6));
        for (const Named& t : qwenTensors())
            w.addTensor(t.canonical, t.shape.rank() == 2 ? DType::F16 : DType::F32, t.shape,
                        nullptr);
        const std::string path = m_dir.filePath("qwen-sparse.gguf").toStdString();
        std::string error;
        QVERIFY2(w.write(path, &error), error.c_str());
        // Opening maps the ~1 GB file and reads the header only: resident memory hardly grows.
        // (Memory rather than time: timings are not asserted on shared machines.)
        const long before = residentKiB();
        auto m = ModelFile::open(path, &error);
        QVERIFY2(m, error.c_str());
        QVERIFY2(residentKiB() - before < 64 * 1024, "opening must not read the tensor data");
        checkQwenSpec(*m);
        QVERIFY(m->fileBytes() > 980'000'000);
        QVERIFY(m->spec().summary().find("494.0M") != std::string::npos);
    }

    void sparseQwenHfFolder() {
        QVERIFY(QDir(m_dir.path()).mkpath("qwen-hf"));
        const std::string folder = m_dir.filePath("qwen-hf").toStdString();
        std::ofstream(folder + "/config.json")
            << R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
                  "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
                  "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
                  "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "hidden_act": "silu",
                  "tie_word_embeddings": true, "torch_dtype": "bfloat16"})";
        SafetensorsWriter w;
        for (const Named& t : qwenTensors()) w.addTensor(t.hf, DType::BF16, t.shape, nullptr);
        std::string error;
        QVERIFY2(w.write(folder + "/model.safetensors", &error), error.c_str());
        const long before = residentKiB();
        auto m = ModelFile::open(folder, &error);
        QVERIFY2(m, error.c_str());
        QVERIFY(residentKiB() - before < 64 * 1024);
        checkQwenSpec(*m);
        QCOMPARE(m->find("blk.5.attn_k.bias")->sourceName,
                 std::string("model.layers.5.self_attn.k_proj.bias"));
        QCOMPARE(m->spec().bytesPerDType.at(DType::BF16), 2 * kQwenParams);
    }

    // A folder sharded as Hugging Face writes big models: the index names each tensor's shard.
    void shardedHfFolder() {
        QVERIFY(QDir(m_dir.path()).mkpath("sharded"));
        const std::string folder = m_dir.filePath("sharded").toStdString();
        std::ofstream(folder + "/config.json")
            << R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8,
                  "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                  "num_key_value_heads": 2, "vocab_size": 10, "rms_norm_eps": 1e-05})";
        std::vector<float> embed(80), q(64, 0.5f);
        for (std::size_t i = 0; i < embed.size(); ++i) embed[i] = float(i);
        SafetensorsWriter a, b;
        a.addTensor("model.embed_tokens.weight", DType::F32, Shape{10, 8}, embed.data());
        b.addTensor("model.layers.0.self_attn.q_proj.weight", DType::F32, Shape{8, 8}, q.data());
        std::string error;
        QVERIFY2(a.write(folder + "/model-00001-of-00002.safetensors", &error), error.c_str());
        QVERIFY2(b.write(folder + "/model-00002-of-00002.safetensors", &error), error.c_str());
        std::ofstream(folder + "/model.safetensors.index.json")
            << R"({"metadata": {"total_size": 576}, "weight_map": {
                  "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                  "model.layers.0.self_attn.q_proj.weight": "model-00002-of-00002.safetensors"}})";
        auto m = ModelFile::open(folder, &error);
        QVERIFY2(m, error.c_str());
        QCOMPARE(m->tensors().size(), std::size_t(2));
        QCOMPARE(m->tensor("token_embd.weight").toFloats(), embed);
        QCOMPARE(m->tensor("blk.0.attn_q.weight").toFloats(), q);
        QCOMPARE(m->find("blk.0.attn_q.weight")->file, 1);
        // An index naming a shard that is not there is one readable error.
        std::ofstream(folder + "/model.safetensors.index.json")
            << R"({"weight_map": {"model.embed_tokens.weight": "model-00009-of-00009.safetensors"}})";
        QVERIFY(!ModelFile::open(folder, &error));
        QVERIFY2(error.find("model-00009-of-00009.safetensors") != std::string::npos,
                 error.c_str());
    }

    void badGguf() {
        const std::string good = [] {
            Bytes x = ggufHeader(1, 1);
            x.str("general.architecture").put<std::uint32_t>(8).str("llama");
            tensorInfo(x, "blk.3.attn_q.weight", {4, 4}, 0, 0);
            x.pad(32).b.append(64, '\0');
            return x.b;
        }();
        { // the good one opens, so each failure below is about its one defect
            std::string error;
            QVERIFY2(ModelFile::open(write("good.gguf", good), &error), error.c_str());
        }
        expectError("truncated.gguf", good.substr(0, 12), "the file ends inside the header");
        expectError("truncated-counts.gguf", good.substr(0, 40), "more than the file can hold");
        expectError("truncated-string.gguf", good.substr(0, 66),
                    "claims 5 bytes but only 2 remain");
        expectError("truncated-data.gguf", good.substr(0, good.size() - 10),
                    "extends past the end of the file");
        expectError("empty.gguf", "", "is not a model file");
        expectError("magic.gguf", "GGUX" + good.substr(4), "is not a model file");
        expectError("version.gguf", Bytes().raw("GGUF").put<std::uint32_t>(7).b + good.substr(8),
                    "version 7");

        Bytes past = ggufHeader(1, 0);
        tensorInfo(past, "blk.3.attn_q.weight", {4, 4}, 0, 1 << 20);
        past.pad(32).b.append(64, '\0');
        expectError("past.gguf", past.b,
                    "tensor 'blk.3.attn_q.weight' extends past the end of the file (offset");

        Bytes overlap = ggufHeader(2, 0);
        tensorInfo(overlap, "a", {8}, 0, 0);
        tensorInfo(overlap, "b", {8}, 0, 0);
        overlap.pad(32).b.append(64, '\0');
        expectError("overlap.gguf", overlap.b, "overlap");

        Bytes huge = ggufHeader(1, 0);
        tensorInfo(huge, "big", {1ULL << 40, 1ULL << 40}, 0, 0);
        expectError("overflow.gguf", huge.pad(32).b, "overflows 64 bits");

        expectError("tensors.gguf", ggufHeader(1ULL << 40, 0).b + std::string(64, '\0'),
                    "claims 1099511627776 tensors");
        expectError("kvs.gguf", ggufHeader(0, 1ULL << 40).b + std::string(64, '\0'),
                    "claims 1099511627776 metadata entries");

        Bytes utf8 = ggufHeader(0, 1);
        utf8.str("bad\xff\xfekey").put<std::uint32_t>(4).put<std::uint32_t>(1);
        expectError("utf8.gguf", utf8.b, "not valid UTF-8");

        Bytes longString = ggufHeader(0, 1);
        longString.str("k").put<std::uint32_t>(8).put<std::uint64_t>(1ULL << 50).raw("abc");
        expectError("string.gguf", longString.b, "only 3 remain");

        Bytes longArray = ggufHeader(0, 1);
        longArray.str("k").put<std::uint32_t>(9).put<std::uint32_t>(8).put<std::uint64_t>(1ULL
                                                                                          << 40);
        expectError("array.gguf", longArray.b + std::string(32, '\0'),
                    "more than the rest of the file can hold");

        Bytes deep = ggufHeader(0, 1);
        deep.str("k").put<std::uint32_t>(9);
        for (int i = 0; i < 20; ++i) deep.put<std::uint32_t>(9).put<std::uint64_t>(1);
        expectError("deep.gguf", deep.b + std::string(32, '\0'), "nests arrays too deeply");

        Bytes type = ggufHeader(1, 0);
        tensorInfo(type, "iq", {256}, 16, 0);
        expectError("type.gguf", type.pad(32).b + std::string(256, '\0'), "IQ2_XXS");

        Bytes align = ggufHeader(0, 1);
        align.str("general.alignment").put<std::uint32_t>(4).put<std::uint32_t>(3);
        expectError("align.gguf", align.b, "not a power of two");
    }

    void badSafetensors() {
        expectError("short.safetensors", "abc", "too short");
        expectError("len.safetensors", Bytes().put<std::uint64_t>(1ULL << 40).raw("{}").b,
                    "header length 1099511627776 is larger than the file");
        expectError("json.safetensors", safetensors("{\"a\": [1, 2", 0).b, "not valid JSON");
        expectError("range.safetensors",
                    safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8).b,
                    "outside the data section");
        expectError("size.safetensors",
                    safetensors(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16).b,
                    "has shape [3] of F32 (12 bytes) but its data offsets span 16 bytes");
        expectError("dtype.safetensors",
                    safetensors(R"({"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", 16).b,
                    "dtype I64");
        expectError("overlap.safetensors",
                    safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                16)
                        .b,
                    "overlap");
        expectError(
            "dims.safetensors",
            safetensors(
                R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})",
                0)
                .b,
            "overflows 64 bits");
        expectError("utf8.safetensors", safetensors("{\"\xff\":1}", 0).b, "not valid JSON");
    }

    void badLlama2c() {
        Bytes v1;
        v1.put<std::uint32_t>(0x616b3432).put<std::int32_t>(1);
        for (std::int32_t p : {64, 172, 5, 8, 4, 512, 512}) v1.put(p);
        v1.put<std::uint8_t>(1).pad(256);
        expectError("trunc.bin", v1.b + std::string(1000, '\0'), "describes 1040384 bytes");
        Bytes v2 = v1;
        std::memcpy(v2.b.data() + 4, "\x02\0\0\0", 4);
        expectError("v2.bin", v2.b, "version 2");
        Bytes legacy;
        for (std::int32_t p : {64, 172, 5, 7, 4, 512, 512}) legacy.put(p);
        expectError("heads.bin", legacy.b, "not a multiple of n_heads");
    }
};

QTEST_GUILESS_MAIN(TestFormatFiles)
#include "tst_formats_files.moc"
