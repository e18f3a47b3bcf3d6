// AdamW step, in place (decoupled weight decay, Loshchilov & Hutter): with g = grad * clip,
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; param -= lr (m c1 / (sqrt(v c2) + eps) + wd param).
// scalars [4] = {lr, c1, c2, skip} change every step, so they come from a buffer (skip != 0:
// param, m and v stay as they are, a micro-batch of gradient accumulation);
// clip = min(1, clip_norm / sqrt(normSq)) when has_norm, else 1.
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer Param { float param[]; };
layout(std430, binding = 1) readonly buffer Grad { float grad[]; };
layout(std430, binding = 2) buffer M { float m[]; };
layout(std430, binding = 3) buffer V { float v[]; };
layout(std430, binding = 4) readonly buffer Scalars { float scalars[]; };
// [1]; unread unless has_norm
layout(std430, binding = 5) readonly buffer NormSq { float norm_sq[]; };

layout(push_constant) uniform Push {
    uint n;
    float beta1;
    float beta2;
    float eps;
    float weight_decay;
    float clip_norm;
    uint has_norm;
} p;

void main() {
    if (scalars[3] != 0.0) return;
    const float lr = scalars[0], c1 = scalars[1], c2 = scalars[2];
    float clip = 1.0;
    if (p.has_norm != 0) {
        const float norm = sqrt(norm_sq[0]);
        clip = norm > p.clip_norm ? p.clip_norm / norm : 1.0;
    }
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        const float g = grad[i] * clip;
        const float mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
        const float vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        const float mhat = mi * c1, vhat = vi * c2;
        param[i] -= lr * (mhat / (sqrt(vhat) + p.eps) + p.weight_decay * param[i]);
    }
}
