// c [M,N] = a [M,K] x w^T, M <= 8 (decoding, short prompts), for weights in F32, Q4_0, Q8_0, Q4_K or Q6_K read block by block: a thread takes 32 weights at a time (a
// Q4_0/Q8_0 block, or one 32-value group of a K super-block), unpacks them from whole words with their scales once and
// multiplies them with every row of a. COLS weight rows per workgroup share the walk over K.
// The sums meet through subgroupAdd, then across subgroups in shared memory (whatever the
// device's subgroup size). The device must have subgroup arithmetic in compute shaders; the
// per-value shader (matvec_packed.comp) serves the other types and devices.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in; // at most 256
const uint MAX_ROWS = 8u; // rows of a
const uint COLS = 2u;     // weight rows (output columns) a workgroup takes

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer W { uint wq[]; };
layout(std430, binding = 2) writeonly buffer C { float c[]; };

layout(push_constant) uniform Push {
    uint m;
    uint n;
    uint k;
    uint pad;
} p;

#include "packed.glsl"

// One partial sum per (column, row of a, subgroup).
shared float partial[COLS * MAX_ROWS * gl_WorkGroupSize.x];

// 4 bytes at an even offset, as one word (blocks of 18, 34 and 210 bytes are only 2-aligned).
uint word_even(uint off) {
    const uint i = off >> 2;
    return (off & 2u) == 0u ? wq[i] : (wq[i] >> 16) | (wq[i + 1u] << 16);
}

// The 32 weights of unit u (values 32u .. 32u + 31) of the row starting at byte `row`.
void decode_unit(uint row, uint u, out vec4 w[8]) {
#if defined(WEIGHT_F32)
    const uint o = (row >> 2) + u * 32u;
    for (uint j = 0u; j < 8u; ++j)
        w[j] = uintBitsToFloat(uvec4(wq[o + 4u * j], wq[o + 4u * j + 1u], wq[o + 4u * j + 2u],
                                     wq[o + 4u * j + 3u]));
#elif defined(WEIGHT_Q8_0)
    const uint b = row + u * 34u;
    const float d = half_at(b);
    for (uint j = 0u; j < 8u; ++j) {
        const uint v = word_even(b + 2u + 4u * j);
        w[j] = d * vec4(float(int(v << 24) >> 24), float(int(v << 16) >> 24),
                        float(int(v << 8) >> 24), float(int(v) >> 24));
    }
#elif defined(WEIGHT_Q4_0)
    const uint b = row + u * 18u;
    const float d = half_at(b);
    for (uint j = 0u; j < 4u; ++j) { // bytes 4j..4j+3: low nibbles are values 4j.., high 16+4j..
        const uint v = word_even(b + 2u + 4u * j);
        const uvec4 q = uvec4(v & 0xFFu, (v >> 8) & 0xFFu, (v >> 16) & 0xFFu, v >> 24);
        w[j] = d * (vec4(q & 0xFu) - 8.0);
        w[j + 4u] = d * (vec4(q >> 4) - 8.0);
    }
#elif defined(WEIGHT_Q4_K)
    const uint b = row + (u >> 3) * 144u, g = u & 7u;
    float sc, mn;
    scale_min_k4(b + 4u, g, sc, mn);
    const float ds = half_at(b) * sc, dm = half_at(b + 2u) * mn;
    const uint shift = (g & 1u) * 4u, words = (b + 16u + (g >> 1) * 32u) >> 2;
    for (uint j = 0u; j < 8u; ++j) {
        const uint v = wq[words + j] >> shift;
        w[j] = ds * vec4(v & 0xFu, (v >> 8) & 0xFu, (v >> 16) & 0xFu, (v >> 24) & 0xFu) - dm;
    }
#elif defined(WEIGHT_Q6_K)
    const uint b = row + (u >> 3) * 210u, half_ = (u >> 2) & 1u, part = u & 3u;
    const float d = half_at(b + 208u);
    const uint ql = b + half_ * 64u + (part & 1u) * 32u, qh = b + 128u + half_ * 32u;
    const uint lowShift = part < 2u ? 0u : 4u, highShift = 2u * part;
    for (uint j = 0u; j < 8u; ++j) {
        const uint lo = word_even(ql + 4u * j) >> lowShift, hi = word_even(qh + 4u * j) >> highShift;
        const uvec4 q = uvec4(lo & 0xFu, (lo >> 8) & 0xFu, (lo >> 16) & 0xFu, (lo >> 24) & 0xFu) |
                        (uvec4(hi & 3u, (hi >> 8) & 3u, (hi >> 16) & 3u, (hi >> 24) & 3u) << 4);
        // Values 4j.. of the 32 share the scale of their 16: j < 4 the first, else the second.
        const float scale = float(i8_at(b + 192u + half_ * 8u + 2u * part + (j >> 2)));
        w[j] = d * scale * (vec4(q) - 32.0);
    }
#else
#error "matvec_blocks takes F32, Q4_0, Q8_0, Q4_K or Q6_K"
#endif
}

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint threads = gl_WorkGroupSize.x;
    const uint col0 = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * COLS;
    if (col0 >= p.n) return; // the whole workgroup: no barrier is skipped by only some threads

    float acc[COLS][MAX_ROWS];
    for (uint j = 0u; j < COLS; ++j)
        for (uint r = 0u; r < MAX_ROWS; ++r) acc[j][r] = 0.0;
    const uint rowBytes = packed_row_bytes(p.k);
#if defined(WEIGHT_F32)
    const uint units = (p.k + 31u) / 32u; // the last one may be short
#else
    const uint units = p.k / 32u;
#endif
    for (uint u = tid; u < units; u += threads) {
        for (uint j = 0u; j < COLS; ++j) {
            if (col0 + j >= p.n) break;
#if defined(WEIGHT_F32)
            if (u * 32u + 32u > p.k) { // a short last unit, value by value
                const uint w0 = (col0 + j) * p.k;
                for (uint r = 0u; r < MAX_ROWS; ++r) {
                    if (r >= p.m) break;
                    for (uint e = u * 32u; e < p.k; ++e)
                        acc[j][r] += uintBitsToFloat(wq[w0 + e]) * a[r * p.k + e];
                }
                continue;
            }
#endif
            vec4 w[8];
            decode_unit((col0 + j) * rowBytes, u, w);
            for (uint r = 0u; r < MAX_ROWS; ++r) {
                if (r >= p.m) break;
                const uint o = r * p.k + u * 32u;
                float s = 0.0;
                for (uint q = 0u; q < 8u; ++q)
                    s += dot(w[q], vec4(a[o + 4u * q], a[o + 4u * q + 1u], a[o + 4u * q + 2u],
                                        a[o + 4u * q + 3u]));
                acc[j][r] += s;
            }
        }
    }
    for (uint j = 0u; j < COLS; ++j)
        for (uint r = 0u; r < MAX_ROWS; ++r) {
            const float v = subgroupAdd(acc[j][r]);
            if (subgroupElect()) partial[(j * MAX_ROWS + r) * threads + gl_SubgroupID] = v;
        }
    barrier();
    for (uint o = tid; o < COLS * MAX_ROWS; o += threads) { // a workgroup may be 8 threads
        const uint j = o / MAX_ROWS, r = o % MAX_ROWS;
        if (r < p.m && col0 + j < p.n) {
            float s = 0.0;
            for (uint g = 0u; g < gl_NumSubgroups; ++g) s += partial[o * threads + g];
            c[r * p.n + col0 + j] = s;
        }
    }
}
