// Quantizers for the block formats that llmlab writes (benchmark and test models): the layouts
// are the ones BlockQuant.cpp reads, documented there. Each block gets round-to-nearest values
// against one scale chosen from the block's range; no search for better scales.
#include "BlockQuant.h"

#include "Half.h"
#include "Tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llmlab {

namespace {

using u8 = std::uint8_t;

void putHalf(u8* p, float v) {
    const std::uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, 2);
}

// Round half away from zero, then clamp to [lo, hi].
int quant(float v, int lo, int hi) {
    return std::clamp(int(std::lround(v)), lo, hi);
}

// The value of largest magnitude, with its sign.
float signedMax(const float* x, int n) {
    float best = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > std::fabs(best)) best = x[i];
    return best;
}

// Q8_0: d = max|x| / 127, q = round(x / d).
void q8_0(const float* x, u8* b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;
    putHalf(b, d);
    const float id = d > 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < 32; ++i) b[2 + i] = u8(std::int8_t(quant(x[i] * id, -127, 127)));
}

// Q4_0: the value of largest magnitude maps to -8; q + 8 stored as a nibble.
void q4_0(const float* x, u8* b) {
    const float d = signedMax(x, 32) / -8.0f;
    putHalf(b, d);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    u8* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        const int lo = quant(x[j] * id + 8.0f, 0, 15), hi = quant(x[j + 16] * id + 8.0f, 0, 15);
        qs[j] = u8(lo | (hi << 4));
    }
}

// Q4_K: 8 groups of 32, each value = d*sc*q - dmin*m with 6-bit sc and m and 4-bit q.
void q4_k(const float* x, u8* b) {
    float scale[8], minv[8];
    for (int g = 0; g < 8; ++g) {
        const float* v = x + 32 * g;
        const float lo = std::min(0.0f, *std::min_element(v, v + 32));
        const float hi = std::max(lo, *std::max_element(v, v + 32));
        scale[g] = (hi - lo) / 15.0f;
        minv[g] = -lo;
    }
    const float d = *std::max_element(scale, scale + 8) / 63.0f;
    const float dmin = *std::max_element(minv, minv + 8) / 63.0f;
    putHalf(b, d);
    putHalf(b + 2, dmin);
    const float dq = halfToFloat(floatToHalf(d)), dminq = halfToFloat(floatToHalf(dmin));
    u8 sc[8], mn[8];
    for (int g = 0; g < 8; ++g) {
        sc[g] = u8(dq > 0 ? quant(scale[g] / dq, 0, 63) : 0);
        mn[g] = u8(dminq > 0 ? quant(minv[g] / dminq, 0, 63) : 0);
    }
    // The 12-byte packing read by scaleMinK4 in BlockQuant.cpp.
    u8* s = b + 4;
    std::memset(s, 0, 12);
    for (int j = 0; j < 4; ++j) {
        s[j] = sc[j];
        s[j + 4] = mn[j];
    }
    for (int j = 4; j < 8; ++j) {
        s[j + 4] = u8((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
        s[j - 4] = u8(s[j - 4] | ((sc[j] >> 4) << 6));
        s[j] = u8(s[j] | ((mn[j] >> 4) << 6));
    }
    u8* qs = b + 16;
    for (int pair = 0; pair < 4; ++pair) {
        int q[2][32];
        for (int h = 0; h < 2; ++h) {
            const int g = 2 * pair + h;
            const float ds = dq * float(sc[g]), dm = dminq * float(mn[g]);
            for (int l = 0; l < 32; ++l)
                q[h][l] = ds > 0 ? quant((x[32 * g + l] + dm) / ds, 0, 15) : 0;
        }
        for (int l = 0; l < 32; ++l) qs[32 * pair + l] = u8(q[0][l] | (q[1][l] << 4));
    }
}

// Q6_K: 16 groups of 16 with int8 scales under one f16 d; q in [-32, 31] stored + 32 as
// 4 low bits (ql) and 2 high bits (qh).
void q6_k(const float* x, u8* b) {
    float scale[16];
    for (int g = 0; g < 16; ++g) scale[g] = signedMax(x + 16 * g, 16) / -32.0f;
    float amax = 0;
    for (float s : scale) amax = std::max(amax, std::fabs(s));
    const float d = amax / 127.0f;
    putHalf(b + 208, d);
    const float dq = halfToFloat(floatToHalf(d));
    auto* sc = reinterpret_cast<std::int8_t*>(b + 192);
    int q[256];
    for (int g = 0; g < 16; ++g) {
        sc[g] = std::int8_t(dq > 0 ? quant(scale[g] / dq, -127, 127) : 0);
        const float eff = dq * float(sc[g]);
        for (int l = 0; l < 16; ++l)
            q[16 * g + l] = 32 + (eff != 0 ? quant(x[16 * g + l] / eff, -32, 31) : 0);
    }
    u8* ql = b;
    u8* qh = b + 128;
    for (int half = 0; half < 2; ++half, ql += 64, qh += 32) {
        const int* v = q + 128 * half;
        for (int l = 0; l < 32; ++l) {
            ql[l] = u8((v[l] & 0xF) | ((v[l + 64] & 0xF) << 4));
            ql[l + 32] = u8((v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4));
            qh[l] = u8((v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) |
                       ((v[l + 96] >> 4) << 6));
        }
    }
}

using QuantFn = void (*)(const float*, u8*);

QuantFn quantFn(DType t) {
    switch (t) {
    case DType::Q4_0:
        return q4_0;
    case DType::Q8_0:
        return q8_0;
    case DType::Q4_K:
        return q4_k;
    case DType::Q6_K:
        return q6_k;
    default:
        return nullptr;
    }
}

} // namespace

bool canQuantize(DType type) {
    return quantFn(type) != nullptr;
}

bool quantizeBlocks(DType type, const float* src, void* dst, std::int64_t n) {
    const QuantFn fn = quantFn(type);
    const std::int64_t qk = dtypeBlockElements(type);
    if (!fn || n < 0 || n % qk != 0) return false;
    auto* p = static_cast<u8*>(dst);
    const std::int64_t blockBytes = dtypeBlockBytes(type);
    for (std::int64_t i = 0; i < n / qk; ++i) fn(src + i * qk, p + i * blockBytes);
    return true;
}

} // namespace llmlab
