// Block layouts: see BlockQuant.cpp, whose dequantizers these invert. The legacy types follow
// ggml's reference rounding formulas (truncation of x/d + 8.5 for Q4_0, and so on) so the bytes
// equal llama.cpp's; the K types and every type given an importance use the search below.
#include "quant/Quantize.h"

#include "Half.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

namespace llmlab {

namespace {

using u8 = std::uint8_t;

void putHalf(u8* p, float v) {
    const std::uint16_t h = floatToHalf(v);
    std::memcpy(p, &h, 2);
}

float roundHalf(float v) {
    return halfToFloat(floatToHalf(v));
}

// Round to nearest (ties to even) by adding 1.5 * 2^23, which leaves the integer in the low
// mantissa bits: a few instructions, where lround and nearbyint are library calls under GCC's
// default -ftrapping-math. Only for |v| < 2^22; clampNearest clamps first. Only the searches use
// it; the legacy types' reference rounding is spelled out where it is used.
int nearest(float v) {
    const float t = v + 12582912.0f;
    std::int32_t bits;
    std::memcpy(&bits, &t, 4);
    return bits - 0x4B400000;
}

int clampNearest(float v, int lo, int hi) {
    const float c = std::min(std::max(v, float(lo)), float(hi)); // NaN -> lo
    return std::clamp(nearest(c), lo, hi);
}

// ---- the search: one group of values, weighted squared error ------------------------------

// Weights of one block: the importance given (plus a little of its mean, so a column that was
// never active still counts), or all ones.
struct BlockWeights {
    std::vector<float> w;
    BlockWeights(const float* importance, int n) : w(std::size_t(n), 1.0f) {
        if (!importance) return;
        double mean = 0;
        for (int i = 0; i < n; ++i) mean += importance[i];
        mean /= n;
        const float floor = float(0.01 * mean) + 1e-12f;
        for (int i = 0; i < n; ++i) w[std::size_t(i)] = std::max(0.0f, importance[i]) + floor;
    }
};

// Best s for x ~ s*q with integer q in [qmin, qmax] (qmin < 0 < qmax): scales that put the
// value of largest magnitude at either end of the range, or a little inside or outside it,
// each refitted by least squares on its rounded levels.
float fitSymmetric(const float* x, const float* w, int n, int qmin, int qmax) {
    float maxv = 0;
    for (int i = 0; i < n; ++i)
        if (std::fabs(x[i]) > std::fabs(maxv)) maxv = x[i];
    if (maxv == 0) return 0;
    // The least-squares scale on the levels s0 rounds to, and its weighted error (float loops
    // with the rounding spelled as adding 1.5 * 2^23, so they vectorize).
    const float lo = float(qmin), hi = float(qmax);
    auto level = [lo, hi](float v) {
        const float c = std::min(std::max(v, lo), hi);
        return (c + 12582912.0f) - 12582912.0f;
    };
    auto refit = [&](float s0, float* s) {
        float sxq = 0, sqq = 0;
        const float inv0 = 1.0f / s0;
#pragma omp simd reduction(+ : sxq, sqq)
        for (int i = 0; i < n; ++i) {
            const float q = level(x[i] * inv0);
            sxq += w[i] * x[i] * q;
            sqq += w[i] * q * q;
        }
        if (sqq <= 0) return DBL_MAX;
        *s = sxq / sqq;
        if (*s == 0) return DBL_MAX;
        const float inv = 1.0f / *s, sf = *s;
        float err = 0;
#pragma omp simd reduction(+ : err)
        for (int i = 0; i < n; ++i) {
            const float e = x[i] - sf * level(x[i] * inv);
            err += w[i] * e * e;
        }
        return double(err);
    };
    float best = 0;
    double bestErr = DBL_MAX;
    for (int end : {qmin, qmax})
        for (int k = -4; k <= 4; ++k) {
            const float level = float(end) + (end < 0 ? -0.1f : 0.1f) * float(k);
            if (std::fabs(level) < 0.5f) continue;
            float s = 0;
            const double err = refit(maxv / level, &s);
            if (err < bestErr) {
                bestErr = err;
                best = s;
            }
        }
    // Two more rounds on the best: re-round to its levels, refit.
    for (int pass = 0; pass < 2 && best != 0; ++pass) {
        float s = 0;
        const double err = refit(best, &s);
        if (err >= bestErr) break;
        bestErr = err;
        best = s;
    }
    return best;
}

// Best (s, b) for x ~ s*q + b with integer q in [0, qmax]; with `offsetAtMostZero` the offset is
// kept <= 0 (the K types store it as a non-negative min that is subtracted).
void fitAffine(const float* x, const float* w, int n, int qmax, bool offsetAtMostZero, float* scale,
               float* offset) {
    float lo = *std::min_element(x, x + n), hi = *std::max_element(x, x + n);
    if (offsetAtMostZero) lo = std::min(lo, 0.0f);
    *scale = 0;
    *offset = lo;
    if (hi <= lo) return;
    double sw = 0, sx = 0;
    for (int i = 0; i < n; ++i) {
        sw += w[i];
        sx += double(w[i]) * x[i];
    }
    const float top = float(qmax);
    // The levels (x - off) * isc rounds to, as floats: rounding by adding and subtracting
    // 1.5 * 2^23 (exact for the clamped range), so the loops vectorize.
    auto level = [top](float v) {
        const float c = std::min(std::max(v, 0.0f), top);
        return (c + 12582912.0f) - 12582912.0f;
    };
    double bestErr = DBL_MAX;
    // Least squares for (s, b) on the levels of (off, isc), and its error; kept if the best.
    auto solve = [&](float off, float isc) {
        float sq = 0, sqq = 0, sxq = 0;
#pragma omp simd reduction(+ : sq, sqq, sxq)
        for (int i = 0; i < n; ++i) {
            const float q = level((x[i] - off) * isc);
            sq += w[i] * q;
            sqq += w[i] * q * q;
            sxq += w[i] * x[i] * q;
        }
        const double det = sw * sqq - double(sq) * sq;
        if (det <= 0) return false;
        double s = (sw * sxq - sq * sx) / det, b = (sqq * sx - sq * double(sxq)) / det;
        if (offsetAtMostZero && b > 0) {
            b = 0;
            s = double(sxq) / sqq;
        }
        if (s <= 0) return false;
        const float sf = float(s), bf = float(b), inv = float(1.0 / s);
        float err = 0;
#pragma omp simd reduction(+ : err)
        for (int i = 0; i < n; ++i) {
            const float e = x[i] - (sf * level((x[i] - bf) * inv) + bf);
            err += w[i] * e * e;
        }
        if (err >= bestErr) return false;
        bestErr = err;
        *scale = sf;
        *offset = bf;
        return true;
    };
    for (int k = -8; k <= 8; ++k) {
        const float iscale = (top + 0.1f * float(k)) / (hi - lo);
        if (iscale > 0) solve(lo, iscale);
    }
    // Two more rounds on the best: re-round to its levels, refit.
    for (int pass = 0; pass < 2 && *scale > 0; ++pass)
        if (!solve(*offset, 1.0f / *scale)) break;
}

// ---- legacy types: ggml's reference rounding, or the search when given an importance -------

void q8_0(const float* x, u8* b, const float* w) {
    float d;
    if (w) {
        d = roundHalf(fitSymmetric(x, w, 32, -127, 127));
    } else {
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
        d = amax / 127.0f;
    }
    putHalf(b, d);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < 32; ++i)
        b[2 + i] = u8(std::int8_t(w ? clampNearest(x[i] * id, -127, 127) : int(std::round(x[i] * id))));
}

// Q4_0 and Q5_0: d = (value of largest magnitude) / -2^(bits-1); level = trunc(x/d + 2^(bits-1)
// + 0.5), at most 2^bits - 1.
void symmetricLegacy(const float* x, u8* b, const float* w, int bits) {
    const int half = 1 << (bits - 1), top = (1 << bits) - 1;
    float d;
    if (w) {
        d = roundHalf(fitSymmetric(x, w, 32, -half, half - 1));
    } else {
        float amax = 0, maxv = 0;
        for (int i = 0; i < 32; ++i)
            if (amax < std::fabs(x[i])) {
                amax = std::fabs(x[i]);
                maxv = x[i];
            }
        d = maxv / float(-half);
    }
    putHalf(b, d);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int q[32];
    const float bias = float(half) + 0.5f; // one constant, 8.5 or 16.5, added once: as ggml does
    for (int i = 0; i < 32; ++i)
        q[i] = w ? clampNearest(x[i] * id, -half, half - 1) + half
                 : std::min(top, int(std::int8_t(x[i] * id + bias)));
    u8* qs = b + (bits == 5 ? 6 : 2);
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = u8((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
        qh |= std::uint32_t((q[j] >> 4) & 1) << j;
        qh |= std::uint32_t((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (bits == 5) std::memcpy(b + 2, &qh, 4);
}

// Q4_1 and Q5_1: d = (max - min) / (2^bits - 1), m = min; level = trunc((x - min)/d + 0.5).
void affineLegacy(const float* x, u8* b, const float* w, int bits) {
    const int top = (1 << bits) - 1;
    float d, m;
    if (w) {
        fitAffine(x, w, 32, top, false, &d, &m);
        d = roundHalf(d);
        m = roundHalf(m);
    } else {
        float lo = FLT_MAX, hi = -FLT_MAX;
        for (int i = 0; i < 32; ++i) {
            lo = std::min(lo, x[i]);
            hi = std::max(hi, x[i]);
        }
        d = (hi - lo) / float(top);
        m = lo;
    }
    putHalf(b, d);
    putHalf(b + 2, m);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int q[32];
    for (int i = 0; i < 32; ++i)
        q[i] = w ? clampNearest((x[i] - m) * id, 0, top)
                 : std::min(top, int(std::int8_t((x[i] - m) * id + 0.5f)));
    u8* qs = b + (bits == 5 ? 8 : 4);
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = u8((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
        qh |= std::uint32_t((q[j] >> 4) & 1) << j;
        qh |= std::uint32_t((q[j + 16] >> 4) & 1) << (j + 16);
    }
    if (bits == 5) std::memcpy(b + 4, &qh, 4);
}

// ---- K types -------------------------------------------------------------------------------

// The affine K types: `groups` groups of 256/groups values, value = d*sc*q - dmin*m with
// sc, m in [0, scaleMax] and q in [0, qmax]. Fills sc, mn, q and returns (d, dmin) as stored.
struct AffineK {
    float d = 0, dmin = 0;
    int sc[16] = {}, mn[16] = {};
    int q[256] = {};
};

double affineError(const float* x, const float* w, int groups, AffineK& k, int qmax) {
    const int len = 256 / groups;
    double err = 0;
    for (int g = 0; g < groups; ++g) {
        const float ds = k.d * float(k.sc[g]), dm = k.dmin * float(k.mn[g]);
        const float inv = ds > 0 ? 1.0f / ds : 0.0f;
        for (int l = 0; l < len; ++l) {
            const int i = g * len + l;
            k.q[i] = ds > 0 ? clampNearest((x[i] + dm) * inv, 0, qmax) : 0;
            const double e = x[i] - (double(ds) * k.q[i] - dm);
            err += w[i] * e * e;
        }
    }
    return err;
}

AffineK affineK(const float* x, const float* w, int groups, int qmax, int scaleMax) {
    const int len = 256 / groups;
    float scale[16], minv[16];
    for (int g = 0; g < groups; ++g) {
        float b;
        fitAffine(x + g * len, w + g * len, len, qmax, true, &scale[g], &b);
        minv[g] = -b;
    }
    AffineK k;
    k.d = roundHalf(*std::max_element(scale, scale + groups) / float(scaleMax));
    k.dmin = roundHalf(*std::max_element(minv, minv + groups) / float(scaleMax));
    for (int g = 0; g < groups; ++g) {
        k.sc[g] = k.d > 0 ? clampNearest(scale[g] / k.d, 0, scaleMax) : 0;
        k.mn[g] = k.dmin > 0 ? clampNearest(minv[g] / k.dmin, 0, scaleMax) : 0;
    }
    double err = affineError(x, w, groups, k, qmax);
    // Refit the two super-block scales by least squares on the levels found: x ~ d*(sc*q) -
    // dmin*m. Kept if the stored (f16) pair does better.
    double aa = 0, ab = 0, bb = 0, xa = 0, xb = 0;
    for (int i = 0; i < 256; ++i) {
        const double a = double(k.sc[i / len]) * k.q[i], bm = -double(k.mn[i / len]);
        aa += w[i] * a * a;
        ab += w[i] * a * bm;
        bb += w[i] * bm * bm;
        xa += w[i] * x[i] * a;
        xb += w[i] * x[i] * bm;
    }
    const double det = aa * bb - ab * ab;
    AffineK refit = k;
    if (det > 0) {
        refit.d = roundHalf(float((xa * bb - xb * ab) / det));
        refit.dmin = roundHalf(float((aa * xb - ab * xa) / det));
    } else if (aa > 0) {
        refit.d = roundHalf(float(xa / aa));
    }
    if (refit.d > 0 && refit.dmin >= 0) {
        const double e2 = affineError(x, w, groups, refit, qmax);
        if (e2 < err) {
            k = refit;
            err = e2;
        }
    }
    (void)affineError(x, w, groups, k, qmax); // leaves k.q for k's own scales
    return k;
}

// The 12-byte packing of 8 six-bit (scale, min) pairs that BlockQuant.cpp's scaleMinK4 reads.
void packScaleMinK4(const int* sc, const int* mn, u8* s) {
    std::memset(s, 0, 12);
    for (int j = 0; j < 4; ++j) {
        s[j] = u8(sc[j]);
        s[j + 4] = u8(mn[j]);
    }
    for (int j = 4; j < 8; ++j) {
        s[j + 4] = u8((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
        s[j - 4] = u8(s[j - 4] | ((sc[j] >> 4) << 6));
        s[j] = u8(s[j] | ((mn[j] >> 4) << 6));
    }
}

void q4_k(const float* x, u8* b, const float* w) {
    const AffineK k = affineK(x, w, 8, 15, 63);
    putHalf(b, k.d);
    putHalf(b + 2, k.dmin);
    packScaleMinK4(k.sc, k.mn, b + 4);
    u8* qs = b + 16;
    for (int pair = 0; pair < 4; ++pair)
        for (int l = 0; l < 32; ++l)
            qs[32 * pair + l] = u8(k.q[64 * pair + l] | (k.q[64 * pair + 32 + l] << 4));
}

void q5_k(const float* x, u8* b, const float* w) {
    const AffineK k = affineK(x, w, 8, 31, 63);
    putHalf(b, k.d);
    putHalf(b + 2, k.dmin);
    packScaleMinK4(k.sc, k.mn, b + 4);
    u8* qh = b + 16;
    u8* qs = b + 48;
    std::memset(qh, 0, 32);
    for (int pair = 0; pair < 4; ++pair)
        for (int l = 0; l < 32; ++l) {
            const int lo = k.q[64 * pair + l], hi = k.q[64 * pair + 32 + l];
            qs[32 * pair + l] = u8((lo & 0xF) | ((hi & 0xF) << 4));
            qh[l] = u8(qh[l] | ((lo >> 4) << (2 * pair)) | ((hi >> 4) << (2 * pair + 1)));
        }
}

// Q2_K: 16 groups of 16, 4-bit scale and min per group, 2-bit levels. Group g sits in half
// g/8 of the 64 level bytes, in 16-byte part g%2, at bit shift 2*((g%8)/2).
void q2_k(const float* x, u8* b, const float* w) {
    const AffineK k = affineK(x, w, 16, 3, 15);
    u8* scales = b;
    u8* qs = b + 16;
    std::memset(qs, 0, 64);
    for (int g = 0; g < 16; ++g) {
        scales[g] = u8(k.sc[g] | (k.mn[g] << 4));
        const int half = g / 8, shift = 2 * ((g % 8) / 2), part = g % 2;
        for (int l = 0; l < 16; ++l) {
            u8& byte = qs[32 * half + 16 * part + l];
            byte = u8(byte | (k.q[16 * g + l] << shift));
        }
    }
    putHalf(b + 80, k.d);
    putHalf(b + 82, k.dmin);
}

// The symmetric K types: 16 groups of 16, value = d*sc*q, signed sc in [scMin, scMax] and q in
// [qmin, qmax]. Returns d; fills sc and q.
float symmetricK(const float* x, const float* w, int qmin, int qmax, int scMin, int scMax, int* sc,
                 int* q) {
    float scale[16];
    float maxs = 0;
    for (int g = 0; g < 16; ++g) {
        scale[g] = fitSymmetric(x + 16 * g, w + 16 * g, 16, qmin, qmax);
        if (std::fabs(scale[g]) > std::fabs(maxs)) maxs = scale[g];
    }
    auto levels = [&](float d) {
        double err = 0;
        for (int g = 0; g < 16; ++g) {
            const float ds = d * float(sc[g]);
            const float inv = ds != 0 ? 1.0f / ds : 0.0f;
            for (int l = 0; l < 16; ++l) {
                const int i = 16 * g + l;
                q[i] = ds != 0 ? clampNearest(x[i] * inv, qmin, qmax) : 0;
                const double e = x[i] - double(ds) * q[i];
                err += w[i] * e * e;
            }
        }
        return err;
    };
    float d = roundHalf(maxs / float(scMin));
    for (int g = 0; g < 16; ++g) sc[g] = d != 0 ? clampNearest(scale[g] / d, scMin, scMax) : 0;
    const double err = levels(d);
    double xa = 0, aa = 0;
    for (int i = 0; i < 256; ++i) {
        const double a = double(sc[i / 16]) * q[i];
        xa += w[i] * x[i] * a;
        aa += w[i] * a * a;
    }
    if (aa > 0) {
        const float refit = roundHalf(float(xa / aa));
        if (levels(refit) < err) return refit;
    }
    levels(d);
    return d;
}

// Q3_K: 6-bit signed scales (stored + 32: 16 low nibbles, then 16 two-bit high parts), levels
// q + 4 in [0, 7]: 2 low bits in the 64 level bytes as Q2_K places them, the third in hmask.
void q3_k(const float* x, u8* b, const float* w) {
    int sc[16], q[256];
    const float d = symmetricK(x, w, -4, 3, -32, 31, sc, q);
    u8* hm = b;
    u8* qs = b + 32;
    u8* packed = b + 96;
    std::memset(b, 0, 108);
    for (int g = 0; g < 16; ++g) {
        const int s = sc[g] + 32;
        packed[g % 8] = u8(packed[g % 8] | ((s & 0xF) << (g < 8 ? 0 : 4)));
        packed[8 + g % 4] = u8(packed[8 + g % 4] | (((s >> 4) & 3) << (2 * (g / 4))));
        const int half = g / 8, shift = 2 * ((g % 8) / 2), part = g % 2;
        const u8 mask = u8(1 << (4 * half + shift / 2));
        for (int l = 0; l < 16; ++l) {
            const int v = q[16 * g + l] + 4, k = 16 * part + l;
            qs[32 * half + k] = u8(qs[32 * half + k] | ((v & 3) << shift));
            if (v & 4) hm[k] = u8(hm[k] | mask);
        }
    }
    putHalf(b + 108, d);
}

// Q6_K: int8 scales, levels q + 32 in [0, 63] as 4 low bits (ql) and 2 high bits (qh).
void q6_k(const float* x, u8* b, const float* w) {
    int sc[16], qv[256];
    const float d = symmetricK(x, w, -32, 31, -128, 127, sc, qv);
    for (int g = 0; g < 16; ++g) b[192 + g] = u8(std::int8_t(sc[g]));
    putHalf(b + 208, d);
    int q[256];
    for (int i = 0; i < 256; ++i) q[i] = qv[i] + 32;
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

using QuantFn = void (*)(const float*, u8*, const float*);

QuantFn quantFn(DType t) {
    switch (t) {
    case DType::Q4_0:
        return [](const float* x, u8* b, const float* w) { symmetricLegacy(x, b, w, 4); };
    case DType::Q5_0:
        return [](const float* x, u8* b, const float* w) { symmetricLegacy(x, b, w, 5); };
    case DType::Q4_1:
        return [](const float* x, u8* b, const float* w) { affineLegacy(x, b, w, 4); };
    case DType::Q5_1:
        return [](const float* x, u8* b, const float* w) { affineLegacy(x, b, w, 5); };
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
    default:
        return nullptr;
    }
}

bool isKType(DType t) {
    return dtypeBlockElements(t) == 256;
}

} // namespace

bool canQuantize(DType type) {
    return type == DType::F32 || type == DType::F16 || type == DType::BF16 ||
           quantFn(type) != nullptr;
}

bool quantizeBlocks(DType type, const float* src, void* dst, std::int64_t n,
                    const float* importance) {
    if (n < 0) return false;
    auto* p = static_cast<u8*>(dst);
    switch (type) {
    case DType::F32:
        std::memcpy(p, src, std::size_t(n) * 4);
        return true;
    case DType::F16:
    case DType::BF16:
        for (std::int64_t i = 0; i < n; ++i) {
            const std::uint16_t h = type == DType::F16 ? floatToHalf(src[i]) : floatToBf16(src[i]);
            std::memcpy(p + 2 * i, &h, 2);
        }
        return true;
    default:
        break;
    }
    const QuantFn fn = quantFn(type);
    const std::int64_t qk = dtypeBlockElements(type);
    if (!fn || n % qk != 0) return false;
    const std::int64_t blockBytes = dtypeBlockBytes(type);
    // The K types search with unit weights when no importance is given; the legacy types then
    // take ggml's reference rounding instead.
    std::vector<float> ones(isKType(type) && !importance ? std::size_t(qk) : 0, 1.0f);
    for (std::int64_t i = 0; i < n / qk; ++i) {
        const float* x = src + i * qk;
        if (importance) {
            const BlockWeights w(importance + i * qk, int(qk));
            fn(x, p + i * blockBytes, w.w.data());
        } else {
            fn(x, p + i * blockBytes, ones.empty() ? nullptr : ones.data());
        }
    }
    return true;
}

} // namespace llmlab
