#include "BenchModel.h"

#include "Half.h"
#include "formats/BlockQuant.h"
#include "quant/Quantize.h"
#include "formats/GgufReader.h"
#include "formats/GgufWriter.h"
#include "formats/MappedFile.h"

#include <cmath>
#include <cstring>
#include <memory>

namespace llmlab {

namespace {

MetaValue u32(std::int64_t v) {
    return MetaValue::integer(MetaType::UInt32, v);
}

// splitmix64: a fast, well-mixed stream per (seed, tensor, row), so rows fill in parallel and
// the same seed gives the same file.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Uniform on [-a, a] with a = 0.02·√3 (standard deviation 0.02, as initialisers use).
void randomRow(std::uint64_t key, float* out, std::int64_t n) {
    const float a = 0.02f * std::sqrt(3.0f);
    std::uint64_t state = mix(key);
    for (std::int64_t i = 0; i < n; ++i) {
        state = mix(state);
        out[i] = a * (float(state >> 40) / float(1 << 24) * 2.0f - 1.0f);
    }
}

struct Packed {
    std::string name;
    DType type;
    Shape shape;
    std::vector<std::uint8_t> bytes;
};

Packed randomMatrix(std::string name, std::int64_t rows, std::int64_t cols, DType type,
                    std::uint64_t key) {
    Packed p{std::move(name), type, Shape({rows, cols}), {}};
    const std::int64_t rowBytes = dtypeStorageBytes(type, cols);
    p.bytes.resize(std::size_t(rows * rowBytes));
#pragma omp parallel
    {
        std::vector<float> row(static_cast<std::size_t>(cols));
#pragma omp for schedule(static)
        for (std::int64_t r = 0; r < rows; ++r) {
            randomRow(key * 0x100000000ull + std::uint64_t(r), row.data(), cols);
            std::uint8_t* dst = p.bytes.data() + r * rowBytes;
            if (type == DType::F32) {
                std::memcpy(dst, row.data(), std::size_t(rowBytes));
            } else if (type == DType::F16 || type == DType::BF16) {
                for (std::int64_t i = 0; i < cols; ++i) {
                    const std::uint16_t h = type == DType::F16 ? floatToHalf(row[std::size_t(i)])
                                                               : floatToBf16(row[std::size_t(i)]);
                    std::memcpy(dst + 2 * i, &h, 2);
                }
            } else {
                quantizeBlocks(type, row.data(), dst, cols);
            }
        }
    }
    return p;
}

Packed ones(std::string name, std::int64_t n) {
    Packed p{std::move(name), DType::F32, Shape({n}), {}};
    p.bytes.resize(std::size_t(n * 4));
    const float one = 1.0f;
    for (std::int64_t i = 0; i < n; ++i) std::memcpy(p.bytes.data() + 4 * i, &one, 4);
    return p;
}

} // namespace

std::int64_t BenchShape::parameters() const {
    const std::int64_t headDim = dim / heads;
    const std::int64_t perLayer =
        dim * dim * 2 + 2 * dim * kvHeads * headDim + 3 * dim * ffn + 2 * dim;
    return layers * perLayer + 2 * vocab * dim + dim;
}

std::vector<BenchShape> benchShapes() {
    return {
        {"stories110m", 768, 12, 12, 12, 2048, 32000, 1024},
        {"tinyllama", 2048, 22, 32, 4, 5632, 32000, 2048},
    };
}

bool benchShape(const std::string& name, BenchShape* out) {
    for (const BenchShape& s : benchShapes())
        if (s.name == name) {
            *out = s;
            return true;
        }
    return false;
}

bool writeBenchModel(const BenchShape& s, DType type, const std::string& vocabGguf,
                     const std::string& path, std::uint64_t seed, std::string* error) {
    const bool plain = type == DType::F32 || type == DType::F16 || type == DType::BF16;
    if (!plain && !canQuantize(type)) {
        *error = "cannot write weights as " + std::string(dtypeName(type)) +
                 " (F32, F16, BF16, Q4_0, Q8_0, Q4_K and Q6_K can be written)";
        return false;
    }
    const std::int64_t block = dtypeBlockElements(type);
    if (s.dim % block != 0 || s.ffn % block != 0) {
        *error = std::string(dtypeName(type)) + " needs rows that are whole blocks of " +
                 std::to_string(block) + " values";
        return false;
    }
    GgufWriter w;
    std::unique_ptr<RawModel> vocab;
    try {
        std::string mapError;
        auto file = MappedFile::open(vocabGguf, &mapError);
        if (!file) {
            *error = mapError;
            return false;
        }
        vocab = std::make_unique<RawModel>(readGguf(file));
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
    if (std::int64_t(vocab->metadata.arraySize("tokenizer.ggml.tokens")) != s.vocab ||
        vocab->metadata.getString("tokenizer.ggml.model") != "llama") {
        *error = vocabGguf + " is not a llama SentencePiece vocabulary of " +
                 std::to_string(s.vocab) + " tokens";
        return false;
    }
    w.addMetadata("general.architecture", MetaValue::string("llama"));
    w.addMetadata("general.name", MetaValue::string(s.name + " shape, random " +
                                                    std::string(dtypeName(type)) + " weights"));
    w.addMetadata("llama.context_length", u32(s.context));
    w.addMetadata("llama.embedding_length", u32(s.dim));
    w.addMetadata("llama.block_count", u32(s.layers));
    w.addMetadata("llama.feed_forward_length", u32(s.ffn));
    w.addMetadata("llama.attention.head_count", u32(s.heads));
    w.addMetadata("llama.attention.head_count_kv", u32(s.kvHeads));
    w.addMetadata("llama.rope.dimension_count", u32(s.dim / s.heads));
    w.addMetadata("llama.rope.freq_base", MetaValue::real(MetaType::Float32, 10000.0));
    w.addMetadata("llama.attention.layer_norm_rms_epsilon",
                  MetaValue::real(MetaType::Float32, 1e-5));
    w.addMetadata("llama.vocab_size", u32(s.vocab));
    for (const auto& [key, value] : vocab->metadata.entries())
        if (key.rfind("tokenizer.", 0) == 0) w.addMetadata(key, value);

    const std::int64_t kvDim = s.kvHeads * (s.dim / s.heads);
    std::vector<Packed> tensors;
    std::uint64_t key = seed * 1000;
    tensors.push_back(randomMatrix("token_embd.weight", s.vocab, s.dim, type, ++key));
    for (std::int64_t l = 0; l < s.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        tensors.push_back(ones(p + "attn_norm.weight", s.dim));
        tensors.push_back(randomMatrix(p + "attn_q.weight", s.dim, s.dim, type, ++key));
        tensors.push_back(randomMatrix(p + "attn_k.weight", kvDim, s.dim, type, ++key));
        tensors.push_back(randomMatrix(p + "attn_v.weight", kvDim, s.dim, type, ++key));
        tensors.push_back(randomMatrix(p + "attn_output.weight", s.dim, s.dim, type, ++key));
        tensors.push_back(ones(p + "ffn_norm.weight", s.dim));
        tensors.push_back(randomMatrix(p + "ffn_gate.weight", s.ffn, s.dim, type, ++key));
        tensors.push_back(randomMatrix(p + "ffn_up.weight", s.ffn, s.dim, type, ++key));
        tensors.push_back(randomMatrix(p + "ffn_down.weight", s.dim, s.ffn, type, ++key));
    }
    tensors.push_back(ones("output_norm.weight", s.dim));
    tensors.push_back(randomMatrix("output.weight", s.vocab, s.dim, type, ++key));
    for (const Packed& t : tensors) w.addTensor(t.name, t.type, t.shape, t.bytes.data());
    return w.write(path, error);
}

} // namespace llmlab
