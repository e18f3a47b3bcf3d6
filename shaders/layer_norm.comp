// Per row of x [rows, d]: out = (x - mean) / sqrt(var + eps) * w + b, biased variance computed
// in a second pass over (x - mean) as the CPU reference does. One workgroup per row.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint rows;
    uint d;
    float eps;
} p;

#include "reduce.glsl"

void main() {
    const uint tid = gl_LocalInvocationID.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        const uint base = row * p.d;
        float s = 0.0;
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) s += x[base + i];
        const float mean = workgroup_sum(s) / float(p.d);
        float v = 0.0;
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) {
            const float c = x[base + i] - mean;
            v += c * c;
        }
        const float inv = 1.0 / sqrt(workgroup_sum(v) / float(p.d) + p.eps);
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x)
            o[base + i] = (x[base + i] - mean) * inv * w[i] + b[i];
    }
}
