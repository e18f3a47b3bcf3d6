// Tokenizers built from GGUF metadata against llama.cpp's conformance suites (the vocab-only
// GGUFs beside their .inp/.out files), plus stories260K.gguf and broken metadata.
#include "TestSupport.h"
#include "formats/Metadata.h"
#include "tokenizers/Tokenizer.h"

#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

using namespace llmlab;

namespace {

// `.inp`: inputs separated by "\n__ggml_vocab_test__\n"; `.out`: " id id ..." per input.
std::vector<std::string> readInputs(const std::string& path) {
    const std::string inp = test::readFile(path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> inputs;
    std::size_t start = 0;
    for (std::size_t at; (at = inp.find(sep, start)) != std::string::npos; start = at + sep.size())
        inputs.push_back(inp.substr(start, at - start));
    if (start < inp.size()) inputs.push_back(inp.substr(start));
    return inputs;
}

std::vector<std::vector<std::int32_t>> readExpected(const std::string& path) {
    std::vector<std::vector<std::int32_t>> all;
    std::istringstream out(test::readFile(path));
    for (std::string line; std::getline(out, line);) {
        std::vector<std::int32_t> ids;
        std::istringstream words(line);
        for (std::int32_t id; words >> id;) ids.push_back(id);
        all.push_back(std::move(ids));
    }
    return all;
}

QString idList(const std::vector<std::int32_t>& ids) {
    QStringList parts;
    for (const auto id : ids) parts << QString::number(id);
    return parts.join(' ');
}

MetaValue strings(std::vector<std::string> v) {
    MetaArray a;
    a.elementType = MetaType::String;
    a.strings = std::move(v);
    return MetaValue::array(std::move(a));
}

} // namespace

class TstTokenizersGguf : public QObject {
    Q_OBJECT

private slots:
    // Every suite whose tokenizer kind is implemented; bert-bge (WordPiece) is not.
    void conformance_data() {
        QTest::addColumn<QString>("vocab"); // GGUF under the fixtures folder
        QTest::addColumn<QString>("suite"); // llama.cpp-vocab/ggml-vocab-<suite>.gguf.inp/.out
        for (const char* name : {"gpt-2", "llama-spm", "phi-3", "deepseek-coder", "deepseek-llm",
                                 "falcon", "mpt", "refact", "starcoder"})
            QTest::newRow(name) << QString("llama.cpp-vocab/ggml-vocab-%1.gguf").arg(name) << name;
        // Its vocabulary is Llama 2's, the same as llama-spm's.
        QTest::newRow("llama-2-tiny-random")
            << QString("gguf/llama-2-tiny-random.gguf") << QString("llama-spm");
    }

    void conformance() {
        QFETCH(QString, vocab);
        QFETCH(QString, suite);
        const std::string base = "llama.cpp-vocab/ggml-vocab-" + suite.toStdString() + ".gguf";
        LLMLAB_REQUIRE_FIXTURE(vocab.toStdString(), gguf);
        LLMLAB_REQUIRE_FIXTURE(base + ".inp", inp);
        LLMLAB_REQUIRE_FIXTURE(base + ".out", out);
        const Tokenizer t = Tokenizer::fromGgufFile(gguf);
        const auto inputs = readInputs(inp);
        const auto expected = readExpected(out);
        QCOMPARE(inputs.size(), expected.size());
        QCOMPARE(inputs.size(), std::size_t(46));
        int failed = 0;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            // As llama.cpp's test-tokenizer-0: no BOS/EOS, special-token text stays text.
            const auto ids = t.encode(inputs[i]);
            if (ids != expected[i]) {
                ++failed;
                qWarning("case %zu %s:\n  got      %s\n  expected %s", i,
                         QByteArray::fromStdString(inputs[i]).toPercentEncoding(" ").constData(),
                         qPrintable(idList(ids)), qPrintable(idList(expected[i])));
            }
            if (t.decode(ids) != inputs[i]) {
                ++failed;
                qWarning("case %zu does not round-trip", i);
            }
        }
        QCOMPARE(failed, 0);
    }

    void wordPieceIsRefused() {
        LLMLAB_REQUIRE_FIXTURE("llama.cpp-vocab/ggml-vocab-bert-bge.gguf", gguf);
        try {
            Tokenizer::fromGgufFile(gguf);
            QFAIL("a WordPiece vocabulary was accepted");
        } catch (const TokenizerError& e) {
            QVERIFY2(QString(e.what()).contains("'bert' is not supported"), e.what());
        }
    }

    void storiesGguf() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", gguf);
        const Tokenizer t = Tokenizer::fromGgufFile(gguf);
        QCOMPARE(t.kind(), TokenizerKind::SentencePieceBpe);
        QCOMPARE(t.vocabSize(), 512);
        QCOMPARE(t.bosId(), 1);
        QCOMPARE(t.eosId(), 2);
        const auto ids = t.encode("Once upon a time", {.addSpecial = true});
        QCOMPARE(ids, (std::vector<std::int32_t>{1, 403, 407, 261, 378}));
        QCOMPARE(t.decode(ids, {.renderSpecial = false}), std::string("Once upon a time"));
        // The same ids as the llama2.c tokenizer file gives.
        LLMLAB_REQUIRE_FIXTURE("llama2c/stories260K/tok512.bin", bin);
        const Tokenizer b = Tokenizer::fromLlama2c(bin);
        const std::string text = "The cat saw a big dog. \xF0\x9F\x90\xB6 \"Hi!\" she said.";
        QCOMPARE(t.encode(text), b.encode(text));
    }

    void gpt2SpecialsAndChat() {
        LLMLAB_REQUIRE_FIXTURE("llama.cpp-vocab/ggml-vocab-gpt-2.gguf", gguf);
        const Tokenizer t = Tokenizer::fromGgufFile(gguf);
        QCOMPARE(t.eosId(), 50256);
        QCOMPARE(t.encode("<|endoftext|>", {.parseSpecial = true}),
                 (std::vector<std::int32_t>{50256}));
        QVERIFY(t.encode("<|endoftext|>").size() > 1);
        QCOMPARE(t.chatTemplate(), ChatTemplateKind::None);
        const ChatMessage m{"user", "Hi"};
        QCOMPARE(t.renderChat({&m, 1}), std::string("<|im_start|>user\nHi<|im_end|>\n"
                                                    "<|im_start|>assistant\n"));
    }

    void badMetadata_data() {
        QTest::addColumn<int>("fault");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no tokenizer") << 0 << "no 'tokenizer.ggml.model'";
        QTest::newRow("unknown kind") << 1 << "'t5' is not supported";
        QTest::newRow("no tokens") << 2 << "'tokenizer.ggml.tokens' is missing";
        QTest::newRow("scores short") << 3 << "1 scores for 3 tokens";
        QTest::newRow("merge unknown") << 4 << "names 'c', which is not in the vocabulary";
        QTest::newRow("unknown pre") << 5 << "unsupported pre-tokenizer 'martian'";
        QTest::newRow("tokens wrong type") << 6 << "'tokenizer.ggml.tokens' is missing";
    }

    void badMetadata() {
        QFETCH(int, fault);
        QFETCH(QString, expected);
        Metadata meta;
        const bool spm = fault == 3;
        if (fault != 0)
            meta.set("tokenizer.ggml.model", MetaValue::string(fault == 1 ? "t5"
                                                               : spm      ? "llama"
                                                                          : "gpt2"));
        if (fault == 6)
            meta.set("tokenizer.ggml.tokens", MetaValue::string("a"));
        else if (fault != 2)
            meta.set("tokenizer.ggml.tokens", strings({"a", "b", "ab"}));
        if (spm) {
            MetaArray scores;
            scores.elementType = MetaType::Float32;
            scores.floats = {0.0};
            meta.set("tokenizer.ggml.scores", MetaValue::array(scores));
        }
        meta.set("tokenizer.ggml.merges", strings({fault == 4 ? "a c" : "a b"}));
        if (fault == 5) meta.set("tokenizer.ggml.pre", MetaValue::string("martian"));
        try {
            Tokenizer::fromGguf(meta, "broken.gguf");
            QFAIL("broken metadata was accepted");
        } catch (const TokenizerError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.startsWith("broken.gguf: "), qPrintable(message));
            QVERIFY2(message.contains(expected), qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(TstTokenizersGguf)
#include "tst_tokenizers_gguf.moc"
