// out = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh approximation
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint n;
} p;

// tanh's argument is clamped: tanh(+-10) is +-1 in float, and some drivers compute tanh as a
// ratio of exponentials that overflows to inf/inf = NaN for large arguments.
float gelu(float v) {
    const float k = 0.7978845608028654; // sqrt(2/pi)
    const float u = clamp(k * (v + 0.044715 * v * v * v), -10.0, 10.0);
    return 0.5 * v * (1.0 + tanh(u));
}

void main() {
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        const float v = x[i];
        o[i] = gelu(v);
    }
}
