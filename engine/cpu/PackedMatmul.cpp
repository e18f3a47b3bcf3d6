#include "PackedMatmul.h"

#include "CpuOps.h"
#include "DotKernels.h"
#include "Half.h"

#include <Eigen/Core>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace llmlab::cpu {

namespace {
// Rows widened per step: 64 rows of a 4096-wide matrix is 1 MiB of F32, inside L2.
constexpr std::int64_t kRowBlock = 64;

std::int64_t rowBytes(const Tensor& w) {
    return dtypeStorageBytes(w.dtype(), w.shape().back());
}
} // namespace

bool canReadPackedRows(const Tensor& w) {
    if (w.shape().rank() != 2 || w.dtype() == DType::F32 || w.dtype() == DType::I32) return false;
    return rowBytes(w) > 0;
}

void widenRows(const Tensor& w, std::int64_t row0, std::int64_t count, float* dst) {
    const std::int64_t cols = w.shape().back();
    const auto* base = static_cast<const std::uint8_t*>(w.data()) + row0 * rowBytes(w);
    const std::int64_t n = count * cols;
    switch (w.dtype()) {
    case DType::F16:
        halfToFloat(reinterpret_cast<const std::uint16_t*>(base), dst, std::size_t(n));
        return;
    case DType::BF16:
        bf16ToFloat(reinterpret_cast<const std::uint16_t*>(base), dst, std::size_t(n));
        return;
    default:
        if (!dequantize(w.dtype(), base, dst, n))
            throw std::runtime_error("no dequantizer for " + std::string(dtypeName(w.dtype())));
    }
}

void packedMatmulTransB(const float* x, const Tensor& w, float* y, std::int64_t m) {
    const std::int64_t n = w.shape().dim(0), k = w.shape().dim(1);
    if (m <= kDotKernelMaxRows && hasDotKernel(w.dtype())) {
        dotKernelMatmul(x, m, w.dtype(), w.data(), n, k, y);
        return;
    }
    blockedMatmulTransB(x, m, w.dtype(), w.data(), n, k, y);
}

void packedMatmul(const float* x, const Tensor& w, float* y, std::int64_t m) {
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const std::int64_t n = w.shape().dim(0), k = w.shape().dim(1);
    const std::int64_t rowBlock = kRowBlock;
    const std::int64_t blocks = (n + rowBlock - 1) / rowBlock;
    Eigen::Map<const RowMajor> X(x, m, n);
    Eigen::Map<RowMajor> Y(y, m, k);
    Y.setZero();
#pragma omp parallel num_threads(threadCount())
    {
        std::vector<float> scratch(std::size_t(rowBlock * k));
        RowMajor partial = RowMajor::Zero(m, k);
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t b = 0; b < blocks; ++b) {
            const std::int64_t row0 = b * rowBlock, rows = std::min(rowBlock, n - row0);
            widenRows(w, row0, rows, scratch.data());
            Eigen::Map<const RowMajor> W(scratch.data(), rows, k);
            partial.noalias() += X.middleCols(row0, rows) * W;
        }
#pragma omp critical(llmlab_packed_matmul)
        Y += partial;
    }
}

void blockedMatmulTransB(const float* x, std::int64_t m, DType type, const void* w, std::int64_t n,
                         std::int64_t k, float* y) {
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const bool plain = type == DType::F32; // rows used in place
    // 64 rows a block for F32 too: larger blocks measured no faster (and fewer blocks balance
    // worse across threads).
    const std::int64_t rowBlock = kRowBlock;
    const std::int64_t blocks = (n + rowBlock - 1) / rowBlock;
    const std::int64_t rowBytes = dtypeStorageBytes(type, k);
    const Tensor packed = plain ? Tensor() : Tensor::borrow(type, Shape{n, k}, w, nullptr);
    Eigen::Map<const RowMajor> X(x, m, k);
    // Each thread widens its own blocks of rows and multiplies them; Eigen stays
    // single-threaded inside, the blocks are the parallelism.
#pragma omp parallel num_threads(threadCount())
    {
        std::vector<float> scratch(plain ? 0 : std::size_t(rowBlock * k));
        RowMajor part;
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t b = 0; b < blocks; ++b) {
            const std::int64_t row0 = b * rowBlock, rows = std::min(rowBlock, n - row0);
            const float* block = reinterpret_cast<const float*>(
                static_cast<const std::uint8_t*>(w) + row0 * rowBytes);
            if (!plain) {
                widenRows(packed, row0, rows, scratch.data());
                block = scratch.data();
            }
            Eigen::Map<const RowMajor> W(block, rows, k);
            part.noalias() = X * W.transpose(); // [m, rows]
            for (std::int64_t i = 0; i < m; ++i)
                std::copy(part.data() + i * rows, part.data() + (i + 1) * rows, y + i * n + row0);
        }
    }
}

void packedEmbedding(const Tensor& w, const std::int32_t* ids, std::int64_t count, float* out) {
    const std::int64_t vocab = w.shape().dim(0), dim = w.shape().dim(1);
    for (std::int64_t t = 0; t < count; ++t) {
        if (ids[t] < 0 || ids[t] >= vocab)
            std::fill(out + t * dim, out + (t + 1) * dim, 0.0f);
        else
            widenRows(w, ids[t], 1, out + t * dim);
    }
}

} // namespace llmlab::cpu
