// Backward of rms_norm through x, per row of x [rows, d]: with inv = 1 / sqrt(mean(x^2) + eps),
// dx = dy * w * inv - x * inv^3 * mean(dy * w * x). One workgroup per row.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer W { float w[]; };
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
        float ss = 0.0, gx = 0.0;
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) {
            const float v = x[base + i];
            ss += v * v;
            gx += dy[base + i] * w[i] * v;
        }
        ss = workgroup_sum(ss);
        gx = workgroup_sum(gx);
        const float inv = 1.0 / sqrt(ss / float(p.d) + p.eps);
        const float k = inv * inv * inv * gx / float(p.d);
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x)
            o[base + i] = dy[base + i] * w[i] * inv - x[base + i] * k;
    }
}
