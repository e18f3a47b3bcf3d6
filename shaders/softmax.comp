// Row softmax of x viewed as [rows, Tq, Tk]: v = x * scale + mask[i, j], key j excluded when
// causal and j > i + (Tk - Tq); excluded and -inf entries get probability exactly 0, and a row
// with nothing allowed is all zeros. Max subtracted before exp. One workgroup per row.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Mask { float mask[]; }; // [Tq, Tk]; unused unless has_mask
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint rows;
    uint tq;
    uint tk;
    float scale;
    uint causal;
    uint has_mask;
} p;

#include "reduce.glsl"

#define NEG_INF uintBitsToFloat(0xff800000u)

float value(uint base, uint i, uint j, int last_allowed) {
    if (int(j) > last_allowed) return NEG_INF;
    return x[base + j] * p.scale + (p.has_mask != 0 ? mask[i * p.tk + j] : 0.0);
}

void main() {
    const uint tid = gl_LocalInvocationID.x;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        const uint base = row * p.tk;
        const uint i = row % p.tq; // query index within its [Tq, Tk] block
        const int last_allowed = p.causal != 0 ? int(i) + (int(p.tk) - int(p.tq)) : int(p.tk) - 1;
        float m = NEG_INF;
        for (uint j = tid; j < p.tk; j += gl_WorkGroupSize.x) m = max(m, value(base, i, j, last_allowed));
        m = workgroup_max(m);
        if (m == NEG_INF) { // nothing allowed (uniform across the workgroup)
            for (uint j = tid; j < p.tk; j += gl_WorkGroupSize.x) o[base + j] = 0.0;
            continue;
        }
        float s = 0.0;
        for (uint j = tid; j < p.tk; j += gl_WorkGroupSize.x) {
            const float v = value(base, i, j, last_allowed);
            s += v == NEG_INF ? 0.0 : exp(v - m);
        }
        const float inv = 1.0 / workgroup_sum(s);
        for (uint j = tid; j < p.tk; j += gl_WorkGroupSize.x) {
            const float v = value(base, i, j, last_allowed);
            o[base + j] = v == NEG_INF ? 0.0 : exp(v - m) * inv;
        }
    }
}
