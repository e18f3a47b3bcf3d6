// Reading one weight from a matrix stored in a packed type (F16, BF16, or a GGUF block type),
// so shaders can use a Q4_K model without anyone widening it to F32. The including shader
// declares `wq`, the weights as a uint array, and defines exactly one of WEIGHT_F16,
// WEIGHT_BF16, WEIGHT_Q4_0, ... WEIGHT_Q8_K (the shader variants in CMakeLists.txt).
// Block layouts and formulas: engine/formats/BlockQuant.cpp (which restates ggml's structs).
//
// Blocks start at even byte offsets in every type, so a 16-bit field never straddles a word.

uint byte_at(uint off) {
    return (wq[off >> 2] >> ((off & 3u) * 8u)) & 0xFFu;
}
uint u16_at(uint off) { // off is even
    return (wq[off >> 2] >> ((off & 2u) * 8u)) & 0xFFFFu;
}
uint u32_at(uint off) { // any alignment
    return byte_at(off) | (byte_at(off + 1u) << 8) | (byte_at(off + 2u) << 16) |
           (byte_at(off + 3u) << 24);
}
float half_at(uint off) {
    return unpackHalf2x16(u16_at(off)).x;
}
int i8_at(uint off) {
    return int(byte_at(off) << 24) >> 24;
}

#if defined(WEIGHT_F32) // plain floats (matvec_blocks only)
const uint QK = 1u, BLOCK_BYTES = 4u;
#elif defined(WEIGHT_F16) || defined(WEIGHT_BF16)
const uint QK = 1u, BLOCK_BYTES = 2u;
#elif defined(WEIGHT_Q4_0)
const uint QK = 32u, BLOCK_BYTES = 18u;
#elif defined(WEIGHT_Q4_1)
const uint QK = 32u, BLOCK_BYTES = 20u;
#elif defined(WEIGHT_Q5_0)
const uint QK = 32u, BLOCK_BYTES = 22u;
#elif defined(WEIGHT_Q5_1)
const uint QK = 32u, BLOCK_BYTES = 24u;
#elif defined(WEIGHT_Q8_0)
const uint QK = 32u, BLOCK_BYTES = 34u;
#elif defined(WEIGHT_Q2_K)
const uint QK = 256u, BLOCK_BYTES = 84u;
#elif defined(WEIGHT_Q3_K)
const uint QK = 256u, BLOCK_BYTES = 110u;
#elif defined(WEIGHT_Q4_K)
const uint QK = 256u, BLOCK_BYTES = 144u;
#elif defined(WEIGHT_Q5_K)
const uint QK = 256u, BLOCK_BYTES = 176u;
#elif defined(WEIGHT_Q6_K)
const uint QK = 256u, BLOCK_BYTES = 210u;
#elif defined(WEIGHT_Q8_K)
const uint QK = 256u, BLOCK_BYTES = 292u;
#else
#error "define the weight type"
#endif

// Bytes of one row of `cols` weights.
uint packed_row_bytes(uint cols) {
    return cols / QK * BLOCK_BYTES;
}

#if defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
// The 6-bit scale and min of group g (0..7) from the 12 bytes at s.
void scale_min_k4(uint s, uint g, out float sc, out float mn) {
    if (g < 4u) {
        sc = float(byte_at(s + g) & 63u);
        mn = float(byte_at(s + g + 4u) & 63u);
    } else {
        sc = float((byte_at(s + g + 4u) & 0xFu) | ((byte_at(s + g - 4u) >> 6) << 4));
        mn = float((byte_at(s + g + 4u) >> 4) | ((byte_at(s + g) >> 6) << 4));
    }
}
#endif

// Weight `col` of the row starting at byte `row`.
float packed_at(uint row, uint col) {
    const uint b = row + (col / QK) * BLOCK_BYTES; // the block
    const uint v = col % QK;                        // the value within it
#if defined(WEIGHT_F32)
    return uintBitsToFloat(wq[b >> 2]);
#elif defined(WEIGHT_F16)
    return half_at(b);
#elif defined(WEIGHT_BF16)
    return uintBitsToFloat(u16_at(b) << 16);
#elif defined(WEIGHT_Q4_0)
    const uint q = byte_at(b + 2u + (v & 15u));
    return float(int(v < 16u ? q & 0xFu : q >> 4) - 8) * half_at(b);
#elif defined(WEIGHT_Q4_1)
    const uint q = byte_at(b + 4u + (v & 15u));
    return float(v < 16u ? q & 0xFu : q >> 4) * half_at(b) + half_at(b + 2u);
#elif defined(WEIGHT_Q5_0)
    const uint q = byte_at(b + 6u + (v & 15u));
    const uint hi = ((u32_at(b + 2u) >> v) & 1u) << 4; // bit v of qh
    return float(int((v < 16u ? q & 0xFu : q >> 4) | hi) - 16) * half_at(b);
#elif defined(WEIGHT_Q5_1)
    const uint q = byte_at(b + 8u + (v & 15u));
    const uint hi = ((u32_at(b + 4u) >> v) & 1u) << 4;
    return float((v < 16u ? q & 0xFu : q >> 4) | hi) * half_at(b) + half_at(b + 2u);
#elif defined(WEIGHT_Q8_0)
    return float(i8_at(b + 2u + v)) * half_at(b);
#elif defined(WEIGHT_Q2_K)
    // v = half*128 + shift/2*32 + part*16 + l; scales[v/16] = 4-bit scale | 4-bit min << 4
    const uint half_ = v >> 7, s = (v >> 5) & 3u, part = (v >> 4) & 1u, l = v & 15u;
    const uint q = (byte_at(b + 16u + half_ * 32u + part * 16u + l) >> (2u * s)) & 3u;
    const uint sc = byte_at(b + (v >> 4));
    return half_at(b + 80u) * float(sc & 0xFu) * float(q) - half_at(b + 82u) * float(sc >> 4);
#elif defined(WEIGHT_Q3_K)
    const uint half_ = v >> 7, s = (v >> 5) & 3u, part = (v >> 4) & 1u, l = v & 15u;
    const uint k = part * 16u + l;
    const uint q = (byte_at(b + 32u + half_ * 32u + k) >> (2u * s)) & 3u;
    const bool h = (byte_at(b + k) & (1u << (half_ * 4u + s))) != 0u;
    const uint i = v >> 4; // scale index
    const uint low = i < 8u ? byte_at(b + 96u + i) & 0xFu : byte_at(b + 96u + i - 8u) >> 4;
    const uint high = (byte_at(b + 104u + (i % 4u)) >> (2u * (i / 4u))) & 3u;
    const int scale = int(low | (high << 4)) - 32;
    return half_at(b + 108u) * float(scale) * float(int(q) - (h ? 0 : 4));
#elif defined(WEIGHT_Q4_K)
    const uint g = v >> 5, l = v & 31u;
    float sc, mn;
    scale_min_k4(b + 4u, g, sc, mn);
    const uint q = byte_at(b + 16u + (g >> 1) * 32u + l);
    const float nib = float((g & 1u) == 0u ? q & 0xFu : q >> 4);
    return half_at(b) * sc * nib - half_at(b + 2u) * mn;
#elif defined(WEIGHT_Q5_K)
    const uint g = v >> 5, l = v & 31u;
    float sc, mn;
    scale_min_k4(b + 4u, g, sc, mn);
    const uint q = byte_at(b + 48u + (g >> 1) * 32u + l);
    const uint hi = ((byte_at(b + 16u + l) >> g) & 1u) << 4;
    const float value = float(((g & 1u) == 0u ? q & 0xFu : q >> 4) | hi);
    return half_at(b) * sc * value - half_at(b + 2u) * mn;
#elif defined(WEIGHT_Q6_K)
    const uint half_ = v >> 7, part = (v >> 5) & 3u, l = v & 31u;
    const uint low = byte_at(b + half_ * 64u + l + (part & 1u) * 32u);
    const uint hi = (byte_at(b + 128u + half_ * 32u + l) >> (2u * part)) & 3u;
    const int q = int((part < 2u ? low & 0xFu : low >> 4) | (hi << 4)) - 32;
    const float scale = float(i8_at(b + 192u + half_ * 8u + (l >> 4) + 2u * part));
    return half_at(b + 208u) * scale * float(q);
#elif defined(WEIGHT_Q8_K)
    return uintBitsToFloat(u32_at(b)) * float(i8_at(b + 4u + v));
#endif
}
