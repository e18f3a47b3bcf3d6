// Backward of softmax, per row of y [rows, n] (the forward output):
// dx = scale * y * (dy - sum(dy * y)). One workgroup per row.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint rows;
    uint n;
    float scale;
} p;

#include "reduce.glsl"

void main() {
    const uint tid = gl_LocalInvocationID.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        const uint base = row * p.n;
        float s = 0.0;
        for (uint j = tid; j < p.n; j += gl_WorkGroupSize.x) s += dy[base + j] * y[base + j];
        const float dot = workgroup_sum(s);
        for (uint j = tid; j < p.n; j += gl_WorkGroupSize.x)
            o[base + j] = p.scale * y[base + j] * (dy[base + j] - dot);
    }
}
