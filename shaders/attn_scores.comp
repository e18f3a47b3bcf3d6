// scores [B*H, Tq, Tk] = scale * (q [B*Tq, H*hd] head h) . (k [B*Tk, Hkv*hd] head g),
// g = h / (H/Hkv) (grouped-query attention), each of the B sequences on its own rows. One invocation per score,
// summed in the CPU reference's order.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
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
    const uint n = p.batch * p.heads * p.tq * p.tk;
    const uint group = p.heads / p.kv_heads;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint j = idx % p.tk;
        const uint i = (idx / p.tk) % p.tq;
        const uint bh = idx / (p.tk * p.tq);
        const uint b = bh / p.heads, h = bh % p.heads;
        const uint qb = (b * p.tq + i) * p.heads * p.head_dim + h * p.head_dim;
        const uint kb = (b * p.tk + j) * p.kv_heads * p.head_dim + (h / group) * p.head_dim;
        float dot = 0.0;
        for (uint d = 0; d < p.head_dim; ++d) dot += q[qb + d] * k[kb + d];
        o[idx] = dot * p.scale;
    }
}
