// The Vulkan backend itself: device creation and listing, a few ops against hand-computed
// values, resubmission with new inputs, and a validation-clean run. The per-op comparison
// against the CPU reference is tst_ops.
#include "Graph.h"
#include "OpCheck.h"
#include "TestSupport.h"
#include "cpu/CpuBackend.h"
#include "vulkan/VulkanBackend.h"
#include "vulkan/VulkanOps.h"

#include <QtTest>

#include <cmath>
#include <random>

namespace {

using namespace llmlab;

/// A small pre-norm transformer block (GQA attention with RoPE, SwiGLU MLP): many ops in a
/// chain, so the recorded barriers and buffer reuse across runs are exercised.
struct Block {
    Graph g;
    NodeId ids, pos, probs, out;
};

Block makeBlock(std::mt19937& rng) {
    const int t = 9, d = 48, heads = 4, kvHeads = 2, hd = 12, ff = 80, vocab = 50;
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    auto weight = [&](Graph& g, const char* name, Shape shape) {
        std::vector<float> v(std::size_t(shape.numel()));
        for (float& x : v) x = u(rng);
        return g.constant(name, Tensor::fromFloats(shape, v));
    };
    Block b;
    Graph& g = b.g;
    b.ids = g.input("ids", Shape{t}, DType::I32);
    b.pos = g.input("pos", Shape{t}, DType::I32);
    NodeId x = g.embedding(weight(g, "emb", Shape{vocab, d}), b.ids);
    NodeId h = g.rmsNorm(x, weight(g, "n1", Shape{d}), 1e-5f);
    NodeId q = g.rope(g.matmul(h, weight(g, "wq", Shape{heads * hd, d}), true), b.pos, heads, hd,
                      10000.0f, RopeLayout::RotateHalf);
    NodeId k = g.rope(g.matmul(h, weight(g, "wk", Shape{kvHeads * hd, d}), true), b.pos, kvHeads,
                      hd, 10000.0f, RopeLayout::RotateHalf);
    NodeId v = g.matmul(h, weight(g, "wv", Shape{d, kvHeads * hd}));
    AttentionNodes a = g.attention(q, k, v, heads, kvHeads, hd, true);
    x = g.add(x, g.matmul(a.output, weight(g, "wo", Shape{heads * hd, d})));
    h = g.layerNorm(x, weight(g, "n2", Shape{d}), weight(g, "b2", Shape{d}), 1e-5f);
    NodeId up = g.matmul(h, weight(g, "up", Shape{d, ff}));
    NodeId gate = g.gelu(g.matmul(h, weight(g, "gate", Shape{d, ff})));
    NodeId mlp =
        g.matmul(g.swiglu(gate, g.mul(up, g.scale(up, 0.5f))), weight(g, "down", Shape{ff, d}));
    b.out = g.add(x, g.silu(g.relu(mlp)));
    b.probs = a.probs;
    g.capture(b.probs);
    g.capture(b.out);
    return b;
}

} // namespace

using namespace llmlab;

class TestVulkanBackend : public QObject {
    Q_OBJECT

    std::unique_ptr<VulkanBackend> m_vk;
    std::string m_why;

    bool requireDevice() {
        if (m_vk) return true;
        const std::string msg = "no Vulkan device, Vulkan backend tests skipped: " + m_why;
        if (test::runningInCi())
            QTest::qFail(msg.c_str(), __FILE__, __LINE__);
        else
            QTest::qSkip(msg.c_str(), __FILE__, __LINE__);
        return false;
    }

    void expectNoValidationErrors() {
        const auto messages = m_vk->validationMessages();
        QVERIFY2(m_vk->validationErrorCount() == 0,
                 messages.empty() ? "?" : messages.front().c_str());
    }

private slots:
    void initTestCase() {
        VulkanBackend::Options options; // device and validation from the environment (CTest)
        m_vk = VulkanBackend::create(options, &m_why);
    }

    void createsDevice() {
        if (!requireDevice()) return;
        QCOMPARE(m_vk->name(), std::string("vulkan"));
        QVERIFY(!m_vk->deviceName().empty());
        qInfo("device: %s, validation %s", m_vk->deviceName().c_str(),
              m_vk->validationEnabled() ? "on" : "off");
    }

    void listsDevices() {
        if (!requireDevice()) return;
        const auto devices = listVulkanDevices();
        QVERIFY(!devices.empty());
        for (const DeviceInfo& d : devices) {
            QCOMPARE(d.backend, std::string("vulkan"));
            QVERIFY(!d.name.empty());
            QVERIFY(!d.driver.empty());
            QVERIFY(d.apiVersion.find('.') != std::string::npos);
            QVERIFY(d.limits.size() >= 9);
            qInfo("%d: %s (%s), %s, Vulkan %s", d.index, d.name.c_str(), d.type.c_str(),
                  d.driver.c_str(), d.apiVersion.c_str());
        }
    }

    void badDeviceIndexIsAnError() {
        if (!requireDevice()) return;
        VulkanBackend::Options options;
        options.deviceIndex = 99;
        std::string why;
        QVERIFY(!VulkanBackend::create(options, &why));
        QVERIFY2(why.find("99") != std::string::npos, why.c_str());
    }

    void matmulAndAddByHand() {
        if (!requireDevice()) return;
        Graph g;
        NodeId a = g.input("a", Shape{2, 3});
        const std::vector<float> bv{1, 2, 3, 4, 5, 6}; // [3,2]
        NodeId b = g.constant("b", Tensor::fromFloats(Shape{3, 2}, bv));
        NodeId c = g.matmul(a, b);
        NodeId bias = g.constant("bias", Tensor::fromFloats(Shape{2}, std::vector<float>{10, 20}));
        NodeId d = g.add(c, bias);
        NodeId bt =
            g.constant("bt", Tensor::fromFloats(Shape{2, 3}, std::vector<float>{1, 3, 5, 2, 4, 6}));
        NodeId e = g.matmul(a, bt, true); // the same product with b given transposed
        g.capture(c);
        g.capture(d);
        g.capture(e);
        auto exe = m_vk->compile(g);
        const std::vector<float> av{1, 0, -1, 2, 1, 0};
        exe->setInput(a, std::span<const float>(av));
        exe->run();
        // [1 0 -1] . cols -> (1-5, 2-6) = (-4, -4); [2 1 0] -> (2+3, 4+4) = (5, 8)
        const std::vector<float> want{-4, -4, 5, 8};
        QCOMPARE(exe->read(c), want);
        QCOMPARE(exe->read(e), want);
        QCOMPARE(exe->read(d), (std::vector<float>{6, 16, 15, 28}));
        QCOMPARE(exe->read(a), av);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, exe->read(b)); // not captured
        expectNoValidationErrors();
    }

    void softmaxCausalAndEmbeddingByHand() {
        if (!requireDevice()) return;
        Graph g;
        NodeId x = g.input("x", Shape{2, 2});
        NodeId p = g.softmax(x, -1, true);
        NodeId ids = g.input("ids", Shape{3}, DType::I32);
        NodeId table =
            g.constant("t", Tensor::fromFloats(Shape{2, 2}, std::vector<float>{1, 2, 3, 4}));
        NodeId emb = g.embedding(table, ids);
        g.capture(p);
        g.capture(emb);
        auto exe = m_vk->compile(g);
        const std::vector<float> xv{0, 5, std::log(3.0f), 0};
        const std::vector<std::int32_t> idv{1, 7, 0}; // 7 is out of range: a zero row
        exe->setInput(x, std::span<const float>(xv));
        exe->setInput(ids, std::span<const std::int32_t>(idv));
        exe->run();
        const auto pv = exe->read(p);
        QCOMPARE(pv[0], 1.0f);
        QCOMPARE(pv[1], 0.0f); // masked: exactly zero
        QVERIFY(std::abs(pv[2] - 0.75f) < 1e-6f);
        QVERIFY(std::abs(pv[3] - 0.25f) < 1e-6f);
        QCOMPARE(exe->read(emb), (std::vector<float>{3, 4, 0, 0, 1, 2}));
        expectNoValidationErrors();
    }

    void resubmitsWithNewInputs() {
        if (!requireDevice()) return;
        Graph g;
        NodeId x = g.input("x", Shape{4, 33});
        NodeId w = g.constant("w", Tensor::fromFloats(Shape{33}, std::vector<float>(33, 2.0f)));
        NodeId y = g.relu(g.scale(g.rmsNorm(x, w, 0.0f), 1.5f));
        g.capture(y);
        auto exe = m_vk->compile(g);
        for (int run = 1; run <= 3; ++run) {
            std::vector<float> xv(4 * 33);
            for (std::size_t i = 0; i < xv.size(); ++i)
                xv[i] = float(run) * ((i % 2) ? -1.0f : 1.0f); // rms = run, so x/rms = +-1
            exe->setInput(x, std::span<const float>(xv));
            exe->run();
            const auto out = exe->read(y);
            for (std::size_t i = 0; i < out.size(); ++i)
                QVERIFY2(std::abs(out[i] - ((i % 2) ? 0.0f : 3.0f)) < 1e-5f,
                         qPrintable(QString("run %1, element %2: %3").arg(run).arg(i).arg(out[i])));
        }
        expectNoValidationErrors();
    }

    // Both memory paths: mapped device memory (lavapipe) and staging copies (discrete GPUs).
    void blockMatchesCpu_data() {
        QTest::addColumn<bool>("forceStaging");
        QTest::newRow("mapped") << false;
        QTest::newRow("staging") << true;
    }

    void blockMatchesCpu() {
        if (!requireDevice()) return;
        QFETCH(bool, forceStaging);
        VulkanBackend::Options options;
        options.forceStaging = forceStaging;
        std::string why;
        auto vk = VulkanBackend::create(options, &why);
        QVERIFY2(vk, why.c_str());
        std::mt19937 rng(7);
        const Block b = makeBlock(rng);
        CpuBackend cpu(2);
        auto ref = cpu.compile(b.g);
        auto exe = vk->compile(b.g);
        for (int run = 0; run < 3; ++run) { // new inputs each run: outputs must follow
            std::vector<std::int32_t> ids(9), pos(9);
            for (int i = 0; i < 9; ++i) {
                ids[std::size_t(i)] = std::int32_t((i * 7 + run * 13) % 50);
                pos[std::size_t(i)] = 1000 * run + i;
            }
            for (Executable* e : {ref.get(), exe.get()}) {
                e->setInput(b.ids, std::span<const std::int32_t>(ids));
                e->setInput(b.pos, std::span<const std::int32_t>(pos));
                e->run();
            }
            // F32 on both sides; the error is summation order and a few ulp of exp/sin/cos.
            const double outErr = nmse(ref->read(b.out), exe->read(b.out));
            const double probErr = nmse(ref->read(b.probs), exe->read(b.probs));
            QVERIFY2(outErr < 1e-7,
                     qPrintable(QString("run %1: output NMSE %2").arg(run).arg(outErr)));
            QVERIFY2(probErr < 1e-7,
                     qPrintable(QString("run %1: probs NMSE %2").arg(run).arg(probErr)));
        }
        const auto messages = vk->validationMessages();
        QVERIFY2(vk->validationErrorCount() == 0,
                 messages.empty() ? "?" : messages.front().c_str());
    }

    void blockMatvecWhereSubgroupsAllow() {
        // Q4_0/Q8_0/Q4_K/Q6_K weights times a few rows read whole blocks with subgroup sums
        // when the device has subgroup arithmetic (lavapipe does), the per-value shader when
        // not (LLMLAB_VULKAN_SUBGROUPS=0; vulkan_op_no_subgroups checks its values) and for
        // the other packed types; a prompt's many rows take the tiled matmul.
        for (const auto& [type, blocks] : {std::pair{DType::Q4_K, true}, {DType::Q6_K, true},
                                           {DType::Q8_0, true}, {DType::Q4_0, true},
                                           {DType::Q5_K, false}, {DType::F16, false}}) {
            for (std::int64_t rows : {1, 8, 9}) {
                Graph g;
                const NodeId x = g.input("x", Shape{rows, 512});
                const NodeId w = g.constant("w", Tensor::zeros(type, Shape{67, 512}));
                const NodeId y = g.matmul(x, w, true);
                vk::KernelConfig cfg;
                cfg.subgroupSize = 8;
                for (bool subgroups : {true, false}) {
                    cfg.subgroupArithmetic = subgroups;
                    const std::string shader = vk::planDispatch(g, y, cfg).key.shader;
                    const std::string suffix = vk::packedWeightSuffix(type);
                    const std::string want = rows > 8                ? "matmul_transb_" + suffix
                                             : subgroups && blocks ? "matvec_blocks_" + suffix
                                                                   : "matvec_" + suffix;
                    QCOMPARE(shader, want);
                }
            }
        }
        // F32 weights too, whether constant or not, any K.
        for (std::int64_t k : {512, 100}) {
            Graph g;
            const NodeId x = g.input("x", Shape{3, k});
            const NodeId w = g.input("w", Shape{67, k});
            const NodeId y = g.matmul(x, w, true);
            vk::KernelConfig cfg;
            cfg.subgroupArithmetic = true;
            QCOMPARE(vk::planDispatch(g, y, cfg).key.shader, std::string("matvec_blocks_f32"));
        }
    }

    void bigInputsAreRefusedInWords() {
        if (!requireDevice()) return;
        Graph g;
        NodeId x = g.input("huge", Shape{1 << 15, 1 << 15}); // 4 GiB of floats
        g.capture(g.relu(x));
        try {
            m_vk->compile(g);
            QFAIL("a 4 GiB tensor compiled");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("huge") != std::string::npos, e.what());
        }
        expectNoValidationErrors();
    }

    void cleanupTestCase() {
        if (m_vk) expectNoValidationErrors();
    }
};

QTEST_GUILESS_MAIN(TestVulkanBackend)
#include "tst_vulkan_backend.moc"
