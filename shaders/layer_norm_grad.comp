// Backward of layer_norm through x, per row of x [rows, d]: with xhat = (x - mean) * inv,
// inv = 1 / sqrt(var + eps) and g = dy * w, dx = inv * (g - mean(g) - xhat * mean(g * xhat)).
// Mean and variance in two passes as the forward op does. One workgroup per row.
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
        float s = 0.0;
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) s += x[base + i];
        const float mean = workgroup_sum(s) / float(p.d);
        float v = 0.0;
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) {
            const float c = x[base + i] - mean;
            v += c * c;
        }
        const float inv = 1.0 / sqrt(workgroup_sum(v) / float(p.d) + p.eps);
        float sg = 0.0, sgx = 0.0;
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) {
            const float g = dy[base + i] * w[i];
            sg += g;
            sgx += g * (x[base + i] - mean) * inv;
        }
        const float mean_g = workgroup_sum(sg) / float(p.d);
        const float mean_gx = workgroup_sum(sgx) / float(p.d);
        for (uint i = tid; i < p.d; i += gl_WorkGroupSize.x) {
            const float g = dy[base + i] * w[i];
            const float xhat = (x[base + i] - mean) * inv;
            o[base + i] = inv * (g - mean_g - xhat * mean_gx);
        }
    }
}
