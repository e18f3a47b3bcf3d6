// In place: dst [R, C] rows picked by rows [T] get src [T, C] (the KV cache write). A row index
// outside [0, R) is skipped, as in the CPU reference; two sources naming the same row leave
// either one (callers never do that: positions are distinct).
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer Dst { float dst[]; };
layout(std430, binding = 1) readonly buffer Src { float src[]; };
layout(std430, binding = 2) readonly buffer Rows { int rows[]; };

layout(push_constant) uniform Push {
    uint dstRows;
    uint cols;
    uint count; // source rows T
} p;

void main() {
    const uint n = p.count * p.cols;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        const uint t = i / p.cols, c = i % p.cols;
        const int r = rows[t];
        if (r >= 0 && uint(r) < p.dstRows) dst[uint(r) * p.cols + c] = src[i];
    }
}
