// Workgroup-wide sum and max through shared memory; the workgroup size must be a power of two.
// Every invocation of the workgroup must call these (they contain barriers). Built with
// -DSUBGROUPS (the "_sg" shader variants, for devices with subgroup arithmetic): a subgroupAdd
// or subgroupMax within each subgroup, then one value per subgroup through shared memory — two
// barriers instead of log2(workgroup size) + 1.

shared float reduce_partial[gl_WorkGroupSize.x];

#ifdef SUBGROUPS
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

float workgroup_sum(float v) {
    v = subgroupAdd(v);
    if (gl_NumSubgroups == 1u) return v;
    if (subgroupElect()) reduce_partial[gl_SubgroupID] = v;
    barrier();
    float total = 0.0; // every invocation adds the same values in the same order
    for (uint i = 0u; i < gl_NumSubgroups; ++i) total += reduce_partial[i];
    barrier(); // reduce_partial is free for the next reduction
    return total;
}

float workgroup_max(float v) {
    v = subgroupMax(v);
    if (gl_NumSubgroups == 1u) return v;
    if (subgroupElect()) reduce_partial[gl_SubgroupID] = v;
    barrier();
    float total = reduce_partial[0];
    for (uint i = 1u; i < gl_NumSubgroups; ++i) total = max(total, reduce_partial[i]);
    barrier();
    return total;
}

#else

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

#endif // SUBGROUPS
