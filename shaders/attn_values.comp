// out [Tq, H*hd]: out[i, h*hd + d] = sum_j probs [H, Tq, Tk][h, i, j] * v [Tk, Hkv*hd][j, g*hd + d],
// g = h / (H/Hkv). One invocation per output, summed over j in order as the CPU reference does.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer P { float probs[]; };
layout(std430, binding = 1) readonly buffer V { float v[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint tq;
    uint tk;
    uint heads;
    uint kv_heads;
    uint head_dim;
    float scale; // unused; shares the attention push block layout
} p;

void main() {
    const uint width = p.heads * p.head_dim;
    const uint n = p.tq * width;
    const uint group = p.heads / p.kv_heads;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint i = idx / width;
        const uint h = (idx % width) / p.head_dim;
        const uint d = idx % p.head_dim;
        const uint pb = (h * p.tq + i) * p.tk;
        const uint vb = (h / group) * p.head_dim + d;
        const uint vw = p.kv_heads * p.head_dim;
        float acc = 0.0;
        for (uint j = 0; j < p.tk; ++j) acc += probs[pb + j] * v[j * vw + vb];
        o[idx] = acc;
    }
}
