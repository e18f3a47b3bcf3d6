// Block layouts follow ggml's ggml-common.h (the structs are restated in each comment); the
// arithmetic follows ggml's reference dequantize_row_* order so results match it bit for bit:
// every value is `scale * q - min` computed in float, with the scale products formed first.
#include "BlockQuant.h"

#include "Half.h"
#include "Tensor.h"

#include <cstring>

namespace llmlab {

namespace {

using u8 = std::uint8_t;

float fp16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h);
}

// Q4_0: { f16 d; u8 qs[16]; } 32 values; value j is nibble j (low nibbles first) minus 8.
void q4_0(const u8* b, float* y) {
    const float d = fp16(b);
    const u8* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = float((qs[j] & 0x0F) - 8) * d;
        y[j + 16] = float((qs[j] >> 4) - 8) * d;
    }
}

// Q4_1: { f16 d; f16 m; u8 qs[16]; } value = q * d + m.
void q4_1(const u8* b, float* y) {
    const float d = fp16(b), m = fp16(b + 2);
    const u8* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = float(qs[j] & 0x0F) * d + m;
        y[j + 16] = float(qs[j] >> 4) * d + m;
    }
}

// Q5_0: { f16 d; u8 qh[4]; u8 qs[16]; } the 5th bit of value j is bit j of qh (LE u32).
void q5_0(const u8* b, float* y) {
    const float d = fp16(b);
    std::uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    const u8* qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int hi0 = int((qh >> j) << 4) & 0x10;
        const int hi1 = int(qh >> (j + 12)) & 0x10;
        y[j] = float(((qs[j] & 0x0F) | hi0) - 16) * d;
        y[j + 16] = float(((qs[j] >> 4) | hi1) - 16) * d;
    }
}

// Q5_1: { f16 d; f16 m; u8 qh[4]; u8 qs[16]; } unsigned 5-bit q, value = q * d + m.
void q5_1(const u8* b, float* y) {
    const float d = fp16(b), m = fp16(b + 2);
    std::uint32_t qh;
    std::memcpy(&qh, b + 4, 4);
    const u8* qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const int hi0 = int((qh >> j) << 4) & 0x10;
        const int hi1 = int(qh >> (j + 12)) & 0x10;
        y[j] = float((qs[j] & 0x0F) | hi0) * d + m;
        y[j + 16] = float((qs[j] >> 4) | hi1) * d + m;
    }
}

// Q8_0: { f16 d; i8 qs[32]; }
void q8_0(const u8* b, float* y) {
    const float d = fp16(b);
    for (int j = 0; j < 32; ++j) y[j] = float(std::int8_t(b[2 + j])) * d;
}

// Q2_K: { u8 scales[16]; u8 qs[64]; f16 d; f16 dmin; } 256 values in 16 groups of 16;
// each scales byte holds a 4-bit scale (low) and 4-bit min (high); 2-bit q.
void q2_k(const u8* b, float* y) {
    const u8* scales = b;
    const u8* q = b + 16;
    const float d = fp16(b + 80), dmin = fp16(b + 82);
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int part = 0; part < 2; ++part) {
                const u8 sc = scales[is++];
                const float dl = d * float(sc & 0xF), ml = dmin * float(sc >> 4);
                for (int l = 0; l < 16; ++l)
                    *y++ = dl * float((q[l + 16 * part] >> shift) & 3) - ml;
            }
        }
    }
}

// Q3_K: { u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d; } 16 groups of 16 with 6-bit
// signed scales packed as 16 low nibbles + 16 2-bit high parts; the hmask bit set means +0,
// clear means -4 (q = low2 - 4*(1-h)).
void q3_k(const u8* b, float* y) {
    const u8* hm = b;
    const u8* q = b + 32;
    const u8* packed = b + 96;
    const float dAll = fp16(b + 108);
    std::int8_t scales[16];
    for (int i = 0; i < 16; ++i) {
        const int low = (i < 8) ? (packed[i] & 0xF) : (packed[i - 8] >> 4);
        const int high = (packed[8 + (i % 4)] >> (2 * (i / 4))) & 3;
        scales[i] = std::int8_t((low | (high << 4)) - 32);
    }
    int is = 0;
    u8 m = 1;
    for (int half = 0; half < 2; ++half, q += 32) {
        for (int shift = 0; shift < 8; shift += 2, m = u8(m << 1)) {
            for (int part = 0; part < 2; ++part) {
                const float dl = dAll * float(scales[is++]);
                for (int l = 0; l < 16; ++l) {
                    const int k = l + 16 * part;
                    const int v = int((q[k] >> shift) & 3) - ((hm[k] & m) ? 0 : 4);
                    *y++ = dl * float(v);
                }
            }
        }
    }
}

// The 12-byte scale/min packing shared by Q4_K and Q5_K: 8 pairs of 6-bit values.
void scaleMinK4(int j, const u8* q, u8* sc, u8* mn) {
    if (j < 4) {
        *sc = q[j] & 63;
        *mn = q[j + 4] & 63;
    } else {
        *sc = u8((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *mn = u8((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q4_K: { f16 d; f16 dmin; u8 scales[12]; u8 qs[128]; } 8 groups of 32, value = d*sc*q - dmin*m.
void q4_k(const u8* b, float* y) {
    const float d = fp16(b), dmin = fp16(b + 2);
    const u8* scales = b + 4;
    const u8* q = b + 16;
    for (int g = 0; g < 8; g += 2, q += 32) {
        u8 sc, mn;
        scaleMinK4(g, scales, &sc, &mn);
        const float d1 = d * float(sc), m1 = dmin * float(mn);
        scaleMinK4(g + 1, scales, &sc, &mn);
        const float d2 = d * float(sc), m2 = dmin * float(mn);
        for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
    }
}

// Q5_K: { f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; } as Q4_K plus a 5th bit.
void q5_k(const u8* b, float* y) {
    const float d = fp16(b), dmin = fp16(b + 2);
    const u8* scales = b + 4;
    const u8* qh = b + 16;
    const u8* q = b + 48;
    u8 u1 = 1, u2 = 2;
    for (int g = 0; g < 8; g += 2, q += 32, u1 = u8(u1 << 2), u2 = u8(u2 << 2)) {
        u8 sc, mn;
        scaleMinK4(g, scales, &sc, &mn);
        const float d1 = d * float(sc), m1 = dmin * float(mn);
        scaleMinK4(g + 1, scales, &sc, &mn);
        const float d2 = d * float(sc), m2 = dmin * float(mn);
        for (int l = 0; l < 32; ++l) *y++ = d1 * float((q[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * float((q[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    }
}

// Q6_K: { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d; } 6-bit q (4 low + 2 high) minus 32.
void q6_k(const u8* b, float* y) {
    const u8* ql = b;
    const u8* qh = b + 128;
    const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
    const float d = fp16(b + 208);
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * float(sc[is]) * float(q1);
            y[l + 32] = d * float(sc[is + 2]) * float(q2);
            y[l + 64] = d * float(sc[is + 4]) * float(q3);
            y[l + 96] = d * float(sc[is + 6]) * float(q4);
        }
    }
}

// Q8_K: { f32 d; i8 qs[256]; i16 bsums[16]; } (bsums only speed up dot products).
void q8_k(const u8* b, float* y) {
    float d;
    std::memcpy(&d, b, 4);
    for (int j = 0; j < 256; ++j) y[j] = d * float(std::int8_t(b[4 + j]));
}

using BlockFn = void (*)(const u8*, float*);

BlockFn blockFn(DType t) {
    switch (t) {
    case DType::Q4_0:
        return q4_0;
    case DType::Q4_1:
        return q4_1;
    case DType::Q5_0:
        return q5_0;
    case DType::Q5_1:
        return q5_1;
    case DType::Q8_0:
        return q8_0;
    case DType::Q2_K:
        return q2_k;
    case DType::Q3_K:
        return q3_k;
    case DType::Q4_K:
        return q4_k;
    case DType::Q5_K:
        return q5_k;
    case DType::Q6_K:
        return q6_k;
    case DType::Q8_K:
        return q8_k;
    default:
        return nullptr;
    }
}

template <DType T> void registered(const void* src, float* dst, std::int64_t n) {
    dequantizeBlocks(T, src, dst, n);
}

} // namespace

bool dequantizeBlocks(DType type, const void* src, float* dst, std::int64_t n) {
    const BlockFn fn = blockFn(type);
    const std::int64_t qk = dtypeBlockElements(type);
    if (!fn || n < 0 || n % qk != 0) return false;
    const auto* p = static_cast<const u8*>(src);
    const std::int64_t blockBytes = dtypeBlockBytes(type);
    for (std::int64_t i = 0; i < n / qk; ++i) fn(p + i * blockBytes, dst + i * qk);
    return true;
}

void registerQuantFormats() {
    static const bool once = [] {
        registerDequantizer(DType::Q4_0, registered<DType::Q4_0>);
        registerDequantizer(DType::Q4_1, registered<DType::Q4_1>);
        registerDequantizer(DType::Q5_0, registered<DType::Q5_0>);
        registerDequantizer(DType::Q5_1, registered<DType::Q5_1>);
        registerDequantizer(DType::Q8_0, registered<DType::Q8_0>);
        registerDequantizer(DType::Q2_K, registered<DType::Q2_K>);
        registerDequantizer(DType::Q3_K, registered<DType::Q3_K>);
        registerDequantizer(DType::Q4_K, registered<DType::Q4_K>);
        registerDequantizer(DType::Q5_K, registered<DType::Q5_K>);
        registerDequantizer(DType::Q6_K, registered<DType::Q6_K>);
        registerDequantizer(DType::Q8_K, registered<DType::Q8_K>);
        return true;
    }();
    (void)once;
}

} // namespace llmlab
