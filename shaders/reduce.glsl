// Workgroup-wide sum and max through shared memory; the workgroup size must be a power of two.
// Every invocation of the workgroup must call these (they contain barriers).

shared float reduce_partial[gl_WorkGroupSize.x];

float workgroup_sum(float v) {
    const uint tid = gl_LocalInvocationID.x;
    reduce_partial[tid] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (tid < s) reduce_partial[tid] += reduce_partial[tid + s];
        barrier();
    }
    const float total = reduce_partial[0];
    barrier(); // reduce_partial is free for the next reduction
    return total;
}

float workgroup_max(float v) {
    const uint tid = gl_LocalInvocationID.x;
    reduce_partial[tid] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (tid < s) reduce_partial[tid] = max(reduce_partial[tid], reduce_partial[tid + s]);
        barrier();
    }
    const float total = reduce_partial[0];
    barrier();
    return total;
}
