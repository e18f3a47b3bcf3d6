// Backward of attn_scores for k: dk [B*Tk, Hkv*hd][b*Tk + j, g*hd + d] = sum over the group's
// heads h, then over i, of scale * dScores [B*H, Tq, Tk][b*H + h, i, j] * q [B*Tq, H*hd][b*Tq + i,
// h*hd + d]. One invocation per output (no atomics), in the CPU reference's order.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DS { float ds[]; };
layout(std430, binding = 1) readonly buffer Q { float q[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint tq;
    uint tk;
    uint heads;
    uint kv_heads;
    uint head_dim;
    float scale;
    uint batch;
} p;

void main() {
    const uint qw = p.heads * p.head_dim;
    const uint kw = p.kv_heads * p.head_dim;
    const uint n = p.batch * p.tk * kw;
    const uint group = p.heads / p.kv_heads;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint row = idx / kw;
        const uint b = row / p.tk, j = row % p.tk;
        const uint g = (idx % kw) / p.head_dim;
        const uint d = idx % p.head_dim;
        float acc = 0.0;
        for (uint h = g * group; h < (g + 1) * group; ++h) {
            const uint sb = (b * p.heads + h) * p.tq * p.tk + j;
            const uint qb = b * p.tq * qw + h * p.head_dim + d;
            for (uint i = 0; i < p.tq; ++i) acc += p.scale * ds[sb + i * p.tk] * q[qb + i * qw];
        }
        o[idx] = acc;
    }
}
