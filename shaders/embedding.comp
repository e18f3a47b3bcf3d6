// out [T,D] = table [V,D] rows picked by ids [T]; an id outside [0, V) gives a row of zeros
// (as the CPU reference does), so no id can make the shader read out of bounds.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

#ifdef PACKED
// The table in a packed type (-DWEIGHT_<type>): see packed.glsl.
layout(std430, binding = 0) readonly buffer Table { uint wq[]; };
#include "packed.glsl"
#else
layout(std430, binding = 0) readonly buffer Table { float table[]; };
#endif
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
#ifdef PACKED
        o[i] = (id >= 0 && uint(id) < p.vocab) ? packed_at(uint(id) * packed_row_bytes(p.dim), d)
                                               : 0.0;
#else
        o[i] = (id >= 0 && uint(id) < p.vocab) ? table[uint(id) * p.dim + d] : 0.0;
#endif
    }
}
