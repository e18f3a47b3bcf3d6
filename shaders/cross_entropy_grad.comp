// dLogits [N, V] = scale * (softmax(logits row) - onehot(label)); a row whose label is outside
// [0, V) is all zeros. Max subtracted before exp. One workgroup per row.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint rows;
    uint vocab;
    float scale;
} p;

#include "reduce.glsl"

void main() {
    const uint tid = gl_LocalInvocationID.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        const uint base = row * p.vocab;
        const int y = labels[row];
        if (y < 0 || uint(y) >= p.vocab) { // the same for the whole workgroup
            for (uint j = tid; j < p.vocab; j += gl_WorkGroupSize.x) o[base + j] = 0.0;
            continue;
        }
        float m = logits[base];
        for (uint j = tid; j < p.vocab; j += gl_WorkGroupSize.x) m = max(m, logits[base + j]);
        m = workgroup_max(m);
        float s = 0.0;
        for (uint j = tid; j < p.vocab; j += gl_WorkGroupSize.x) s += exp(logits[base + j] - m);
        const float inv = 1.0 / workgroup_sum(s);
        for (uint j = tid; j < p.vocab; j += gl_WorkGroupSize.x) {
            const float prob = exp(logits[base + j] - m) * inv;
            o[base + j] = p.scale * (prob - (j == uint(y) ? 1.0 : 0.0));
        }
    }
}
