// out [cols] = sum over rows of x [rows, cols] (bias and norm-weight gradients). One invocation
// per column, adding the rows in order (neighbouring invocations read neighbouring columns).
#version 450

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint rows;
    uint cols;
} p;

void main() {
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint c = gl_GlobalInvocationID.x; c < p.cols; c += stride) {
        float s = 0.0;
        for (uint r = 0; r < p.rows; ++r) s += x[r * p.cols + c];
        o[c] = s;
    }
}
