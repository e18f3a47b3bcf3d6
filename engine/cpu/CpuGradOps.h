// The CPU reference of the backward ops and the optimiser, beside the forward ops in CpuOps.h.
// Each function's comment gives the derivative it computes; shapes as in CpuOps.h.
#pragma once

#include <cstdint>

namespace llmlab::cpu {

/// dx = dy * [x > 0]
void reluGrad(const float* dy, const float* x, float* dx, std::int64_t n);
/// dx = dy * d/dx gelu_tanh(x)
void geluGrad(const float* dy, const float* x, float* dx, std::int64_t n);
/// dx = dy * s (1 + x (1 - s)), s = sigmoid(x)
void siluGrad(const float* dy, const float* x, float* dx, std::int64_t n);

/// Rows of y = softmax(scale * x + mask): dx = scale * y * (dy - sum(dy * y)).
void softmaxGrad(const float* dy, const float* y, float* dx, std::int64_t rows, std::int64_t n,
                 float scale);

/// dx of layer norm (the part through x; dw and db are column sums, see columnSum).
void layerNormGrad(const float* dy, const float* x, const float* w, float* dx, std::int64_t rows,
                   std::int64_t d, float eps);
/// dx of RMS norm.
void rmsNormGrad(const float* dy, const float* x, const float* w, float* dx, std::int64_t rows,
                 std::int64_t d, float eps);

/// out [cols] = sum over rows of x [rows, cols] (gradients of broadcast rows, norm weights).
void columnSum(const float* x, float* out, std::int64_t rows, std::int64_t cols);

/// dTable [V, D] = scatter-add of dy [T, D] rows at ids (ids outside [0, V) are dropped).
void embeddingGrad(const float* dy, const std::int32_t* ids, float* dTable, std::int64_t count,
                   std::int64_t vocab, std::int64_t dim);

/// Backward of attnScores (scores = scale * q k^T per head, grouped KV heads):
/// dq [Tq, H*hd] = scale * dS k;  dk [Tk, Hkv*hd] = scale * sum over the group's heads dS^T q.
void attnScoresGradQ(const float* dScores, const float* k, float* dq, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim, float scale);
void attnScoresGradK(const float* dScores, const float* q, float* dk, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim, float scale);
/// Backward of attnValues (out = P v per head):
/// dP [H, Tq, Tk] = dO v^T;  dv [Tk, Hkv*hd] = sum over the group's heads P^T dO.
void attnValuesGradP(const float* dOut, const float* v, float* dProbs, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim);
void attnValuesGradV(const float* dOut, const float* probs, float* dv, std::int64_t tq,
                     std::int64_t tk, int heads, int kvHeads, int headDim);

/// loss [rows] = logsumexp(logits row) - logits[label] (labels outside [0, V) give loss 0).
void crossEntropy(const float* logits, const std::int32_t* labels, float* loss, std::int64_t rows,
                  std::int64_t vocab);
/// dlogits = scale * (softmax(logits) - onehot(label)); scale is usually 1/rows (mean loss).
void crossEntropyGrad(const float* logits, const std::int32_t* labels, float* dLogits,
                      std::int64_t rows, std::int64_t vocab, float scale);

/// AdamW with decoupled weight decay (Loshchilov & Hutter), step t counted from 1:
/// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; m^ = m c1, v^ = v c2 with c1 = 1/(1-b1^t),
/// c2 = 1/(1-b2^t); p -= lr (m^/(sqrt(v^) + eps) + wd p).
struct AdamWParams {
    float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weightDecay = 0.0f;
    float gradScale = 1.0f; ///< multiplies g first (gradient clipping)
    float biasCorrection1 = 1.0f, biasCorrection2 = 1.0f; ///< c1, c2
};
/// c1 and c2 for step t (from 1).
void adamwBiasCorrections(float beta1, float beta2, std::int64_t step, float* c1, float* c2);
void adamw(float* param, const float* grad, float* m, float* v, std::int64_t n,
           const AdamWParams& p);

/// Grokfast-EMA (Lee et al. 2024): ema = alpha ema + (1-alpha) g (in place);
/// out = g + lambda ema.
void gradEma(const float* grad, float* ema, float* out, std::int64_t n, float alpha, float lambda);

/// sum of x^2 (for the global gradient norm).
double sumSquares(const float* x, std::int64_t n);

} // namespace llmlab::cpu
