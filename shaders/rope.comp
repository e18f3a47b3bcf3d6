// Rotary position embedding of x [T, heads*headDim] at positions pos [T]: pair i of each head is
// rotated by angle pos * theta^(-2i/ropeDims). Interleaved pairs are (2i, 2i+1), rotate-half
// pairs are (i, i + ropeDims/2); dims from ropeDims on pass through. One invocation per output.
//
// Accuracy: positions reach thousands, where a float angle has lost ~12 bits. The host gives,
// per pair, the frequency in turns (freq / 2pi, computed in double) split into four floats of at
// most 8 significant bits each; pos * chunk is then exact in float for |pos| < 65536, and the
// fractional turns are summed, so the angle reaching sin/cos is within [-pi, pi] and accurate.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Pos { int pos[]; };
layout(std430, binding = 2) readonly buffer Freq { vec4 turns_per_pos[]; }; // [ropeDims/2]
layout(std430, binding = 3) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint tokens;
    uint heads;
    uint head_dim;
    uint rope_dims;
    uint rotate_half; // 0: interleaved pairs, 1: halves
} p;

const float TWO_PI = 6.28318530717958647692;

void main() {
    const uint width = p.heads * p.head_dim;
    const uint n = p.tokens * width;
    const uint half_dims = p.rope_dims / 2;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < n; idx += stride) {
        const uint t = idx / width;
        const uint d = idx % p.head_dim;
        if (d >= p.rope_dims) {
            o[idx] = x[idx];
            continue;
        }
        const uint head_base = idx - d;
        uint pair, i0, i1;
        if (p.rotate_half != 0) {
            pair = d % half_dims;
            i0 = pair;
            i1 = pair + half_dims;
        } else {
            pair = d / 2;
            i0 = 2 * pair;
            i1 = 2 * pair + 1;
        }
        const vec4 f = turns_per_pos[pair];
        const float fp = float(pos[t]);
        precise float turns = fract(fp * f.x);
        turns = fract(turns + fract(fp * f.y));
        turns = fract(turns + fract(fp * f.z));
        turns = turns + fp * f.w;
        turns = turns - round(turns); // [-0.5, 0.5]
        const float angle = turns * TWO_PI;
        const float c = cos(angle), s = sin(angle);
        const float x0 = x[head_base + i0], x1 = x[head_base + i1];
        o[idx] = d == i0 ? x0 * c - x1 * s : x0 * s + x1 * c;
    }
}
