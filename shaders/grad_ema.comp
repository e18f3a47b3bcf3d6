// Grokfast-EMA (Lee et al. 2024): ema = alpha ema + (1-alpha) grad, written back in place;
// out = grad + lambda ema.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Grad { float grad[]; };
layout(std430, binding = 1) buffer Ema { float ema[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint n;
    float alpha;
    float lambda;
} p;

void main() {
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        const float e = p.alpha * ema[i] + (1.0 - p.alpha) * grad[i];
        ema[i] = e;
        o[i] = grad[i] + p.lambda * e;
    }
}
