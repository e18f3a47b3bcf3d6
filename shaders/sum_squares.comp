// out [1] = sum of x^2 over all of x (the global gradient norm's square). A single workgroup:
// each invocation sums a strided share, then the workgroup reduces the partial sums.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint n;
} p;

#include "reduce.glsl"

void main() {
    const uint tid = gl_LocalInvocationID.x;
    float s = 0.0;
    for (uint i = tid; i < p.n; i += gl_WorkGroupSize.x) s += x[i] * x[i];
    s = workgroup_sum(s);
    if (tid == 0) o[0] = s;
}
