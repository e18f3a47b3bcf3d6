// c [M,N] = a [M,K] x b [K,N]; with -DTRANS_B, b is [N,K] (c = a x b^T); with -DTRANS_A, a is
// [K,M] (c = a^T x b, as weight gradients need). Never both. With -DPACKED -DWEIGHT_<type>
// as well as -DTRANS_B, b is a weight matrix in a packed type, dequantized as the tile loads.
// Tiled: each workgroup computes a TILE_M x TILE_N block of c, walking K in TILE_K-deep slices
// kept in shared memory; each thread accumulates a MICRO_M x MICRO_N micro-tile in registers.
// Workgroup size must be (TILE_M / MICRO_M) * (TILE_N / MICRO_N) (set by the backend).
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TILE_M = 64;
layout(constant_id = 2) const uint TILE_N = 64;
layout(constant_id = 3) const uint TILE_K = 16;
layout(constant_id = 4) const uint MICRO_M = 4;
layout(constant_id = 5) const uint MICRO_N = 4;

layout(std430, binding = 0) readonly buffer A { float a[]; };
#ifdef PACKED
// b is a weight matrix [N,K] in a packed type (TRANS_B only): see packed.glsl.
layout(std430, binding = 1) readonly buffer B { uint wq[]; };
#else
layout(std430, binding = 1) readonly buffer B { float b[]; };
#endif
layout(std430, binding = 2) writeonly buffer C { float c[]; };

layout(push_constant) uniform Push {
    uint m;
    uint n;
    uint k;
    uint pad;
} p;

const uint THREADS_N = TILE_N / MICRO_N; // threads along a tile row
const uint THREADS_M = TILE_M / MICRO_M;
const uint THREADS = THREADS_M * THREADS_N;

// a slice [TILE_K][TILE_M] (transposed so a thread's rows are contiguous) and b [TILE_K][TILE_N]
#ifdef PACKED
#include "packed.glsl"
#endif

shared float a_tile[TILE_K * TILE_M];
shared float b_tile[TILE_K * TILE_N];

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint tx = tid % THREADS_N;
    const uint ty = tid / THREADS_N;
    const uint m0 = gl_WorkGroupID.y * TILE_M;
    const uint n0 = gl_WorkGroupID.x * TILE_N;

    float acc[MICRO_M * MICRO_N];
    for (uint i = 0; i < MICRO_M * MICRO_N; ++i) acc[i] = 0.0;
    float a_reg[MICRO_M];
    float b_reg[MICRO_N];

    for (uint k0 = 0; k0 < p.k; k0 += TILE_K) {
#ifdef TRANS_A
        // a is [K,M]: consecutive threads read consecutive m of one a row
        for (uint i = tid; i < TILE_M * TILE_K; i += THREADS) {
            const uint mm = i % TILE_M, kk = i / TILE_M;
            const uint row = k0 + kk, col = m0 + mm;
            a_tile[kk * TILE_M + mm] = (row < p.k && col < p.m) ? a[row * p.m + col] : 0.0;
        }
#else
        // a slice: consecutive threads read consecutive k of one row (coalesced along K)
        for (uint i = tid; i < TILE_M * TILE_K; i += THREADS) {
            const uint kk = i % TILE_K, mm = i / TILE_K;
            const uint row = m0 + mm, col = k0 + kk;
            a_tile[kk * TILE_M + mm] = (row < p.m && col < p.k) ? a[row * p.k + col] : 0.0;
        }
#endif
#ifdef TRANS_B
        // b is [N,K]: consecutive threads read consecutive k of one b row
        for (uint i = tid; i < TILE_N * TILE_K; i += THREADS) {
            const uint kk = i % TILE_K, nn = i / TILE_K;
            const uint row = n0 + nn, col = k0 + kk;
#ifdef PACKED
            b_tile[kk * TILE_N + nn] =
                (row < p.n && col < p.k) ? packed_at(row * packed_row_bytes(p.k), col) : 0.0;
#else
            b_tile[kk * TILE_N + nn] = (row < p.n && col < p.k) ? b[row * p.k + col] : 0.0;
#endif
        }
#else
        // b is [K,N]: consecutive threads read consecutive n of one b row
        for (uint i = tid; i < TILE_N * TILE_K; i += THREADS) {
            const uint nn = i % TILE_N, kk = i / TILE_N;
            const uint row = k0 + kk, col = n0 + nn;
            b_tile[kk * TILE_N + nn] = (row < p.k && col < p.n) ? b[row * p.n + col] : 0.0;
        }
#endif
        barrier(); // the slice is loaded

        for (uint kk = 0; kk < TILE_K; ++kk) {
            for (uint r = 0; r < MICRO_M; ++r) a_reg[r] = a_tile[kk * TILE_M + ty + r * THREADS_M];
            for (uint q = 0; q < MICRO_N; ++q) b_reg[q] = b_tile[kk * TILE_N + tx + q * THREADS_N];
            for (uint r = 0; r < MICRO_M; ++r)
                for (uint q = 0; q < MICRO_N; ++q) acc[r * MICRO_N + q] += a_reg[r] * b_reg[q];
        }
        barrier(); // everyone is done reading the slice before the next one overwrites it
    }

    for (uint r = 0; r < MICRO_M; ++r) {
        const uint row = m0 + ty + r * THREADS_M;
        if (row >= p.m) continue;
        for (uint q = 0; q < MICRO_N; ++q) {
            const uint col = n0 + tx + q * THREADS_N;
            if (col < p.n) c[row * p.n + col] = acc[r * MICRO_N + q];
        }
    }
}
