// Model discovery in fake Ollama stores and Hugging Face caches built in a temporary HOME, with
// real fixture models as the blobs and snapshots, plus the broken entries a real disk holds.
#include "TestSupport.h"

#include "discovery/ModelDiscovery.h"
#include "formats/ModelFile.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

using namespace llmlab;
namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    QFile f(QString::fromStdString(p.string()));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text.data(), qint64(text.size()));
}

std::string sha256Of(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) return std::string(64, '0');
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex().toStdString();
}

// Adds manifests/<host>/<ns>/<model>/<tag> to an Ollama store, its GGUF blob a copy of `gguf`
// (named by its real digest, as Ollama names it) and a config blob describing it.
void addOllamaModel(const fs::path& store, const std::string& host, const std::string& ns,
                    const std::string& model, const std::string& tag, const std::string& gguf) {
    const std::string hex = sha256Of(gguf);
    fs::create_directories(store / "blobs");
    std::error_code ec;
    fs::copy_file(gguf, store / "blobs" / ("sha256-" + hex), fs::copy_options::skip_existing, ec);
    const std::string cfgHex(64, 'c');
    writeFile(store / "blobs" / ("sha256-" + cfgHex),
              R"({"model_format":"gguf","model_family":"llama","model_type":"292.80K",)"
              R"("file_type":"F32"})");
    writeFile(store / "manifests" / host / ns / model / tag,
              R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.container.)"
              R"(image.v1+json","digest":"sha256:)" +
                  cfgHex +
                  R"(","size":90},"layers":[)"
                  R"({"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" +
                  hex +
                  R"(","size":1185376},{"mediaType":"application/vnd.ollama.image.template",)"
                  R"("digest":"sha256:)" +
                  std::string(64, 'd') + R"(","size":10}]})");
}

// Adds models--ORG--NAME to a hub cache the way huggingface_hub lays it out: files in blobs/,
// snapshots/<rev>/ linking to them, refs/main naming the revision (when `writeRef`).
fs::path addHfModel(const fs::path& hub, const std::string& repoDir, const std::string& rev,
                    const std::string& folder, bool writeRef = true) {
    const fs::path repo = hub / repoDir;
    const fs::path snap = repo / "snapshots" / rev;
    fs::create_directories(snap);
    fs::create_directories(repo / "blobs");
    for (const auto& entry : fs::directory_iterator(folder)) {
        const fs::path blob = repo / "blobs" / (rev + "-" + entry.path().filename().string());
        fs::copy_file(entry.path(), blob, fs::copy_options::overwrite_existing);
        fs::create_symlink(fs::relative(blob, snap), snap / entry.path().filename());
    }
    if (writeRef) writeFile(repo / "refs" / "main", rev);
    return snap;
}

const DiscoveredModel* findModel(const DiscoveryResult& r, const std::string& name) {
    for (const auto& m : r.models)
        if (m.name == name) return &m;
    return nullptr;
}

DiscoveryResult discover() {
    DiscoveryOptions o;
    o.systemStores = false; // this machine's own Ollama service must not leak into the test
    return discoverModels(o);
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& w : v) s += w + "\n";
    return s;
}

} // namespace

class TestDiscovery : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;
    fs::path home() const { return m_home.path().toStdString(); }

private slots:
    // A model in Hugging Face's cache goes by its repository, not its snapshot's hash.
    void displayNames() {
        using llmlab::modelDisplayName;
        const std::string hub = "/home/u/.cache/huggingface/hub/";
        QCOMPARE(modelDisplayName(hub + "models--Qwen--Qwen2.5-0.5B/snapshots/abc123"),
                 std::string("Qwen/Qwen2.5-0.5B"));
        QCOMPARE(modelDisplayName(hub + "models--Qwen--Qwen2.5-0.5B/snapshots/abc123/"),
                 std::string("Qwen/Qwen2.5-0.5B"));
        QCOMPARE(modelDisplayName(hub + "models--gpt2/snapshots/e7da7f/model.safetensors"),
                 std::string("gpt2 (model.safetensors)"));
        QCOMPARE(modelDisplayName("/models/stories260K.gguf"), std::string("stories260K.gguf"));
        QCOMPARE(modelDisplayName("/data/hf/tiny-random-gpt2/"), std::string("tiny-random-gpt2"));
    }

    void init() {
        QVERIFY(m_home.isValid());
        QDir(m_home.path()).removeRecursively();
        QDir().mkpath(m_home.path());
        qputenv("HOME", m_home.path().toLocal8Bit());
        for (const char* v : {"OLLAMA_MODELS", "HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"})
            qunsetenv(v);
    }

    void emptyHome() {
        const DiscoveryResult r = discover();
        QVERIFY(r.models.empty());
        QVERIFY(r.warnings.empty());
    }

    void ollamaInHome() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", gguf);
        const fs::path store = home() / ".ollama" / "models";
        addOllamaModel(store, "registry.ollama.ai", "library", "stories", "260k", gguf);
        addOllamaModel(store, "registry.ollama.ai", "someone", "tiny", "latest", gguf);
        addOllamaModel(store, "example.com", "ns", "tiny", "v1", gguf);
        const DiscoveryResult r = discover();
        QVERIFY2(r.warnings.empty(), joined(r.warnings).c_str());
        QCOMPARE(r.models.size(), std::size_t(3));
        QVERIFY(findModel(r, "someone/tiny:latest"));
        QVERIFY(findModel(r, "example.com/ns/tiny:v1"));
        const DiscoveredModel* m = findModel(r, "stories:260k");
        QVERIFY(m);
        QCOMPARE(m->source, std::string("ollama"));
        QCOMPARE(m->bytes, std::uint64_t(fs::file_size(gguf)));
        QVERIFY2(m->detail.find("llama 292.80K F32") != std::string::npos, m->detail.c_str());
        std::string err;
        auto file = ModelFile::open(m->path, &err);
        QVERIFY2(file, err.c_str());
        QCOMPARE(file->spec().layers, 5);
        QCOMPARE(file->spec().totalParams, std::int64_t(292800));
    }

    void ollamaModelsVariable() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", gguf);
        addOllamaModel(home() / ".ollama" / "models", "registry.ollama.ai", "library", "home",
                       "latest", gguf);
        const fs::path elsewhere = home() / "disk2" / "ollama";
        addOllamaModel(elsewhere, "registry.ollama.ai", "library", "moved", "q8", gguf);
        qputenv("OLLAMA_MODELS", QByteArray::fromStdString(elsewhere.string()));
        const DiscoveryResult r = discover();
        QCOMPARE(r.models.size(), std::size_t(1)); // OLLAMA_MODELS replaces the default store
        QCOMPARE(r.models[0].name, std::string("moved:q8"));
    }

    void brokenOllamaEntriesAreSkipped() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", gguf);
        const fs::path store = home() / ".ollama" / "models";
        addOllamaModel(store, "registry.ollama.ai", "library", "good", "latest", gguf);
        const fs::path lib = store / "manifests" / "registry.ollama.ai" / "library";
        writeFile(lib / "notjson" / "latest", "{ this is not json");
        writeFile(lib / "nolayers" / "latest", R"({"schemaVersion":2})");
        const std::string missing(64, 'e');
        writeFile(lib / "missingblob" / "latest",
                  R"({"layers":[{"mediaType":"application/vnd.ollama.image.model",)"
                  R"("digest":"sha256:)" +
                      missing + R"("}]})");
        writeFile(lib / "escape" / "latest",
                  R"({"layers":[{"mediaType":"application/vnd.ollama.image.model",)"
                  R"("digest":"sha256:../../../../etc/passwd"}]})");
        const std::string text(64, 'a');
        writeFile(store / "blobs" / ("sha256-" + text), "not a model at all");
        writeFile(lib / "notgguf" / "latest",
                  R"({"layers":[{"mediaType":"application/vnd.ollama.image.model",)"
                  R"("digest":"sha256:)" +
                      text + R"("}]})");
        writeFile(lib / "templateonly" / "latest",
                  R"({"layers":[{"mediaType":"application/vnd.ollama.image.template",)"
                  R"("digest":"sha256:)" +
                      text + R"("}]})");
        writeFile(store / "manifests" / "stray-file-at-the-wrong-depth", "x");
        const DiscoveryResult r = discover();
        QCOMPARE(r.models.size(), std::size_t(1));
        QCOMPARE(r.models[0].name, std::string("good:latest"));
        QCOMPARE(r.warnings.size(), std::size_t(6));
        for (const char* m :
             {"notjson", "nolayers", "missingblob", "escape", "notgguf", "templateonly"})
            QVERIFY2(joined(r.warnings).find(std::string("library/") + m) != std::string::npos,
                     joined(r.warnings).c_str());
    }

    void huggingFaceInHome() {
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", folder);
        const fs::path hub = home() / ".cache" / "huggingface" / "hub";
        const std::string rev = "c472d552e5f0bc0403f788ebb646b146003d98b0";
        addHfModel(hub, "models--hf-internal-testing--tiny-random-gpt2", rev, folder);
        // An older revision without weights: refs/main must win over it.
        writeFile(hub / "models--hf-internal-testing--tiny-random-gpt2" / "snapshots" / "old" /
                      "config.json",
                  "{}");
        fs::create_directories(hub / "datasets--someone--data" / "snapshots" / "x"); // ignored
        const DiscoveryResult r = discover();
        QVERIFY2(r.warnings.empty(), joined(r.warnings).c_str());
        QCOMPARE(r.models.size(), std::size_t(1));
        const DiscoveredModel& m = r.models[0];
        QCOMPARE(m.name, std::string("hf-internal-testing/tiny-random-gpt2"));
        QCOMPARE(m.source, std::string("huggingface"));
        QVERIFY(m.path.ends_with(rev));
        QCOMPARE(m.bytes, std::uint64_t(453864));
        QVERIFY2(m.detail.find("gpt2") != std::string::npos, m.detail.c_str());
        std::string err;
        auto file = ModelFile::open(m.path, &err);
        QVERIFY2(file, err.c_str());
        QCOMPARE(file->spec().layers, 5);
        QCOMPARE(file->spec().width, 32);
        QCOMPARE(file->spec().totalParams, std::int64_t(111968));
    }

    void huggingFaceNewestSnapshotWithoutRef() {
        LLMLAB_REQUIRE_FIXTURE("hf/stories260K-llama", folder);
        const fs::path hub = home() / ".cache" / "huggingface" / "hub";
        const fs::path repo = hub / "models--karpathy--stories260K";
        const fs::path old = repo / "snapshots" / "aaaa";
        writeFile(old / "config.json", "{}"); // no weights: choosing it would be skipped
        fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::hours(48));
        addHfModel(hub, "models--karpathy--stories260K", "bbbb", folder, false);
        const DiscoveryResult r = discover();
        QVERIFY2(r.warnings.empty(), joined(r.warnings).c_str());
        QCOMPARE(r.models.size(), std::size_t(1));
        QCOMPARE(r.models[0].name, std::string("karpathy/stories260K"));
        QVERIFY(r.models[0].path.ends_with("bbbb"));
        std::string err;
        auto file = ModelFile::open(r.models[0].path, &err);
        QVERIFY2(file, err.c_str());
        QCOMPARE(file->spec().kvHeads, 4);
    }

    void huggingFaceVariables_data() {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("hubUnderValue"); // where the hub is, relative to the value
        QTest::newRow("HF_HUB_CACHE") << "HF_HUB_CACHE"
                                      << "";
        QTest::newRow("HF_HOME") << "HF_HOME"
                                 << "hub";
        QTest::newRow("XDG_CACHE_HOME") << "XDG_CACHE_HOME"
                                        << "huggingface/hub";
    }
    void huggingFaceVariables() {
        QFETCH(QString, variable);
        QFETCH(QString, hubUnderValue);
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", folder);
        const fs::path value = home() / "elsewhere";
        addHfModel(value / hubUnderValue.toStdString(), "models--org--gpt2-tiny", "r1", folder);
        addHfModel(home() / ".cache" / "huggingface" / "hub", "models--org--unseen", "r1", folder);
        qputenv(variable.toLatin1().constData(), QByteArray::fromStdString(value.string()));
        const DiscoveryResult r = discover();
        QCOMPARE(r.models.size(), std::size_t(1));
        QCOMPARE(r.models[0].name, std::string("org/gpt2-tiny"));
    }

    void brokenHuggingFaceEntriesAreSkipped() {
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2", folder);
        const fs::path hub = home() / ".cache" / "huggingface" / "hub";
        addHfModel(hub, "models--ok--model", "r1", folder);
        fs::create_directories(hub / "models--no--snapshots");
        writeFile(hub / "models--only--pytorch" / "snapshots" / "r" / "config.json", "{}");
        writeFile(hub / "models--only--pytorch" / "snapshots" / "r" / "pytorch_model.bin", "x");
        const fs::path dangling = hub / "models--half--downloaded" / "snapshots" / "r";
        writeFile(dangling / "config.json", "{}");
        fs::create_symlink("../../blobs/gone", dangling / "model.safetensors");
        const fs::path badJson = hub / "models--bad--config" / "snapshots" / "r";
        writeFile(badJson / "config.json", "{ nope");
        writeFile(badJson / "model.safetensors", "x");
        const DiscoveryResult r = discover();
        QCOMPARE(r.models.size(), std::size_t(1));
        QCOMPARE(r.models[0].name, std::string("ok/model"));
        QCOMPARE(r.warnings.size(), std::size_t(4));
        for (const char* m : {"no/snapshots", "only/pytorch", "half/downloaded", "bad/config"})
            QVERIFY2(joined(r.warnings).find(m) != std::string::npos, joined(r.warnings).c_str());
    }
};

QTEST_GUILESS_MAIN(TestDiscovery)
#include "tst_discovery.moc"
