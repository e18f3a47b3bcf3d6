// out [T,D] = table [V,D] rows picked by ids [T]; an id outside [0, V) gives a row of zeros
// (as the CPU reference does), so no id can make the shader read out of bounds.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Table { float table[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint vocab;
    uint dim;
    uint count;
} p;

void main() {
    const uint n = p.count * p.dim;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        const uint t = i / p.dim, d = i % p.dim;
        const int id = ids[t];
        o[i] = (id >= 0 && uint(id) < p.vocab) ? table[uint(id) * p.dim + d] : 0.0;
    }
}
