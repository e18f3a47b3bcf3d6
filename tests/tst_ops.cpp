// Per-op comparison: every op on the Vulkan backend against the CPU reference, over shapes
// that include odd sizes, with the Khronos validation layer on. One test function per op, so
// CTest lists (and runs) each op on its own: `tst_ops matmul`.
#include "OpCheck.h"
#include "TestSupport.h"
#include "cpu/CpuBackend.h"

#include <QtTest>

using namespace llmlab;

class TestOps : public QObject {
    Q_OBJECT

public:
    TestOps() : m_cpu(2) {}

private:
    void addRows(const char* op) {
        QTest::addColumn<int>("index");
        const auto cases = standardOpCases();
        for (std::size_t i = 0; i < cases.size(); ++i)
            if (cases[i].op == op) QTest::newRow(cases[i].label().c_str()) << int(i);
    }

    void check() {
        QFETCH(int, index);
        if (!m_vulkan) {
            if (test::runningInCi()) QFAIL(("no Vulkan device: " + m_why).c_str());
            QSKIP(("no Vulkan device, Vulkan op tests skipped: " + m_why).c_str());
        }
        const OpCase c = standardOpCases()[std::size_t(index)];
        const OpCheckResult r = checkOp(c, m_cpu, *m_vulkan, 1000 + std::uint64_t(index));
        std::string firstError;
        const std::size_t errors = test::validationErrors(*m_vulkan, &firstError);
        QVERIFY2(errors == 0, ("Vulkan validation error: " + firstError).c_str());
        QVERIFY2(r.passed(), QByteArray(c.label().c_str()) + ": NMSE " + QByteArray::number(r.nmse) +
                                 " above " + QByteArray::number(r.bound));
    }

    CpuBackend m_cpu;
    std::unique_ptr<Backend> m_vulkan;
    std::string m_why;

private slots:
    void initTestCase() { m_vulkan = test::makeVulkanBackend(&m_why); }

    void matmul_data() { addRows("matmul"); }
    void matmul() { check(); }
    void add_data() { addRows("add"); }
    void add() { check(); }
    void mul_data() { addRows("mul"); }
    void mul() { check(); }
    void scale_data() { addRows("scale"); }
    void scale() { check(); }
    void embedding_data() { addRows("embedding"); }
    void embedding() { check(); }
    void rms_norm_data() { addRows("rms_norm"); }
    void rms_norm() { check(); }
    void layer_norm_data() { addRows("layer_norm"); }
    void layer_norm() { check(); }
    void rope_data() { addRows("rope"); }
    void rope() { check(); }
    void softmax_data() { addRows("softmax"); }
    void softmax() { check(); }
    void attn_scores_data() { addRows("attn_scores"); }
    void attn_scores() { check(); }
    void attn_values_data() { addRows("attn_values"); }
    void attn_values() { check(); }
    void attention_data() { addRows("attention"); }
    void attention() { check(); }
    void silu_data() { addRows("silu"); }
    void silu() { check(); }
    void gelu_data() { addRows("gelu"); }
    void gelu() { check(); }
    void relu_data() { addRows("relu"); }
    void relu() { check(); }
    void swiglu_data() { addRows("swiglu"); }
    void swiglu() { check(); }

    // Every op of the standard cases has a test function above.
    void everyOpIsTested() {
        const QStringList tested = {"matmul", "add", "mul", "scale", "embedding", "rms_norm",
                                    "layer_norm", "rope", "softmax", "attn_scores", "attn_values",
                                    "attention", "silu", "gelu", "relu", "swiglu"};
        for (const OpCase& c : standardOpCases())
            QVERIFY2(tested.contains(QString::fromStdString(c.op)), c.op.c_str());
    }
};

QTEST_GUILESS_MAIN(TestOps)
#include "tst_ops.moc"
