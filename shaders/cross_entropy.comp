// loss [N] = logsumexp(logits [N, V] row) - logits[row, label]; a label outside [0, V) gives 0.
// Max subtracted before exp. One workgroup per row.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint rows;
    uint vocab;
    float scale; // unused; shares the row push block layout
} p;

#include "reduce.glsl"

void main() {
    const uint tid = gl_LocalInvocationID.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        const int y = labels[row];
        if (y < 0 || uint(y) >= p.vocab) { // the same for the whole workgroup
            if (tid == 0) o[row] = 0.0;
            continue;
        }
        const uint base = row * p.vocab;
        float m = logits[base];
        for (uint j = tid; j < p.vocab; j += gl_WorkGroupSize.x) m = max(m, logits[base + j]);
        m = workgroup_max(m);
        float s = 0.0;
        for (uint j = tid; j < p.vocab; j += gl_WorkGroupSize.x) s += exp(logits[base + j] - m);
        s = workgroup_sum(s);
        if (tid == 0) o[row] = m + log(s) - logits[base + uint(y)];
    }
}
