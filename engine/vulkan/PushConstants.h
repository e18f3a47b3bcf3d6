// C++ mirrors of the shaders' push-constant blocks (std430-like packing of 32-bit scalars).
// Each static_assert pins the size to the GLSL block in shaders/<op>.comp.
#pragma once

#include <cstdint>

namespace llmlab::vk {

struct MatmulPush { // matmul.comp (all variants)
    std::uint32_t m, n, k, pad;
};
static_assert(sizeof(MatmulPush) == 16);

struct BinaryPush {   // add.comp, mul.comp
    std::uint32_t n;  ///< elements of a and of the output
    std::uint32_t bn; ///< elements of b: n, or the row length when broadcast
};
static_assert(sizeof(BinaryPush) == 8);

struct ScalePush { // scale.comp
    std::uint32_t n;
    float s;
};
static_assert(sizeof(ScalePush) == 8);

struct UnaryPush { // silu, gelu, relu, swiglu and the activation grads (relu_grad.comp, ...)
    std::uint32_t n;
};
static_assert(sizeof(UnaryPush) == 4);

struct EmbeddingPush { // embedding.comp, embedding_grad.comp, write_rows.comp (rows, cols, T)
    std::uint32_t vocab, dim, count;
};
static_assert(sizeof(EmbeddingPush) == 12);

struct NormPush { // rms_norm.comp, layer_norm.comp and their _grad.comp
    std::uint32_t rows, d;
    float eps;
};
static_assert(sizeof(NormPush) == 12);

struct RopePush { // rope.comp
    std::uint32_t tokens, heads, headDim, ropeDims;
    std::uint32_t rotateHalf; ///< 0: interleaved pairs, 1: halves
};
static_assert(sizeof(RopePush) == 20);

struct SoftmaxPush { // softmax.comp
    std::uint32_t rows, tq, tk;
    float scale;
    std::uint32_t causal, hasMask;
};
static_assert(sizeof(SoftmaxPush) == 24);

struct AttnPush { // attn_scores.comp, attn_values.comp and their four _grad_*.comp
    std::uint32_t tq, tk, heads, kvHeads, headDim; ///< tq, tk per sequence
    float scale;
    std::uint32_t batch; ///< sequences stacked along the rows
};
static_assert(sizeof(AttnPush) == 28);

struct FlashAttentionPush { // flash_attention.comp
    AttnPush attn;
    std::uint32_t causal, hasMask;
    float softmaxScale;
};
static_assert(sizeof(FlashAttentionPush) == 40);

struct RowScalePush { // softmax_grad.comp, cross_entropy.comp, cross_entropy_grad.comp
    std::uint32_t rows, cols;
    float scale;
};
static_assert(sizeof(RowScalePush) == 12);

struct ColumnSumPush { // column_sum.comp
    std::uint32_t rows, cols;
};
static_assert(sizeof(ColumnSumPush) == 8);

struct AdamWPush { // adamw.comp
    std::uint32_t n;
    float beta1, beta2, eps, weightDecay, clipNorm;
    std::uint32_t hasNorm; ///< binding 5 holds normSq (else it repeats the scalars, unread)
};
static_assert(sizeof(AdamWPush) == 28);

struct GradEmaPush { // grad_ema.comp
    std::uint32_t n;
    float alpha, lambda;
};
static_assert(sizeof(GradEmaPush) == 12);

} // namespace llmlab::vk
