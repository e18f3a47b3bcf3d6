// c [M,N] = a [M,K] x w^T for a weight matrix w [N,K] stored packed (see packed.glsl), M <= 8:
// the decoding case, where what counts is reading each weight once. One workgroup per output
// column n; its threads walk K (consecutive threads, consecutive weights) and keep one sum per
// row of a, then add their sums up in shared memory.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in; // a power of two, at most 256
const uint MAX_ROWS = 8;

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

shared float partial[MAX_ROWS * 256];

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint threads = gl_WorkGroupSize.x;
    const uint col = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (col >= p.n) return; // the whole workgroup: no barrier is skipped by only some threads

    float acc[MAX_ROWS];
    for (uint r = 0; r < MAX_ROWS; ++r) acc[r] = 0.0;
    const uint row = col * packed_row_bytes(p.k);
    for (uint kk = tid; kk < p.k; kk += threads) {
        const float w = packed_at(row, kk);
        for (uint r = 0; r < p.m; ++r) acc[r] += w * a[r * p.k + kk];
    }
    for (uint r = 0; r < p.m; ++r) partial[r * threads + tid] = acc[r];
    barrier();
    for (uint step = threads / 2; step > 0; step /= 2) {
        if (tid < step)
            for (uint r = 0; r < p.m; ++r)
                partial[r * threads + tid] += partial[r * threads + tid + step];
        barrier();
    }
    if (tid < p.m) c[tid * p.n + col] = partial[tid * threads];
}
