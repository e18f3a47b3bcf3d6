// Attention in one pass for prompts: out [B*Tq, H*hd] = softmax(softmax_scale * (scale * q k^T)
// + mask, causal) v, head by head, without storing the scores (flash-attention style). A
// workgroup takes a block of query rows of one head, a thread per row: keys and values stream
// through shared memory BC rows at a time, and each thread keeps its row's running maximum,
// running sum and output, rescaled when the maximum grows (online softmax). Used only where
// nobody reads the probabilities: captured attention (the lab's maps) keeps the three-op path,
// whose probabilities are exact. head_dim <= MAX_HD.
#version 450

layout(local_size_x_id = 0) in;
const uint MAX_HD = 128u;
const uint BC = 16u;

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) readonly buffer Mask { float mask[]; }; // [Tq, Tk]; unused unless has_mask
layout(std430, binding = 4) writeonly buffer Out { float o[]; };

layout(push_constant) uniform Push {
    uint tq;
    uint tk;
    uint heads;
    uint kv_heads;
    uint head_dim;
    float scale;
    uint batch;
    uint causal;
    uint has_mask;
    float softmax_scale;
} p;

shared float ks[BC * MAX_HD];
shared float vs[BC * MAX_HD];

#define NEG_INF uintBitsToFloat(0xff800000u)

void main() {
    const uint tid = gl_LocalInvocationID.x, rows = gl_WorkGroupSize.x;
    const uint bh = gl_WorkGroupID.y, b = bh / p.heads, h = bh % p.heads;
    const uint g = h / (p.heads / p.kv_heads);
    const uint hd = p.head_dim, qw = p.heads * hd, kw = p.kv_heads * hd;
    const uint i0 = gl_WorkGroupID.x * rows, i = i0 + tid;
    const bool inRange = i < p.tq;
    const int shift = int(p.tk) - int(p.tq);
    const int lastAllowed = p.causal != 0u ? int(i) + shift : int(p.tk) - 1;
    // The keys the block's last row may see: the same bound for every thread (barriers below).
    const int blockLast = p.causal != 0u ? int(min(i0 + rows, p.tq)) - 1 + shift : int(p.tk) - 1;
    const uint kEnd = uint(clamp(blockLast + 1, 0, int(p.tk)));

    float qv[MAX_HD];
    float acc[MAX_HD];
    for (uint d = 0u; d < MAX_HD; ++d) {
        qv[d] = 0.0;
        acc[d] = 0.0;
    }
    if (inRange)
        for (uint d = 0u; d < hd; ++d) qv[d] = q[(b * p.tq + i) * qw + h * hd + d];
    float m = NEG_INF, l = 0.0;
    for (uint j0 = 0u; j0 < kEnd; j0 += BC) {
        const uint n = min(BC, kEnd - j0);
        for (uint e = tid; e < n * hd; e += rows) {
            const uint jj = e / hd, d = e % hd;
            const uint src = (b * p.tk + j0 + jj) * kw + g * hd + d;
            ks[jj * MAX_HD + d] = k[src];
            vs[jj * MAX_HD + d] = v[src];
        }
        barrier();
        if (inRange) {
            float s[BC];
            float tileMax = NEG_INF;
            for (uint jj = 0u; jj < BC; ++jj) {
                s[jj] = NEG_INF;
                if (jj < n && int(j0 + jj) <= lastAllowed) {
                    float dot = 0.0;
                    for (uint d = 0u; d < hd; ++d) dot += qv[d] * ks[jj * MAX_HD + d];
                    s[jj] = (dot * p.scale) * p.softmax_scale +
                            (p.has_mask != 0u ? mask[i * p.tk + j0 + jj] : 0.0);
                    tileMax = max(tileMax, s[jj]);
                }
            }
            if (tileMax != NEG_INF) { // -inf scores (masked) add nothing
                const float mNew = max(m, tileMax);
                const float rescale = m == NEG_INF ? 0.0 : exp(m - mNew);
                l *= rescale;
                for (uint d = 0u; d < hd; ++d) acc[d] *= rescale;
                for (uint jj = 0u; jj < BC; ++jj) {
                    if (s[jj] == NEG_INF) continue;
                    const float e = exp(s[jj] - mNew);
                    l += e;
                    for (uint d = 0u; d < hd; ++d) acc[d] += e * vs[jj * MAX_HD + d];
                }
                m = mNew;
            }
        }
        barrier(); // the tile is read by every thread before the next one overwrites it
    }
    if (inRange) {
        const float inv = l > 0.0 ? 1.0 / l : 0.0; // nothing allowed: zeros, as the softmax gives
        for (uint d = 0u; d < hd; ++d) o[(b * p.tq + i) * qw + h * hd + d] = acc[d] * inv;
    }
}
