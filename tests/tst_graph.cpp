// The graph: shape checking at build time, execution order, capture and resubmission.
#include "Graph.h"
#include "TestSupport.h"
#include "cpu/CpuBackend.h"

#include <QtTest>

using namespace llmlab;

class TestGraph : public QObject {
    Q_OBJECT

private slots:
    // Dead intermediates give their buffers back: a chain of 30 adds holds a few buffers, not
    // 30, and computes the same (a value read late keeps its buffer until then).
    void intermediatesShareBuffers() {
        Graph g;
        const std::int64_t n = 10000;
        NodeId x = g.input("x", Shape{n});
        NodeId early = g.add(x, x); // read again at the very end
        NodeId y = early;
        for (int i = 0; i < 30; ++i) y = g.add(y, x);
        y = g.add(y, early);
        g.capture(y);
        CpuBackend cpu(1);
        auto exe = cpu.compile(g);
        std::vector<float> in(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) in[std::size_t(i)] = float(i % 7);
        exe->setInput(x, std::span<const float>(in));
        for (int run = 0; run < 2; ++run) {
            exe->run();
            const std::vector<float> out = exe->read(y);
            for (std::int64_t i = 0; i < n; ++i) QCOMPARE(out[std::size_t(i)], 34.0f * in[std::size_t(i)]);
        }
        qInfo("%llu bytes for 33 values of %lld floats", (unsigned long long)exe->bufferBytes(), (long long)n);
        QVERIFY(exe->bufferBytes() <= 5 * std::uint64_t(n) * sizeof(float));
    }

    void rejectsMismatchedShapes() {
        Graph g;
        NodeId a = g.input("a", Shape{2, 3});
        NodeId b = g.input("b", Shape{4, 5});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, g.matmul(a, b));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, g.add(a, b));
        NodeId ids = g.input("ids", Shape{3}, DType::F32);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, g.embedding(b, ids)); // ids must be I32
        NodeId q = g.input("q", Shape{5, 12});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, g.attnScores(q, q, 4, 3, 3, 1.0f));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, g.matmul(a, 99));
    }

    void shapesFollowTheOps() {
        Graph g;
        NodeId x = g.input("x", Shape{5, 8});
        NodeId w = g.input("w", Shape{6, 8});
        QCOMPARE(g.node(g.matmul(x, w, true)).shape, (Shape{5, 6}));
        NodeId k = g.input("k", Shape{9, 4});
        AttentionNodes a = g.attention(x, k, k, 2, 1, 4, true);
        QCOMPARE(g.node(a.probs).shape, (Shape{2, 5, 9}));
        QCOMPARE(g.node(a.output).shape, (Shape{5, 8}));
        QCOMPARE(g.node(a.scores).params.scale, 0.5f); // 1/sqrt(head dim)
        const auto last = g.lastUses();
        QCOMPARE(last[std::size_t(k)], a.output); // k is read by scores, v by values
    }

    void runsManyTimesWithNewInputs() {
        // x -> rmsnorm -> matmul -> silu: one compiled graph, two runs, two answers.
        Graph g;
        NodeId x = g.input("x", Shape{2, 4});
        NodeId w = g.constant("w", Tensor::fromFloats(Shape{4}, std::vector<float>{1, 1, 1, 1}));
        NodeId m = g.constant("m", Tensor::fromFloats(Shape{4, 1}, std::vector<float>{1, 1, 1, 1}));
        NodeId y = g.silu(g.matmul(g.rmsNorm(x, w, 0.0f), m));
        g.capture(y);
        CpuBackend cpu(1);
        auto exe = cpu.compile(g);
        exe->setInput(x, std::span<const float>(std::vector<float>{1, 1, 1, 1, -2, -2, -2, -2}));
        exe->run();
        auto first = exe->read(y);
        QCOMPARE(first.size(), std::size_t(2));
        QVERIFY(std::fabs(first[0] - 4.0f / (1.0f + std::exp(-4.0f))) < 1e-5f);
        QVERIFY(std::fabs(first[1] - (-4.0f) / (1.0f + std::exp(4.0f))) < 1e-5f);
        exe->setInput(x, std::span<const float>(std::vector<float>{0, 0, 0, 3, 1, 1, 1, 1}));
        exe->run();
        auto second = exe->read(y);
        QVERIFY(std::fabs(second[0] - 2.0f / (1.0f + std::exp(-2.0f))) < 1e-5f);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, exe->read(NodeId(y - 1))); // not captured
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 exe->setInput(x, std::span<const float>(std::vector<float>{1})));
    }

    void constantsKeepTheirDtype() {
        Tensor h = Tensor::zeros(DType::F16, Shape{2, 2});
        Graph g;
        NodeId c = g.constant("h", h);
        QCOMPARE(g.node(c).dtype, DType::F16);
        QCOMPARE(h.byteSize(), std::size_t(8));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Tensor::zeros(DType::Q4_K, Shape{100}));
    }
};

QTEST_GUILESS_MAIN(TestGraph)
#include "tst_graph.moc"
