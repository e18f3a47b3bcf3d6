// llmlab-cli inspect and models, run as the real binary (LLMLAB_CLI, set by CTest): the text a
// person reads, the JSON a script parses, and readable failures with exit code 1.
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run runCli(const QStringList& args,
           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("LLMLAB_CLI"), args);
    Run r;
    if (!p.waitForFinished(60000)) return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace

class TestCliInspect : public QObject {
    Q_OBJECT

private slots:
    // A tokenizer without a model: a tokenizer.json, a folder holding one, a vocab-only GGUF.
    void tokenizeWithATokenizerAlone_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("first");
        QTest::newRow("tokenizer.json") << "tokenizers/qwen-bpe/tokenizer.json"
                                        << "151644";
        QTest::newRow("tokenizer folder") << "tokenizers/qwen-bpe"
                                          << "151644";
        QTest::newRow("vocab-only gguf") << "llama.cpp-vocab/ggml-vocab-llama-spm.gguf"
                                         << "1";
    }
    void tokenizeWithATokenizerAlone() {
        QFETCH(QString, path);
        QFETCH(QString, first);
        LLMLAB_REQUIRE_FIXTURE(path.toStdString(), full);
        const Run r = runCli(
            {"tokenize", QString::fromStdString(full), "--prompt", "<|im_start|>user hello"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.split('\n').first().trimmed().section(' ', 0, 0), first);
        QVERIFY(r.out.contains("tokens"));
    }

    // Special tokens typed in text are their control token (as Hugging Face does by default);
    // --plain-special spells them out.
    void specialTokensInText() {
        LLMLAB_REQUIRE_FIXTURE("tokenizers/qwen-bpe/tokenizer.json", path);
        const QString text = "<|im_start|>user\nhi<|im_end|>";
        const Run parsed = runCli({"tokenize", QString::fromStdString(path), "--prompt", text});
        QCOMPARE(parsed.exitCode, 0);
        QStringList ids;
        for (const QString& line : parsed.out.split('\n', Qt::SkipEmptyParts))
            if (!line.startsWith('#')) ids << line.trimmed().section(' ', 0, 0);
        QCOMPARE(ids.first(), QString("151644")); // <|im_start|>
        QCOMPARE(ids.last(), QString("151645"));  // <|im_end|>
        const Run plain =
            runCli({"tokenize", QString::fromStdString(path), "--prompt", text, "--plain-special"});
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(!plain.out.contains("151644"));
        QVERIFY(plain.out.count('\n') > parsed.out.count('\n'));
    }

    void initTestCase() {
        if (qEnvironmentVariable("LLMLAB_CLI").isEmpty())
            QSKIP("LLMLAB_CLI is not set (run through CTest)");
    }

    void inspectText() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const Run r = runCli({"inspect", QString::fromStdString(path)});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("layers: 5\n"), qPrintable(r.out));
        QVERIFY(r.out.contains("heads: 8 (KV 4, head dim 8)"));
        QVERIFY(r.out.contains("parameters: 292.8K (292800)"));
        QVERIFY(r.out.contains(QRegularExpression("mlp +165120 +56\\.4%")));
        QVERIFY(r.out.contains(QRegularExpression("blk\\.4\\.ffn_down\\.weight +F32 +\\[64, 172\\] "
                                                  "+11008 +44032")));
        QVERIFY(r.err.isEmpty());
    }

    void inspectTensorsOnly() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const Run r = runCli({"inspect", QString::fromStdString(path), "--tensors"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed().split('\n').size(), 1 + 48); // header + one line per tensor
    }

    void inspectJson() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const Run r = runCli({"inspect", QString::fromStdString(path), "--json"});
        QCOMPARE(r.exitCode, 0);
        QJsonParseError e;
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8(), &e).object();
        QVERIFY2(e.error == QJsonParseError::NoError, qPrintable(e.errorString()));
        QCOMPARE(o["format"].toString(), QString("GGUF"));
        const QJsonObject spec = o["spec"].toObject();
        QCOMPARE(spec["layers"].toInt(), 5);
        QCOMPARE(spec["width"].toInt(), 64);
        QCOMPARE(spec["kvHeads"].toInt(), 4);
        QCOMPARE(spec["totalParams"].toInteger(), 292800);
        QCOMPARE(spec["family"].toString(), QString("llama"));
        QCOMPARE(spec["paramsPerLayer"].toArray().size(), 5);
        const QJsonObject totals = o["paramShare"].toObject()["totals"].toObject();
        QCOMPARE(totals["mlp"].toObject()["params"].toInteger(), 165120);
        QCOMPARE(totals["embeddings"].toObject()["params"].toInteger(), 32768);
        QCOMPARE(o["paramShare"].toObject()["layers"].toArray().size(), 5);
        const QJsonArray tensors = o["tensors"].toArray();
        QCOMPARE(tensors.size(), 48);
        const QJsonObject embd = tensors[0].toObject();
        QCOMPARE(embd["name"].toString(), QString("token_embd.weight"));
        QCOMPARE(embd["shape"].toArray(), (QJsonArray{512, 64}));
        QCOMPARE(embd["bytes"].toInteger(), 131072);
    }

    void inspectStatsQuantized() {
        LLMLAB_REQUIRE_FIXTURE("gguf/quant/random-256-Q8_0.gguf", path);
        const QString file = QString::fromStdString(path);
        const Run r = runCli({"inspect", file, "--stats", "blk.0.ffn_down.weight", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["count"].toInteger(), 256 * 768);
        QCOMPARE(o["rowNorms"].toArray().size(), 256);
        qint64 inBins = 0;
        for (const auto& c : o["histogram"].toArray()) inBins += c.toInteger();
        QCOMPARE(inBins, 256 * 768);
        QVERIFY(o["std"].toDouble() > 0.01 && o["std"].toDouble() < 0.05);
        const Run text =
            runCli({"inspect", file, "--stats", "blk.0.ffn_down.weight", "--bins", "8"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("Q8_0 [256, 768]"));
        QCOMPARE(text.out.count("\n  ["), 8);
    }

    void badInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("code"); // 1: the work failed; 2: the command line is wrong
        QTest::newRow("no path") << QStringList{"inspect"} << "give the model" << 1;
        QTest::newRow("missing file")
            << QStringList{"inspect", "/nonexistent/model.gguf"} << "/nonexistent/model.gguf" << 1;
        QTest::newRow("not a model")
            << QStringList{"inspect", "@FIXTURES@/corpus/tinyshakespeare.txt"}
            << "tinyshakespeare.txt" << 1;
        QTest::newRow("unknown tensor")
            << QStringList{"inspect", "@FIXTURES@/gguf/stories260K.gguf", "--stats", "nope"}
            << "no tensor named 'nope'" << 1;
        QTest::newRow("bad bins") << QStringList{"inspect", "@FIXTURES@/gguf/stories260K.gguf",
                                                 "--stats", "output.weight",
                                                 "--bins",  "x"}
                                  << "--bins takes a whole number" << 2;
    }
    void badInput() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QFETCH(int, code);
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", unused);
        args.replaceInStrings("@FIXTURES@", QString::fromStdString(llmlab::test::fixturesDir()));
        const Run r = runCli(args);
        QCOMPARE(r.exitCode, code);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1); // one sentence, one line
    }

    void modelsListsFakeStore() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        QTemporaryDir home;
        const QString store = home.path() + "/.ollama/models";
        QVERIFY(QDir().mkpath(store + "/blobs"));
        QVERIFY(QDir().mkpath(store + "/manifests/registry.ollama.ai/library/stories"));
        const QString hex(64, 'f');
        QVERIFY(QFile::copy(QString::fromStdString(path), store + "/blobs/sha256-" + hex));
        QFile manifest(store + "/manifests/registry.ollama.ai/library/stories/260k");
        QVERIFY(manifest.open(QIODevice::WriteOnly));
        manifest.write(R"({"layers":[{"mediaType":"application/vnd.ollama.image.model",)"
                       R"("digest":"sha256:)" +
                       hex.toUtf8() + R"(","size":1185376}]})");
        manifest.close();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", home.path());
        for (const char* v : {"OLLAMA_MODELS", "HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"})
            env.remove(v);
        const Run r = runCli({"models"}, env);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QRegularExpression("stories:260k +ollama +1\\.1 MiB")),
                 qPrintable(r.out));
        const Run j = runCli({"models", "--json"}, env);
        const QJsonArray list = QJsonDocument::fromJson(j.out.toUtf8())["models"].toArray();
        QVERIFY(!list.isEmpty());
        bool found = false;
        for (const auto& m : list)
            found = found || (m.toObject()["name"].toString() == "stories:260k" &&
                              m.toObject()["path"].toString().endsWith("sha256-" + hex));
        QVERIFY(found);
    }
};

QTEST_GUILESS_MAIN(TestCliInspect)
#include "tst_cli_inspect.moc"
