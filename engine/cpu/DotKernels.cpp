// Block layouts: see formats/BlockQuant.cpp. Each kernel has a scalar form (the reference, and
// what builds without AVX2 run) and an AVX2 form doing the same integer sums 32 lanes at a time.
#include "DotKernels.h"

#include "CpuOps.h"
#include "Half.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define LLMLAB_DOT_AVX2 1
#include <immintrin.h>
#endif

namespace llmlab::cpu {

namespace {

using u8 = std::uint8_t;

// x quantized for the integer kernels of the 32-value types (Q8_0, Q4_0): one scale per block.
struct ActBlock {
    float d;
    std::int8_t q[32];
};

// x for the K types (256-value super-blocks): one scale per 256 values, so a super-block's
// integer sums add up across its sub-blocks before one float multiply, and Σ q per 32 for
// Q4_K's minimums. Coarser than ActBlock (one scale for 8x the values), as llama.cpp's Q8_K.
struct ActSuper {
    float d;
    std::int16_t sums[8]; ///< Σ q per 32 values (|Σ| <= 32·127 fits)
    std::int8_t q[256];
};

// The scale of n values rounded to 8 bits, max|v| / 127, and its inverse (0 for all zeros).
float int8Scale(const float* v, int n, float* inverse) {
    float amax = 0;
    for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(v[i]));
    *inverse = amax > 0 ? 127.0f / amax : 0.0f;
    return amax / 127.0f;
}

void quantizeActsSuper(const float* x, std::int64_t k, ActSuper* out) {
    for (std::int64_t b = 0; b < k / 256; ++b) {
        const float* v = x + 256 * b;
        ActSuper& a = out[b];
        float id;
        a.d = int8Scale(v, 256, &id);
        for (int g = 0; g < 8; ++g) {
            int sum = 0;
            for (int i = 32 * g; i < 32 * g + 32; ++i) {
                a.q[i] = std::int8_t(std::nearbyint(v[i] * id));
                sum += a.q[i];
            }
            a.sums[g] = std::int16_t(sum);
        }
    }
}

bool usesSuperBlocks(DType t) {
    return t == DType::Q4_K || t == DType::Q6_K;
}

void quantizeActs(const float* x, std::int64_t k, ActBlock* out) {
    for (std::int64_t b = 0; b < k / 32; ++b) {
        const float* v = x + 32 * b;
        ActBlock& a = out[b];
        float id;
        a.d = int8Scale(v, 32, &id);
        for (int i = 0; i < 32; ++i) a.q[i] = std::int8_t(std::nearbyint(v[i] * id));
    }
}

float fp16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h);
}

// The 6-bit scale/min pairs of Q4_K (same unpacking as BlockQuant.cpp).
void scalesMinsK4(const u8* q, u8* sc, u8* mn) {
    for (int j = 0; j < 4; ++j) {
        sc[j] = q[j] & 63;
        mn[j] = q[j + 4] & 63;
    }
    for (int j = 4; j < 8; ++j) {
        sc[j] = u8((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        mn[j] = u8((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// One weight row times one x row. `act` is the float row for F32/F16/BF16, ActBlocks otherwise.
using RowDot = float (*)(const u8* w, const void* act, std::int64_t k);
// One weight row times kTileRows rows of x (act[0..kTileRows)), out[i] the same bits as RowDot
// on row i: the weight row is unpacked once for all of them.
using TileDot = void (*)(const u8* w, const void* const* act, std::int64_t k, float* out);
constexpr int kTileRows = 4;

// ---- scalar ------------------------------------------------------------------------------

float dotF32(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const float*>(act);
    const auto* v = reinterpret_cast<const float*>(w);
    float s = 0;
    for (std::int64_t i = 0; i < k; ++i) s += v[i] * a[i];
    return s;
}

float dotF16(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const float*>(act);
    float s = 0;
    for (std::int64_t i = 0; i < k; ++i) s += fp16(w + 2 * i) * a[i];
    return s;
}

float dotBF16(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const float*>(act);
    float s = 0;
    for (std::int64_t i = 0; i < k; ++i) {
        std::uint16_t h;
        std::memcpy(&h, w + 2 * i, 2);
        s += bf16ToFloat(h) * a[i];
    }
    return s;
}

float dotQ8_0(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActBlock*>(act);
    float s = 0;
    for (std::int64_t b = 0; b < k / 32; ++b, w += 34) {
        std::int32_t sum = 0;
        for (int i = 0; i < 32; ++i) sum += std::int8_t(w[2 + i]) * a[b].q[i];
        s += fp16(w) * a[b].d * float(sum);
    }
    return s;
}

float dotQ4_0(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActBlock*>(act);
    float s = 0;
    for (std::int64_t b = 0; b < k / 32; ++b, w += 18) {
        std::int32_t sum = 0;
        for (int j = 0; j < 16; ++j) {
            sum += ((w[2 + j] & 0xF) - 8) * a[b].q[j];
            sum += ((w[2 + j] >> 4) - 8) * a[b].q[j + 16];
        }
        s += fp16(w) * a[b].d * float(sum);
    }
    return s;
}

float dotQ4_K(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActSuper*>(act);
    float s = 0;
    for (std::int64_t sb = 0; sb < k / 256; ++sb, w += 144, ++a) {
        u8 sc[8], mn[8];
        scalesMinsK4(w + 4, sc, mn);
        const u8* qs = w + 16;
        std::int32_t sum = 0, mins = 0;
        for (int g = 0; g < 8; ++g) {
            const int shift = (g & 1) * 4;
            std::int32_t part = 0;
            for (int l = 0; l < 32; ++l)
                part += ((qs[32 * (g / 2) + l] >> shift) & 0xF) * a->q[32 * g + l];
            sum += sc[g] * part;
            mins += mn[g] * a->sums[g];
        }
        s += a->d * (fp16(w) * float(sum) - fp16(w + 2) * float(mins));
    }
    return s;
}

float dotQ6_K(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActSuper*>(act);
    float s = 0;
    for (std::int64_t sb = 0; sb < k / 256; ++sb, w += 210, ++a) {
        const auto* sc = reinterpret_cast<const std::int8_t*>(w + 192);
        std::int32_t sum = 0;
        for (int half = 0; half < 2; ++half) {
            const u8* ql = w + 64 * half;
            const u8* qh = w + 128 + 32 * half;
            for (int part = 0; part < 4; ++part) {
                const std::int8_t* aq = a->q + 128 * half + 32 * part;
                std::int32_t sums[2] = {0, 0};
                for (int l = 0; l < 32; ++l) {
                    const u8 low = (part & 1) ? ql[l + 32] : ql[l];
                    const int q = int(((part < 2) ? (low & 0xF) : (low >> 4)) |
                                      (((qh[l] >> (2 * part)) & 3) << 4)) -
                                  32;
                    sums[l / 16] += q * aq[l];
                }
                const int g = 8 * half + 2 * part;
                sum += sc[g] * sums[0] + sc[g + 1] * sums[1];
            }
        }
        s += fp16(w + 208) * a->d * float(sum);
    }
    return s;
}

// ---- AVX2 --------------------------------------------------------------------------------
#ifdef LLMLAB_DOT_AVX2

float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

float hsum4(__m128 v) {
    __m128 s = _mm_add_ps(v, _mm_movehl_ps(v, v));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__m256i load32(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// 32 signed bytes times 32 signed bytes, summed in pairs to 16 int16 lanes (|w|·sign(w)·a).
__m256i mulSigned(__m256i w, __m256i a) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

// 16 int16 lanes summed in pairs to 8 floats.
__m256 pairsToFloat(__m256i p16) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

float avxF32(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const float*>(act);
    const auto* v = reinterpret_cast<const float*>(w);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    std::int64_t i = 0;
    for (; i + 32 <= k; i += 32)
        for (int j = 0; j < 4; ++j)
            acc[j] = _mm256_fmadd_ps(_mm256_loadu_ps(v + i + 8 * j), _mm256_loadu_ps(a + i + 8 * j),
                                     acc[j]);
    for (; i + 8 <= k; i += 8)
        acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(v + i), _mm256_loadu_ps(a + i), acc[0]);
    float s = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < k; ++i) s += v[i] * a[i];
    return s;
}

template <bool Bf16> float avxHalf(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const float*>(act);
    auto widen = [&](std::int64_t i) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i));
        if constexpr (Bf16)
            return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
        else
            return _mm256_cvtph_ps(h);
    };
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    std::int64_t i = 0;
    for (; i + 32 <= k; i += 32)
        for (int j = 0; j < 4; ++j)
            acc[j] = _mm256_fmadd_ps(widen(i + 8 * j), _mm256_loadu_ps(a + i + 8 * j), acc[j]);
    for (; i + 8 <= k; i += 8) acc[0] = _mm256_fmadd_ps(widen(i), _mm256_loadu_ps(a + i), acc[0]);
    float s = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < k; ++i) {
        std::uint16_t h;
        std::memcpy(&h, w + 2 * i, 2);
        s += (Bf16 ? bf16ToFloat(h) : _cvtsh_ss(h)) * a[i];
    }
    return s;
}

float halfAt(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

float avxQ8_0(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActBlock*>(act);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < k / 32; ++b, w += 34) {
        const __m256 p = pairsToFloat(mulSigned(load32(w + 2), load32(a[b].q)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(halfAt(w) * a[b].d), p, acc);
    }
    return hsum(acc);
}

float avxQ4_0(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActBlock*>(act);
    const __m128i low4 = _mm_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < k / 32; ++b, w += 18) {
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2));
        const __m256i v = _mm256_sub_epi8(
            _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), low4), _mm_and_si128(q, low4)),
            _mm256_set1_epi8(8));
        const __m256 p = pairsToFloat(mulSigned(v, load32(a[b].q)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(halfAt(w) * a[b].d), p, acc);
    }
    return hsum(acc);
}

// The 8 scales and 8 minimums of a Q4_K block as 16 bytes (scales, then minimums), unpacked
// from the 12 packed bytes with word operations (the layout of scalesMinsK4).
__m128i scalesMinsK4x(const u8* p) {
    std::uint32_t w[3];
    std::memcpy(w, p, 12);
    const std::uint32_t low6 = 0x3F3F3F3F, low4 = 0x0F0F0F0F, top2 = 0x03030303;
    const std::uint32_t sc0 = w[0] & low6, mn0 = w[1] & low6;
    const std::uint32_t sc1 = (w[2] & low4) | (((w[0] >> 6) & top2) << 4);
    const std::uint32_t mn1 = ((w[2] >> 4) & low4) | (((w[1] >> 6) & top2) << 4);
    return _mm_set_epi32(int(mn1), int(mn0), int(sc1), int(sc0));
}

float avxQ4_K(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActSuper*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    __m128 minAcc = _mm_setzero_ps();
    for (std::int64_t sb = 0; sb < k / 256; ++sb, w += 144, ++a) {
        const __m128i packed = scalesMinsK4x(w + 4);
        // Σ m_g · (Σ x over group g), 8 int16 products summed in pairs.
        const __m128i mins16 = _mm_cvtepu8_epi16(_mm_srli_si128(packed, 8));
        const __m128i minDots =
            _mm_madd_epi16(mins16, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a->sums)));
        minAcc = _mm_fmadd_ps(_mm_set1_ps(halfAt(w + 2) * a->d), _mm_cvtepi32_ps(minDots), minAcc);
        const __m256i scales = _mm256_cvtepu8_epi16(packed); // 16 lanes; the first 8 are scales
        alignas(32) std::int16_t sc[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sc), scales);
        // Σ sc_g · q·x over the super-block in int32: q·x pairs ≤ 2·15·127, times sc ≤ 63.
        __m256i sum = _mm256_setzero_si256();
        for (int pair = 0; pair < 4; ++pair) {
            const __m256i q = load32(w + 16 + 32 * pair);
            const __m256i lo = _mm256_and_si256(q, low4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            const __m256i plo =
                _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(a->q + 64 * pair)),
                                  _mm256_set1_epi16(sc[2 * pair]));
            const __m256i phi =
                _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(a->q + 64 * pair + 32)),
                                  _mm256_set1_epi16(sc[2 * pair + 1]));
            sum = _mm256_add_epi32(sum, _mm256_add_epi32(plo, phi));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(halfAt(w) * a->d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc) - hsum4(minAcc);
}

// avxQ4_K for X rows of x at once: each super-block's nibbles and scales are unpacked once and
// used for all X rows; for every row the same sums in the same order as avxQ4_K, so a row's
// result is the same bits whichever kernel (and batch size) computed it. out[i] for row i.
template <int X>
void avxQ4_KRows(const u8* w, const void* const* act, std::int64_t k, float* out) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256 acc[X];
    __m128 minAcc[X];
    for (int i = 0; i < X; ++i) {
        acc[i] = _mm256_setzero_ps();
        minAcc[i] = _mm_setzero_ps();
    }
    for (std::int64_t sb = 0; sb < k / 256; ++sb, w += 144) {
        const __m128i packed = scalesMinsK4x(w + 4);
        const __m128i mins16 = _mm_cvtepu8_epi16(_mm_srli_si128(packed, 8));
        alignas(32) std::int16_t sc[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sc), _mm256_cvtepu8_epi16(packed));
        __m256i q[8], scales[8];
        for (int pair = 0; pair < 4; ++pair) {
            const __m256i v = load32(w + 16 + 32 * pair);
            q[2 * pair] = _mm256_and_si256(v, low4);
            q[2 * pair + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
        }
        for (int g = 0; g < 8; ++g) scales[g] = _mm256_set1_epi16(sc[g]);
        const float d = halfAt(w), dmin = halfAt(w + 2);
        for (int i = 0; i < X; ++i) {
            const ActSuper* a = static_cast<const ActSuper*>(act[i]) + sb;
            const __m128i minDots =
                _mm_madd_epi16(mins16, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a->sums)));
            minAcc[i] = _mm_fmadd_ps(_mm_set1_ps(dmin * a->d), _mm_cvtepi32_ps(minDots), minAcc[i]);
            __m256i sum = _mm256_setzero_si256();
            for (int pair = 0; pair < 4; ++pair) {
                const __m256i plo = _mm256_madd_epi16(
                    _mm256_maddubs_epi16(q[2 * pair], load32(a->q + 64 * pair)), scales[2 * pair]);
                const __m256i phi =
                    _mm256_madd_epi16(_mm256_maddubs_epi16(q[2 * pair + 1], load32(a->q + 64 * pair + 32)),
                                      scales[2 * pair + 1]);
                sum = _mm256_add_epi32(sum, _mm256_add_epi32(plo, phi));
            }
            acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d * a->d), _mm256_cvtepi32_ps(sum), acc[i]);
        }
    }
    for (int i = 0; i < X; ++i) out[i] = hsum(acc[i]) - hsum4(minAcc[i]);
}

float avxQ6_K(const u8* w, const void* act, std::int64_t k) {
    const auto* a = static_cast<const ActSuper*>(act);
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3);
    const __m256i offset = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t sb = 0; sb < k / 256; ++sb, w += 210, ++a) {
        const auto* sc = reinterpret_cast<const std::int8_t*>(w + 192);
        __m256i sum = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {
            const __m256i l0 = load32(w + 64 * half), l1 = load32(w + 64 * half + 32);
            const __m256i h = load32(w + 128 + 32 * half);
            auto high = [&](int shift) {
                return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, shift), low2), 4);
            };
            const __m256i v[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, low4), high(0)),
                _mm256_or_si256(_mm256_and_si256(l1, low4), high(2)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), high(4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4), high(6)),
            };
            for (int part = 0; part < 4; ++part) {
                const __m256i av = load32(a->q + 128 * half + 32 * part);
                // (q - 32)·x in int16 pairs: q·x ≤ 2·63·127 and 32·x ≤ 2·32·127 both fit.
                const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(v[part], av),
                                                     _mm256_maddubs_epi16(offset, av));
                const int g = 8 * half + 2 * part;
                const __m256i scales =
                    _mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]));
                sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p16, scales));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(halfAt(w + 208) * a->d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc);
}

#endif // LLMLAB_DOT_AVX2

RowDot rowDot(DType t, bool scalarOnly) {
#ifdef LLMLAB_DOT_AVX2
    if (!scalarOnly) {
        switch (t) {
        case DType::F32:
            return avxF32;
        case DType::F16:
            return avxHalf<false>;
        case DType::BF16:
            return avxHalf<true>;
        case DType::Q8_0:
            return avxQ8_0;
        case DType::Q4_0:
            return avxQ4_0;
        case DType::Q4_K:
            return avxQ4_K;
        case DType::Q6_K:
            return avxQ6_K;
        default:
            return nullptr;
        }
    }
#else
    (void)scalarOnly;
#endif
    switch (t) {
    case DType::F32:
        return dotF32;
    case DType::F16:
        return dotF16;
    case DType::BF16:
        return dotBF16;
    case DType::Q8_0:
        return dotQ8_0;
    case DType::Q4_0:
        return dotQ4_0;
    case DType::Q4_K:
        return dotQ4_K;
    case DType::Q6_K:
        return dotQ6_K;
    default:
        return nullptr;
    }
}

TileDot tileDot(DType t, bool scalarOnly) {
#ifdef LLMLAB_DOT_AVX2
    if (!scalarOnly && t == DType::Q4_K) return avxQ4_KRows<kTileRows>;
#else
    (void)t;
    (void)scalarOnly;
#endif
    return nullptr;
}

} // namespace

bool hasDotKernel(DType type) {
    return rowDot(type, true) != nullptr;
}

bool dotKernelsVectorised() {
#ifdef LLMLAB_DOT_AVX2
    return true;
#else
    return false;
#endif
}

void dotKernelMatmul(const float* x, std::int64_t m, DType type, const void* w, std::int64_t n,
                     std::int64_t k, float* y, bool scalarOnly) {
    const RowDot dot = rowDot(type, scalarOnly);
    const std::int64_t rowBytes = dtypeStorageBytes(type, k);
    std::vector<ActBlock> acts;
    std::vector<ActSuper> supers;
    std::vector<const void*> rows(static_cast<std::size_t>(m));
    if (usesSuperBlocks(type)) {
        supers.resize(std::size_t(m * (k / 256)));
        for (std::int64_t i = 0; i < m; ++i) {
            quantizeActsSuper(x + i * k, k, supers.data() + i * (k / 256));
            rows[std::size_t(i)] = supers.data() + i * (k / 256);
        }
    } else if (dtypeIsQuantized(type)) {
        acts.resize(std::size_t(m * (k / 32)));
        for (std::int64_t i = 0; i < m; ++i) {
            quantizeActs(x + i * k, k, acts.data() + i * (k / 32));
            rows[std::size_t(i)] = acts.data() + i * (k / 32);
        }
    } else {
        for (std::int64_t i = 0; i < m; ++i) rows[std::size_t(i)] = x + i * k;
    }
    const auto* base = static_cast<const u8*>(w);
    const TileDot tile = m >= kTileRows ? tileDot(type, scalarOnly) : nullptr;
    if (tile) {
        // A block of x rows stays in L1 while a chunk of weight rows streams past it.
        const std::int64_t xBlock = std::max<std::int64_t>(kTileRows, (16 << 10) / std::max<std::int64_t>(1, k + k / 8));
        const std::int64_t chunk = 32, chunks = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) num_threads(threadCount()) if (n * k > (1 << 16))
        for (std::int64_t c = 0; c < chunks; ++c)
            for (std::int64_t i0 = 0; i0 < m; i0 += xBlock) {
                const std::int64_t i1 = std::min(m, i0 + xBlock);
                for (std::int64_t r = c * chunk; r < std::min(n, (c + 1) * chunk); ++r) {
                    const u8* row = base + r * rowBytes;
                    std::int64_t i = i0;
                    for (; i + kTileRows <= i1; i += kTileRows) {
                        float out[kTileRows];
                        tile(row, rows.data() + i, k, out);
                        for (int t = 0; t < kTileRows; ++t) y[(i + t) * n + r] = out[t];
                    }
                    for (; i < i1; ++i) y[i * n + r] = dot(row, rows[std::size_t(i)], k);
                }
            }
        return;
    }
#pragma omp parallel for schedule(static) num_threads(threadCount()) if (n * k > (1 << 16))
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t i = 0; i < m; ++i)
            y[i * n + r] = dot(base + r * rowBytes, rows[std::size_t(i)], k);
}

} // namespace llmlab::cpu
