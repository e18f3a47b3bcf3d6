// Backward of attn_values for v: dv [B*Tk, Hkv*hd][b*Tk + j, g*hd + d] = sum over the group's
// heads h, then over i, of probs [B*H, Tq, Tk][b*H + h, i, j] * dOut [B*Tq, H*hd][b*Tq + i,
// h*hd + d]. One invocation per output (no atomics), in the CPU reference's order.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DO { float dout[]; };
layout(std430, binding = 1) readonly buffer P { float probs[]; };
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
    const uint ow = p.heads * p.head_dim;
    const uint vw = p.kv_heads * p.head_dim;
    const uint n = p.batch * p.tk * vw;
    const uint group = p.heads / p.kv_heads;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint row = idx / vw;
        const uint b = row / p.tk, j = row % p.tk;
        const uint g = (idx % vw) / p.head_dim;
        const uint d = idx % p.head_dim;
        float acc = 0.0;
        for (uint h = g * group; h < (g + 1) * group; ++h) {
            const uint pb = (b * p.heads + h) * p.tq * p.tk + j;
            const uint ob = b * p.tq * ow + h * p.head_dim + d;
            for (uint i = 0; i < p.tq; ++i) acc += probs[pb + i * p.tk] * dout[ob + i * ow];
        }
        o[idx] = acc;
    }
}
