// out [B*Tq, H*hd]: out[b*Tq + i, h*hd + d] = sum_j probs [B*H, Tq, Tk][b*H + h, i, j] *
// v [B*Tk, Hkv*hd][b*Tk + j, g*hd + d], g = h / (H/Hkv). One invocation per output, summed over
// j in order as the CPU reference does.
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
    uint batch;
} p;

void main() {
    const uint width = p.heads * p.head_dim;
    const uint n = p.batch * p.tq * width;
    const uint group = p.heads / p.kv_heads;
    const uint vw = p.kv_heads * p.head_dim;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint row = idx / width;
        const uint b = row / p.tq, i = row % p.tq;
        const uint h = (idx % width) / p.head_dim;
        const uint d = idx % p.head_dim;
        const uint pb = ((b * p.heads + h) * p.tq + i) * p.tk;
        const uint vb = b * p.tk * vw + (h / group) * p.head_dim + d;
        float acc = 0.0;
        for (uint j = 0; j < p.tk; ++j) acc += probs[pb + j] * v[vb + j * vw];
        o[idx] = acc;
    }
}
