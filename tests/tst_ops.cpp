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
    void matmul_packed_data() { addRows("matmul_packed"); }
    void matmul_packed() { check(); }
    void embedding_packed_data() { addRows("embedding_packed"); }
    void embedding_packed() { check(); }
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

    // Training ops (the adamw and grad_ema cases run twice, checking the state they keep).
    void relu_grad_data() { addRows("relu_grad"); }
    void relu_grad() { check(); }
    void gelu_grad_data() { addRows("gelu_grad"); }
    void gelu_grad() { check(); }
    void silu_grad_data() { addRows("silu_grad"); }
    void silu_grad() { check(); }
    void softmax_grad_data() { addRows("softmax_grad"); }
    void softmax_grad() { check(); }
    void rms_norm_grad_data() { addRows("rms_norm_grad"); }
    void rms_norm_grad() { check(); }
    void layer_norm_grad_data() { addRows("layer_norm_grad"); }
    void layer_norm_grad() { check(); }
    void column_sum_data() { addRows("column_sum"); }
    void column_sum() { check(); }
    void embedding_grad_data() { addRows("embedding_grad"); }
    void embedding_grad() { check(); }
    void attn_scores_grad_q_data() { addRows("attn_scores_grad_q"); }
    void attn_scores_grad_q() { check(); }
    void attn_scores_grad_k_data() { addRows("attn_scores_grad_k"); }
    void attn_scores_grad_k() { check(); }
    void attn_values_grad_p_data() { addRows("attn_values_grad_p"); }
    void attn_values_grad_p() { check(); }
    void attn_values_grad_v_data() { addRows("attn_values_grad_v"); }
    void attn_values_grad_v() { check(); }
    void cross_entropy_data() { addRows("cross_entropy"); }
    void cross_entropy() { check(); }
    void cross_entropy_grad_data() { addRows("cross_entropy_grad"); }
    void cross_entropy_grad() { check(); }
    void sum_squares_data() { addRows("sum_squares"); }
    void sum_squares() { check(); }
    void adamw_data() { addRows("adamw"); }
    void adamw() { check(); }
    void grad_ema_data() { addRows("grad_ema"); }
    void grad_ema() { check(); }

    // Every op of the standard cases has a test function above.
    void everyOpIsTested() {
        const QStringList tested = {"matmul", "add", "mul", "scale", "embedding", "rms_norm",
                                    "matmul_packed", "embedding_packed",
                                    "layer_norm", "rope", "softmax", "attn_scores", "attn_values",
                                    "attention", "silu", "gelu", "relu", "swiglu",
                                    "relu_grad", "gelu_grad", "silu_grad", "softmax_grad",
                                    "rms_norm_grad", "layer_norm_grad", "column_sum",
                                    "embedding_grad", "attn_scores_grad_q", "attn_scores_grad_k",
                                    "attn_values_grad_p", "attn_values_grad_v", "cross_entropy",
                                    "cross_entropy_grad", "sum_squares", "adamw", "grad_ema"};
        for (const OpCase& c : standardOpCases())
            QVERIFY2(tested.contains(QString::fromStdString(c.op)), c.op.c_str());
    }
};

QTEST_GUILESS_MAIN(TestOps)
#include "tst_ops.moc"
