// Tokenizers against llama.cpp's conformance suites (ids produced by Hugging Face's
// tokenizers), plus round trips, streaming and broken files.
#include "TestSupport.h"
#include "tokenizers/Tokenizer.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

using namespace llmlab;
namespace test = llmlab::test;

namespace {

// `.inp`: inputs separated by "\n__ggml_vocab_test__\n" (a non-empty remainder after the last
// separator is one more input). `.out`: one line of " id id ..." per input.
struct Suite {
    std::vector<std::string> inputs;
    std::vector<std::vector<std::int32_t>> expected;
};

Suite readSuite(const std::string& inpPath, const std::string& outPath) {
    Suite s;
    const std::string inp = test::readFile(inpPath);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::size_t start = 0;
    for (std::size_t at; (at = inp.find(sep, start)) != std::string::npos; start = at + sep.size())
        s.inputs.push_back(inp.substr(start, at - start));
    if (start < inp.size()) s.inputs.push_back(inp.substr(start));
    std::istringstream out(test::readFile(outPath));
    for (std::string line; std::getline(out, line);) {
        std::vector<std::int32_t> ids;
        std::istringstream words(line);
        for (std::int32_t id; words >> id;) ids.push_back(id);
        s.expected.push_back(std::move(ids));
    }
    return s;
}

QString idList(const std::vector<std::int32_t>& ids) {
    QStringList parts;
    for (const auto id : ids) parts << QString::number(id);
    return parts.join(' ');
}

// Loads each tokenizer once per process: the Qwen and Llama 3 vocabularies take a moment.
const Tokenizer& cached(const std::string& key, const std::function<Tokenizer()>& make) {
    static std::map<std::string, Tokenizer> tokenizers;
    auto it = tokenizers.find(key);
    if (it == tokenizers.end()) it = tokenizers.emplace(key, make()).first;
    return it->second;
}

// A fixture path, or "" after recording a skip (a failure with CI=true); for helpers that
// cannot use LLMLAB_REQUIRE_FIXTURE because they return a value.
std::string fixture(const std::string& relative) {
    std::string path, why;
    if (test::fixtureAvailable(relative, &path, &why)) return path;
    if (test::runningInCi())
        QTest::qFail(why.c_str(), __FILE__, __LINE__);
    else
        QTest::qSkip(why.c_str(), __FILE__, __LINE__);
    return {};
}

std::string writeTemp(const std::string& name, const std::string& content) {
    const auto path = std::filesystem::temp_directory_path() / ("llmlab-tok-" + name);
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

} // namespace

class TstTokenizers : public QObject {
    Q_OBJECT

private:
    // Runs every case of `suite` and reports each mismatch with its input.
    void runSuite(const Tokenizer& t, const std::string& name) {
        LLMLAB_REQUIRE_FIXTURE("llama.cpp-vocab/ggml-vocab-" + name + ".gguf.inp", inp);
        LLMLAB_REQUIRE_FIXTURE("llama.cpp-vocab/ggml-vocab-" + name + ".gguf.out", out);
        const Suite s = readSuite(inp, out);
        QCOMPARE(s.inputs.size(), s.expected.size());
        QVERIFY(s.inputs.size() >= 46);
        int failed = 0;
        for (std::size_t i = 0; i < s.inputs.size(); ++i) {
            const auto ids = t.encode(s.inputs[i]);
            if (ids != s.expected[i]) {
                ++failed;
                qWarning("%s case %zu %s:\n  got      %s\n  expected %s", name.c_str(), i,
                         QByteArray::fromStdString(s.inputs[i]).toPercentEncoding(" ").constData(),
                         qPrintable(idList(ids)), qPrintable(idList(s.expected[i])));
            }
            // Whatever the ids, decoding them gives the input back.
            if (t.decode(ids) != s.inputs[i]) {
                ++failed;
                qWarning("%s case %zu does not round-trip", name.c_str(), i);
            }
        }
        QCOMPARE(failed, 0);
    }

    const Tokenizer* qwen() {
        const std::string path = fixture("tokenizers/qwen-bpe/tokenizer.json");
        if (path.empty()) return nullptr;
        return &cached("qwen", [&] { return Tokenizer::fromTokenizerJson(path); });
    }
    const Tokenizer* llama3() {
        const std::string enc = fixture("tokenizers/llama3.2-bpe/encoder.json");
        const std::string merges = enc.empty() ? "" : fixture("tokenizers/llama3.2-bpe/vocab.bpe");
        if (merges.empty()) return nullptr;
        return &cached("llama3", [&] {
            return Tokenizer::fromEncoderJson(enc, merges, ByteLevelBpeOptions::llama3());
        });
    }
    const Tokenizer* stories() {
        const std::string path = fixture("llama2c/stories260K/tok512.bin");
        if (path.empty()) return nullptr;
        return &cached("tok512", [&] { return Tokenizer::fromLlama2c(path); });
    }

private slots:
    void qwen2Suite() {
        const Tokenizer* t = qwen();
        if (!t) return;
        QCOMPARE(t->kind(), TokenizerKind::ByteLevelBpe);
        QCOMPARE(t->vocabSize(), 151643 + 26);
        runSuite(*t, "qwen2");
    }

    void llamaBpeSuite() {
        const Tokenizer* t = llama3();
        if (!t) return;
        QCOMPARE(t->vocabSize(), 128256);
        runSuite(*t, "llama-bpe");
    }

    void specialTokens() {
        const Tokenizer* q = qwen();
        if (!q) return;
        const std::string text = "<|im_start|>user\nHi<|im_end|>";
        const auto parsed = q->encode(text, {.parseSpecial = true});
        QCOMPARE(parsed.front(), 151644);
        QCOMPARE(parsed.back(), 151645);
        QCOMPARE(q->eotId(), 151645);
        QVERIFY(q->isEndOfGeneration(151645));
        // Without parseSpecial the markers are plain text.
        const auto plain = q->encode(text);
        QVERIFY(std::find(plain.begin(), plain.end(), 151644) == plain.end());
        QCOMPARE(q->decode(parsed), text);
        QCOMPARE(q->decode(plain), text);
    }

    void llama3Bos() {
        const Tokenizer* t = llama3();
        if (!t) return;
        QCOMPARE(t->bosId(), 128000);
        const auto ids = t->encode("Hello", {.addSpecial = true});
        QCOMPARE(ids.size(), std::size_t(2));
        QCOMPARE(ids[0], 128000);
        QCOMPARE(t->tokenPiece(128009), std::string("<|eot_id|>"));
        QCOMPARE(t->decode(ids, {.renderSpecial = false}), std::string("Hello"));
    }

    void chatTemplates() {
        const std::vector<ChatMessage> chat = {{"system", "Be brief."}, {"user", "Hi"}};
        const Tokenizer* q = qwen();
        if (!q) return;
        QCOMPARE(q->chatTemplate(), ChatTemplateKind::ChatMl);
        QCOMPARE(q->renderChat(chat), std::string("<|im_start|>system\nBe brief.<|im_end|>\n"
                                                  "<|im_start|>user\nHi<|im_end|>\n"
                                                  "<|im_start|>assistant\n"));
        const Tokenizer* l = llama3();
        if (!l) return;
        QCOMPARE(l->chatTemplate(), ChatTemplateKind::Llama3);
        const std::string text = l->renderChat(chat);
        QCOMPARE(text,
                 std::string("<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                             "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                             "<|start_header_id|>assistant<|end_header_id|>\n\n"));
        const auto ids = l->encode(text, {.addSpecial = true, .parseSpecial = true});
        QCOMPARE(ids[0], 128000);
        QCOMPARE(ids[1], 128006);
    }

    void roundTrip_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("nfc"); // what an NFC-normalising tokenizer (Qwen) gives back
        const auto row = [](const char* name, const QByteArray& text, const QByteArray& nfc = {}) {
            QTest::newRow(name) << text << (nfc.isNull() ? text : nfc);
        };
        row("emoji zwj", "family 👨‍👩‍👧 and 🦙");
        row("cjk", "日本語のテキストと中文");
        row("combining",
            "e\xCC\x81 vs \xC3\xA9, Zalgo Z\xCC\xB5\xCC\xA1"
            "a",
            "\xC3\xA9 vs \xC3\xA9, Zalgo Z\xCC\xB5\xCC\xA1"
            "a"); // e + U+0301 composes
        row("whitespace", "  \t\n\n  x  \r\n ");
        row("digits", "3.14159265358979 1,000,000");
        row("invalid utf8", "ok \xFF\xFE bad \xC3 lone \xE2\x82"); // left unnormalised
        row("specials as text", "<|im_start|><s></s><|eot_id|>");
    }

    void roundTrip() {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, nfc);
        const std::string s = text.toStdString();
        const Tokenizer* q = qwen();
        if (!q) return;
        QCOMPARE(q->decode(q->encode(s)), nfc.toStdString());
        const Tokenizer* l = llama3();
        if (!l) return;
        QCOMPARE(l->decode(l->encode(s)), s);
        const Tokenizer* sp = stories();
        if (!sp) return;
        QCOMPARE(sp->decode(sp->encode(s)), s); // byte fallback keeps even invalid bytes
        QCOMPARE(sp->decode(sp->encode(s, {.addSpecial = true}), {.renderSpecial = false}), s);
    }

    void streamingDecode() {
        const Tokenizer* t = qwen();
        if (!t) return;
        // '🦙' is 4 bytes; byte-level BPE may give it one token per byte, never a whole char.
        const std::string text = "A 🦙 and 日本";
        const auto ids = t->encode(text);
        StreamingDecoder stream(*t);
        std::string shown;
        for (const auto id : ids) {
            const std::string part = stream.push(id);
            QVERIFY2(part.empty() || QString::fromUtf8(part.data(), part.size()).toUtf8() ==
                                         QByteArray::fromStdString(part),
                     "the stream emitted a partial character");
            shown += part;
        }
        shown += stream.flush();
        QCOMPARE(shown, text);

        // Split a character by hand: the first two bytes of '日' alone give nothing.
        const std::int32_t e6 = *t->pieceId("æ"), first = *t->pieceId("Ĺ");
        StreamingDecoder s2(*t);
        QCOMPARE(s2.push(e6), std::string());
        QCOMPARE(s2.push(first), std::string());
        const std::int32_t last = *t->pieceId("¥"); // 0xE6 0x97 0xA5 = '日'
        QCOMPARE(s2.push(last), std::string("日"));
        QCOMPARE(s2.flush(), std::string());
    }

    void storiesOnceUponATime() {
        const Tokenizer* t = stories();
        if (!t) return;
        QCOMPARE(t->vocabSize(), 512);
        QCOMPARE(t->kind(), TokenizerKind::SentencePieceBpe);
        const auto ids = t->encode("Once upon a time", {.addSpecial = true});
        QCOMPARE(ids, (std::vector<std::int32_t>{1, 403, 407, 261, 378}));
        QCOMPARE(t->decode(ids, {.renderSpecial = false}), std::string("Once upon a time"));
        QCOMPARE(t->tokenPiece(410), std::string("\xE2\x96\x81")); // stored ' ', shown as '▁'
        QCOMPARE(t->tokenBytes(3 + 0x0A), std::string("\n"));
        StreamingDecoder stream(*t, {.renderSpecial = false});
        std::string shown;
        for (const auto id : ids) shown += stream.push(id);
        QCOMPARE(shown, std::string("Once upon a time"));
    }

    void tinyGpt2Json() { // a small vocabulary: bytes without tokens are dropped, as HF does
        LLMLAB_REQUIRE_FIXTURE("hf/tiny-random-gpt2/tokenizer.json", path);
        const Tokenizer t = Tokenizer::fromTokenizerJson(path);
        QCOMPARE(t.vocabSize(), 1000);
        QCOMPARE(t.eosId(), 0);
        const auto ids = t.encode("Hello world<|endoftext|>", {.parseSpecial = true});
        QCOMPARE(ids.back(), 0);
        QCOMPARE(t.decode(ids), std::string("Hello world<|endoftext|>"));
    }

    void badTokenizerJson_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{\"model\": ") << "not valid JSON";
        QTest::newRow("not object") << QByteArray("[1,2]") << "not a JSON object";
        QTest::newRow("no model") << QByteArray("{\"added_tokens\": []}") << "missing 'model'";
        QTest::newRow("vocab wrong type")
            << QByteArray("{\"model\": {\"type\": \"BPE\", \"vocab\": [1], \"merges\": []}}")
            << "'model.vocab' should be object";
        QTest::newRow("id wrong type")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": \"x\"}, \"merges\": []}}")
            << "not an integer id";
        QTest::newRow("merge unknown")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": "
                          "[\"a c\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}")
            << "names 'c', which is not in the vocabulary";
        QTest::newRow("merge result unknown")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [[\"a\", "
                          "\"b\"]]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}")
            << "names 'ab'";
        QTest::newRow("merge not a pair")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": [3]}}") << "merge 0";
        QTest::newRow("unigram") << QByteArray(
                                        "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}")
                                 << "not supported";
        QTest::newRow("bad regex")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": "
                          "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", "
                          "\"pattern\": {\"Regex\": \"([\"}, \"behavior\": \"Isolated\"}, "
                          "{\"type\": \"ByteLevel\", \"use_regex\": false}]}}")
            << "does not compile";
        QTest::newRow("huge id")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": 99999999999}, \"merges\": []}}")
            << "not plausible";
        QTest::newRow("added token wrong type")
            << QByteArray("{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": []}, \"added_tokens\": "
                          "[{\"id\": \"x\"}]}")
            << "added_tokens[].id";
    }

    void badTokenizerJson() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const std::string path = writeTemp("bad-tokenizer.json", json.toStdString());
        try {
            Tokenizer::fromTokenizerJson(path);
            QFAIL("a broken tokenizer.json was accepted");
        } catch (const TokenizerError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.startsWith(QString::fromStdString(path)), qPrintable(message));
            QVERIFY2(message.contains(expected), qPrintable(message));
        }
        std::filesystem::remove(path);
    }

    void badLlama2c() {
        const std::string path =
            writeTemp("bad-tok.bin", std::string("\x07\0\0\0\0\0\0\0\x50\0\0\0", 12));
        QVERIFY_THROWS_EXCEPTION(TokenizerError, Tokenizer::fromLlama2c(path));
        QVERIFY_THROWS_EXCEPTION(TokenizerError, Tokenizer::fromLlama2c(path + ".missing"));
        std::filesystem::remove(path);
    }
};

QTEST_GUILESS_MAIN(TstTokenizers)
#include "tst_tokenizers.moc"
