// llama2.c (Karpathy) checkpoint layouts, all little-endian fp32:
//   legacy: i32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}
//           (vocab_size < 0: the classifier is stored separately), then token_embedding,
//           rms_att[L], wq[L], wk[L], wv[L], wo[L], rms_ffn[L], w1[L], w2[L], w3[L], rms_final,
//           freq_cis_real, freq_cis_imag (seq_len × head_size/2 each), [wcls].
//   v1:     u32 magic 0x616b3432 "ak42", i32 version 1, the 7 params, u8 shared_classifier,
//           zeros to byte 256, then rms_att[L], rms_ffn[L], rms_final, token_embedding,
//           wq[L], wk[L], wv[L], wo[L], w1[L], w2[L], w3[L], [wcls].
#include "Llama2cReader.h"

#include <cstring>
#include <filesystem>

namespace llmlab {

namespace {

constexpr std::uint32_t kMagicV1 = 0x616b3432;
constexpr std::int64_t kMaxParam = 1 << 24; // far above any real llama2.c model, bounds sizes

struct Config {
    std::int64_t dim, hidden, layers, heads, kvHeads, vocab, seqLen;
    bool shared;
    int version;
};

// Checks the hyper-parameters; returns an empty string when usable, else the problem.
std::string problem(const Config& c) {
    for (std::int64_t v : {c.dim, c.hidden, c.layers, c.heads, c.kvHeads, c.vocab, c.seqLen})
        if (v <= 0 || v > kMaxParam) return "a hyper-parameter is out of range";
    if (c.dim % c.heads != 0) return "dim is not a multiple of n_heads";
    if (c.heads % c.kvHeads != 0) return "n_heads is not a multiple of n_kv_heads";
    return {};
}

// Bytes the layout needs, or 0 when absurd: 128-bit arithmetic, since a hostile header's
// layers × dim × hidden can pass 2^63.
std::uint64_t expectedBytes(const Config& c) {
    using Wide = unsigned __int128;
    const Wide dim = Wide(c.dim), kvDim = Wide(c.dim / c.heads * c.kvHeads);
    Wide n = Wide(c.vocab) * dim + dim;
    n += Wide(c.layers) * (2 * dim + 2 * dim * dim + 2 * dim * kvDim + 3 * dim * Wide(c.hidden));
    if (!c.shared) n += Wide(c.vocab) * dim;
    if (c.version == 0) n += Wide(c.seqLen) * Wide(c.dim / c.heads); // freq_cis real + imag
    n = n * 4 + (c.version == 1 ? 256 : 28);
    return n > Wide(INT64_MAX) ? 0 : std::uint64_t(n);
}

Config readConfig(const MappedFile& f, std::string* why) {
    Config c{};
    std::int32_t p[7];
    if (f.size() >= 4) {
        std::uint32_t magic;
        std::memcpy(&magic, f.data(), 4);
        if (magic == kMagicV1) {
            if (f.size() < 256) {
                *why = "the 256-byte header is truncated";
                return c;
            }
            std::int32_t version;
            std::memcpy(&version, f.data() + 4, 4);
            if (version != 1) {
                *why = "llama2.c checkpoint version " + std::to_string(version) +
                       " is not supported (only fp32 version 1 and the legacy format are)";
                return c;
            }
            std::memcpy(p, f.data() + 8, sizeof p);
            c = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], f.data()[36] != std::byte{0}, 1};
            *why = problem(c);
            return c;
        }
    }
    if (f.size() < 28) {
        *why = "the file is too short for a llama2.c header";
        return c;
    }
    std::memcpy(p, f.data(), sizeof p);
    // A negative vocab_size says the classifier is stored after the other weights.
    c = {p[0], p[1], p[2], p[3], p[4], p[5] < 0 ? -std::int64_t(p[5]) : p[5], p[6], p[5] > 0, 0};
    *why = problem(c);
    return c;
}

} // namespace

bool looksLikeLlama2c(const MappedFile& f) {
    std::string why;
    const Config c = readConfig(f, &why);
    if (!why.empty()) return false;
    return expectedBytes(c) == f.size();
}

RawModel readLlama2c(std::shared_ptr<const MappedFile> file) {
    const std::string name = file->displayName();
    std::string why;
    const Config c = readConfig(*file, &why);
    if (!why.empty()) throw FormatError(name + ": " + why);
    const std::uint64_t expected = expectedBytes(c);
    if (expected != file->size())
        throw FormatError(name + ": the header describes " +
                          (expected ? std::to_string(expected) : std::string("more than 2^63")) +
                          " bytes of llama2.c checkpoint but the file has " +
                          std::to_string(file->size()));

    RawModel model;
    const std::int64_t headSize = c.dim / c.heads, kvDim = headSize * c.kvHeads;
    std::uint64_t pos = c.version == 1 ? 256 : 28;
    // Appends one tensor per layer (or one when perLayer is false) at the running offset.
    auto add = [&](const std::string& canon, const char* source, Shape shape, bool perLayer) {
        const int count = perLayer ? int(c.layers) : 1;
        for (int l = 0; l < count; ++l) {
            TensorInfo t;
            t.name = perLayer ? "blk." + std::to_string(l) + "." + canon : canon;
            t.sourceName = perLayer ? std::string(source) + "[" + std::to_string(l) + "]" : source;
            t.shape = shape;
            t.bytes = std::uint64_t(shape.numel()) * 4;
            t.offset = pos;
            pos += t.bytes;
            model.tensors.push_back(std::move(t));
        }
    };
    auto embedding = [&] {
        add("token_embd.weight", "token_embedding_table", {c.vocab, c.dim}, false);
    };
    auto attnNorm = [&] { add("attn_norm.weight", "rms_att_weight", {c.dim}, true); };
    auto ffnNorm = [&] { add("ffn_norm.weight", "rms_ffn_weight", {c.dim}, true); };
    auto finalNorm = [&] { add("output_norm.weight", "rms_final_weight", {c.dim}, false); };
    auto attention = [&] {
        add("attn_q.weight", "wq", {c.dim, c.dim}, true);
        add("attn_k.weight", "wk", {kvDim, c.dim}, true);
        add("attn_v.weight", "wv", {kvDim, c.dim}, true);
        add("attn_output.weight", "wo", {c.dim, c.dim}, true);
    };
    auto ffn = [&] {
        add("ffn_gate.weight", "w1", {c.hidden, c.dim}, true);
        add("ffn_down.weight", "w2", {c.dim, c.hidden}, true);
        add("ffn_up.weight", "w3", {c.hidden, c.dim}, true);
    };
    if (c.version == 0) {
        embedding();
        attnNorm();
        attention();
        ffnNorm();
        ffn();
        finalNorm();
        pos += 4 * std::uint64_t(c.seqLen * headSize); // freq_cis: recomputed from theta instead
    } else {
        attnNorm();
        ffnNorm();
        finalNorm();
        embedding();
        attention();
        ffn();
    }
    if (!c.shared) add("output.weight", "wcls", {c.vocab, c.dim}, false);

    Metadata& m = model.metadata;
    auto setInt = [&](const char* key, std::int64_t v) {
        m.set(std::string("llama2c.") + key, MetaValue::integer(MetaType::Int32, v));
    };
    setInt("version", c.version);
    setInt("dim", c.dim);
    setInt("hidden_dim", c.hidden);
    setInt("n_layers", c.layers);
    setInt("n_heads", c.heads);
    setInt("n_kv_heads", c.kvHeads);
    setInt("vocab_size", c.vocab);
    setInt("seq_len", c.seqLen);
    m.set("llama2c.shared_classifier", MetaValue::boolean(c.shared));

    namespace fs = std::filesystem;
    const fs::path dir = fs::path(file->path()).parent_path();
    for (const std::string& cand :
         {"tok" + std::to_string(c.vocab) + ".bin", std::string("tokenizer.bin")})
        if (fs::exists(dir / cand)) {
            model.tokenizerPath = (dir / cand).string();
            break;
        }
    model.files.push_back(std::move(file));
    return model;
}

} // namespace llmlab
