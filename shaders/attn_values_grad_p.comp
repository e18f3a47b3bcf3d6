// Backward of attn_values for the probabilities: dProbs [B*H, Tq, Tk][b*H + h, i, j] =
// sum_d dOut [B*Tq, H*hd][b*Tq + i, h*hd + d] * v [B*Tk, Hkv*hd][b*Tk + j, g*hd + d],
// g = h / (H/Hkv). One invocation per output, summed over d in order.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DO { float dout[]; };
layout(std430, binding = 1) readonly buffer V { float v[]; };
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
    const uint n = p.batch * p.heads * p.tq * p.tk;
    const uint group = p.heads / p.kv_heads;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint j = idx % p.tk;
        const uint i = (idx / p.tk) % p.tq;
        const uint bh = idx / (p.tk * p.tq);
        const uint b = bh / p.heads, h = bh % p.heads;
        const uint ob = (b * p.tq + i) * ow + h * p.head_dim;
        const uint vb = (b * p.tk + j) * vw + (h / group) * p.head_dim;
        float dot = 0.0;
        for (uint d = 0; d < p.head_dim; ++d) dot += dout[ob + d] * v[vb + d];
        o[idx] = dot;
    }
}
