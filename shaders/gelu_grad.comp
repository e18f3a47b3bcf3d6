// Backward of the tanh approximation of GELU: with u = sqrt(2/pi) (x + 0.044715 x^3), t = tanh(u),
// dx = dy * (0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2))
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint n;
} p;

void main() {
    const float c = 0.7978845608028654; // sqrt(2/pi)
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        const float v = x[i];
        // Clamped as in gelu.comp (tanh(+-10) is +-1 in float; some drivers overflow beyond).
        const float t = tanh(clamp(c * (v + 0.044715 * v * v * v), -10.0, 10.0));
        const float dt = (1.0 - t * t) * c * (1.0 + 3.0 * 0.044715 * v * v);
        o[i] = dy[i] * (0.5 * (1.0 + t) + 0.5 * v * dt);
    }
}
