// Backward of embedding: dTable [V, D] = scatter-add of dy [T, D] rows at ids [T]; ids outside
// [0, V) are dropped. Several tokens can share an id, so instead of atomics (float atomics are
// optional in Vulkan) each invocation owns one element of dTable and scans all ids, adding the
// matching rows in token order, as the CPU reference does.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint vocab;
    uint dim;
    uint count;
} p;

void main() {
    const uint n = p.vocab * p.dim;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        const int row = int(i / p.dim);
        const uint d = i % p.dim;
        float s = 0.0;
        for (uint t = 0; t < p.count; ++t)
            if (ids[t] == row) s += dy[t * p.dim + d];
        o[i] = s;
    }
}
