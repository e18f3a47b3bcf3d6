#include "quant/ModelQuantizer.h"

#include "Half.h"
#include "formats/BlockQuant.h"
#include "formats/GgufWriter.h"
#include "formats/TensorNames.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "quant/Quantize.h"
#include "tokenizers/TokenizerData.h"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace llmlab {

namespace {

struct SchemeRow {
    const char* name;
    DType base;
    char size;
    int fileType; // llama_ftype
};

// Smallest first; the file types llama.cpp numbers them with.
constexpr SchemeRow kSchemes[] = {
    {"Q2_K", DType::Q2_K, 0, 10},   {"Q3_K_S", DType::Q3_K, 'S', 11},
    {"Q3_K_M", DType::Q3_K, 'M', 12}, {"Q3_K_L", DType::Q3_K, 'L', 13},
    {"Q4_0", DType::Q4_0, 0, 2},    {"Q4_1", DType::Q4_1, 0, 3},
    {"Q4_K_S", DType::Q4_K, 'S', 14}, {"Q4_K_M", DType::Q4_K, 'M', 15},
    {"Q5_0", DType::Q5_0, 0, 8},    {"Q5_1", DType::Q5_1, 0, 9},
    {"Q5_K_S", DType::Q5_K, 'S', 16}, {"Q5_K_M", DType::Q5_K, 'M', 17},
    {"Q6_K", DType::Q6_K, 0, 18},   {"Q8_0", DType::Q8_0, 0, 7},
    {"F16", DType::F16, 0, 1},      {"BF16", DType::BF16, 0, 32},
    {"F32", DType::F32, 0, 0},
};

std::string upper(std::string s) {
    for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third between.
bool moreBits(int layer, int layers) {
    return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

// The type llama.cpp falls back to when `t`'s block does not divide a row of `cols`.
DType fitRow(DType t, std::int64_t cols) {
    if (cols % dtypeBlockElements(t) == 0) return t;
    switch (t) {
    case DType::Q2_K:
    case DType::Q3_K:
        t = DType::Q4_0;
        break;
    case DType::Q4_K:
        t = DType::Q5_0;
        break;
    case DType::Q5_K:
        t = DType::Q5_1;
        break;
    case DType::Q6_K:
        t = DType::Q8_0;
        break;
    default:
        break;
    }
    return cols % dtypeBlockElements(t) == 0 ? t : DType::F16;
}

bool endsWith(const std::string& s, const char* tail) {
    const std::string t(tail);
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

std::string archOf(const ModelSpec& s) {
    switch (s.family) {
    case ModelFamily::Llama:
        return "llama";
    case ModelFamily::Qwen2:
        return "qwen2";
    case ModelFamily::Gpt2:
        return "gpt2";
    default:
        return "";
    }
}

// tokenizer.ggml.* for a tokenizer that came from outside a GGUF file.
void addTokenizerMetadata(GgufWriter& w, const Tokenizer& tokenizer, const ModelSpec& spec) {
    const tok::TokenizerData& d = tokenizer.data();
    auto u32 = [](std::int64_t x) { return MetaValue::integer(MetaType::UInt32, x); };
    MetaArray tokens, types, scores;
    tokens.elementType = MetaType::String;
    types.elementType = MetaType::Int32;
    scores.elementType = MetaType::Float32;
    tokens.strings = d.pieces;
    for (TokenType t : d.types) types.ints.push_back(std::int64_t(t));
    const bool spm = d.kind == TokenizerKind::SentencePieceBpe;
    w.addMetadata("tokenizer.ggml.model", MetaValue::string(spm ? "llama" : "gpt2"));
    if (!spm)
        w.addMetadata("tokenizer.ggml.pre",
                      MetaValue::string(spec.family == ModelFamily::Qwen2 ? "qwen2" : "gpt-2"));
    w.addMetadata("tokenizer.ggml.tokens", MetaValue::array(std::move(tokens)));
    w.addMetadata("tokenizer.ggml.token_type", MetaValue::array(std::move(types)));
    if (spm) {
        scores.floats.assign(d.scores.begin(), d.scores.end());
        scores.floats.resize(d.pieces.size(), 0.0);
        w.addMetadata("tokenizer.ggml.scores", MetaValue::array(std::move(scores)));
    } else {
        std::vector<std::pair<std::int32_t, std::string>> ranked;
        for (const auto& [key, merge] : d.merges.byPair) {
            const auto a = std::int32_t(key >> 32), b = std::int32_t(key & 0xffffffffu);
            ranked.emplace_back(merge.rank, d.pieces[std::size_t(a)] + " " + d.pieces[std::size_t(b)]);
        }
        std::sort(ranked.begin(), ranked.end());
        MetaArray merges;
        merges.elementType = MetaType::String;
        for (auto& [rank, line] : ranked) merges.strings.push_back(std::move(line));
        w.addMetadata("tokenizer.ggml.merges", MetaValue::array(std::move(merges)));
    }
    if (d.bos >= 0) w.addMetadata("tokenizer.ggml.bos_token_id", u32(d.bos));
    if (d.eos >= 0) w.addMetadata("tokenizer.ggml.eos_token_id", u32(d.eos));
    if (d.unk >= 0) w.addMetadata("tokenizer.ggml.unknown_token_id", u32(d.unk));
    w.addMetadata("tokenizer.ggml.add_bos_token", MetaValue::boolean(d.addBos));
}

// The architecture keys llama.cpp reads, from the spec of a model that is not a GGUF file.
void addSpecMetadata(GgufWriter& w, const ModelFile& model, const std::string& arch) {
    const ModelSpec& s = model.spec();
    auto u32 = [](std::int64_t x) { return MetaValue::integer(MetaType::UInt32, x); };
    auto f32 = [](double x) { return MetaValue::real(MetaType::Float32, x); };
    const std::string name = std::filesystem::path(model.path()).filename().string();
    w.addMetadata("general.architecture", MetaValue::string(arch));
    w.addMetadata("general.name", MetaValue::string(name));
    w.addMetadata(arch + ".context_length", u32(s.context > 0 ? s.context : 2048));
    w.addMetadata(arch + ".embedding_length", u32(s.width));
    w.addMetadata(arch + ".block_count", u32(s.layers));
    w.addMetadata(arch + ".feed_forward_length", u32(s.ffnWidth));
    w.addMetadata(arch + ".attention.head_count", u32(s.heads));
    w.addMetadata(arch + ".attention.head_count_kv", u32(s.kvHeads > 0 ? s.kvHeads : s.heads));
    if (s.norm == NormKind::LayerNorm)
        w.addMetadata(arch + ".attention.layer_norm_epsilon", f32(s.normEps));
    else
        w.addMetadata(arch + ".attention.layer_norm_rms_epsilon", f32(s.normEps));
    if (s.positions == PositionKind::Rope) {
        const int hd = s.headDim > 0 ? s.headDim : s.width / std::max(1, s.heads);
        w.addMetadata(arch + ".rope.dimension_count", u32(s.ropeDims > 0 ? s.ropeDims : hd));
        w.addMetadata(arch + ".rope.freq_base", f32(s.ropeTheta));
    }
    w.addMetadata(arch + ".vocab_size", u32(s.vocab));
}

// GGUF llama pairs RoPE dimensions as (2i, 2i+1); a Hugging Face checkpoint as (i, i + d/2).
// Reorders each head's rows from the second layout to the first.
std::vector<float> interleaveHeads(const std::vector<float>& v, std::int64_t rows,
                                   std::int64_t cols, int heads) {
    const std::int64_t hd = rows / heads, halfDim = hd / 2;
    std::vector<float> out(v.size());
    for (int h = 0; h < heads; ++h)
        for (std::int64_t i = 0; i < halfDim; ++i)
            for (int part = 0; part < 2; ++part) {
                const std::int64_t from = h * hd + i + part * halfDim, to = h * hd + 2 * i + part;
                std::copy_n(v.begin() + from * cols, cols, out.begin() + to * cols);
            }
    return out;
}

// The tokenizer a file names, else the model's own (a GGUF needs one).
Tokenizer tokenizerOf(const ModelFile& model, const std::string& path) {
    if (path.empty()) {
        try {
            return tokenizerFor(model);
        } catch (const std::exception& e) {
            throw std::runtime_error(std::string(e.what()) +
                                     "; a GGUF file carries its vocabulary, so name a tokenizer "
                                     "(tokenizer.json, a llama2.c tokenizer.bin or a GGUF)");
        }
    }
    const std::string name = std::filesystem::path(path).filename().string();
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0)
        return Tokenizer::fromTokenizerJson(path);
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0)
        return Tokenizer::fromGgufFile(path);
    return Tokenizer::fromLlama2c(path);
}

} // namespace

std::vector<std::string> quantSchemeNames() {
    std::vector<std::string> names;
    for (const SchemeRow& r : kSchemes) names.emplace_back(r.name);
    return names;
}

QuantScheme quantScheme(const std::string& name) {
    std::string want = upper(name);
    if (want == "Q3_K" || want == "Q4_K" || want == "Q5_K") want += "_M";
    for (const SchemeRow& r : kSchemes)
        if (want == r.name) return {r.name, r.base, r.size, r.fileType};
    std::string all;
    for (const SchemeRow& r : kSchemes) all += (all.empty() ? "" : ", ") + std::string(r.name);
    throw std::invalid_argument("'" + name + "' is not a quantization type; the types are " + all);
}

DType tensorQuantType(const QuantScheme& scheme, bool pure, const std::string& name,
                      const Shape& shape, int layers, bool hasOutput, int gqa) {
    if (shape.rank() != 2 || !endsWith(name, ".weight")) return DType::F32;
    const std::int64_t cols = shape.dim(1);
    DType t = scheme.base;
    if (pure || !dtypeIsQuantized(t)) return fitRow(t, cols);
    const bool output =
        name == "output.weight" || (!hasOutput && name == "token_embd.weight");
    const int layer = layerOfTensor(name);
    const int n = std::max(1, layers);
    const char size = scheme.size;
    if (output) {
        if (t != DType::Q8_0) t = DType::Q6_K;
    } else if (name.find("attn_v.weight") != std::string::npos ||
               name.find("attn_qkv.weight") != std::string::npos) {
        if (t == DType::Q2_K) t = gqa >= 4 ? DType::Q4_K : DType::Q3_K;
        else if (t == DType::Q3_K && size == 'M') t = layer < 2 ? DType::Q5_K : DType::Q4_K;
        else if (t == DType::Q3_K && size == 'L') t = DType::Q5_K;
        else if ((t == DType::Q4_K || t == DType::Q5_K) && size == 'M' && moreBits(layer, n))
            t = DType::Q6_K;
        else if (t == DType::Q4_K && size == 'S' && layer < 4) t = DType::Q5_K;
    } else if (name.find("ffn_down.weight") != std::string::npos) {
        if (t == DType::Q2_K) t = DType::Q3_K;
        else if (t == DType::Q3_K && size == 'M') t = layer < n / 16 ? DType::Q5_K : DType::Q4_K;
        else if (t == DType::Q3_K && size == 'L') t = DType::Q5_K;
        else if ((t == DType::Q4_K || t == DType::Q5_K) && size == 'M' && moreBits(layer, n))
            t = DType::Q6_K;
        else if (t == DType::Q4_K && size == 'S' && layer < n / 8) t = DType::Q5_K;
    } else if (name.find("attn_output.weight") != std::string::npos) {
        if (t == DType::Q2_K) t = DType::Q3_K;
        else if (t == DType::Q3_K && size == 'M') t = DType::Q4_K;
        else if (t == DType::Q3_K && size == 'L') t = DType::Q5_K;
    }
    return fitRow(t, cols);
}

const std::vector<float>* ImportanceMatrix::find(const std::string& name, std::int64_t cols) const {
    auto it = columns.find(name);
    if (it == columns.end() && endsWith(name, "attn_qkv.weight"))
        it = columns.find(name.substr(0, name.size() - 15) + "attn_q.weight");
    if (it == columns.end() || std::int64_t(it->second.size()) != cols) return nullptr;
    return &it->second;
}

ImportanceMatrix computeImportance(std::shared_ptr<const ModelFile> model, Backend& backend,
                                   const std::string& text, int chunk, int maxTokens,
                                   const ProgressFn& progress, const CancelToken* cancel) {
    const Tokenizer tokenizer = tokenizerFor(*model);
    std::vector<std::int32_t> ids = tokenizer.encode(text);
    if (int(ids.size()) > maxTokens) ids.resize(std::size_t(maxTokens));
    if (ids.size() < 2)
        throw std::runtime_error("the calibration text gives " + std::to_string(ids.size()) +
                                 " tokens; an importance matrix needs a real text");
    const int ctx = model->spec().context > 0 ? model->spec().context : chunk;
    chunk = std::max(2, std::min(chunk, ctx));
    CaptureOptions cap;
    cap.matmulInputs = true;
    InferenceSession session(model, backend, chunk, cap);
    ImportanceMatrix m;
    std::map<std::string, std::vector<double>> sums;
    for (std::size_t at = 0; at < ids.size(); at += std::size_t(chunk)) {
        if (cancel && cancel->cancelled()) throw Cancelled();
        const std::size_t n = std::min(ids.size() - at, std::size_t(chunk));
        session.reset();
        session.prefill(std::span<const std::int32_t>(ids.data() + at, n));
        for (const auto& [names, x] : session.captures().matmulInputs) {
            const std::size_t cols = x.size() / n;
            for (const std::string& name : names) {
                std::vector<double>& s = sums[name];
                s.resize(cols, 0.0);
                for (std::size_t t = 0; t < n; ++t)
                    for (std::size_t c = 0; c < cols; ++c)
                        s[c] += double(x[t * cols + c]) * x[t * cols + c];
            }
        }
        m.tokens += int(n);
        if (progress)
            progress(double(at + n) / double(ids.size()),
                     "importance: " + std::to_string(at + n) + " of " +
                         std::to_string(ids.size()) + " tokens");
    }
    for (const auto& [name, s] : sums) {
        std::vector<float>& c = m.columns[name];
        for (double v : s) c.push_back(float(v / m.tokens));
    }
    return m;
}

QuantizeReport quantizeModel(const ModelFile& model, const std::string& outPath,
                             const QuantizeOptions& options, const ProgressFn& progress,
                             const CancelToken* cancel) {
    const auto start = std::chrono::steady_clock::now();
    QuantizeReport report;
    report.scheme = quantScheme(options.scheme);
    report.usedImportance = options.importance != nullptr;
    if (options.replacements)
        for (const auto& [name, values] : *options.replacements)
            if (!model.find(name))
                throw std::invalid_argument(model.path() + " has no tensor '" + name + "' to replace");
    const ModelSpec& spec = model.spec();
    const bool gguf = model.format() == ModelFormat::Gguf;
    GgufWriter w;
    std::string arch;
    if (gguf) {
        for (const auto& [key, value] : model.metadata().entries())
            if (key != "general.file_type" && key != "general.quantization_version" &&
                key != "general.alignment" && key.rfind("gguf.", 0) != 0) // gguf.*: the reader's
                w.addMetadata(key, value);
    } else {
        arch = archOf(spec);
        if (arch.empty())
            throw std::runtime_error(model.path() + ": a " + std::string(familyName(spec.family)) +
                                     " model cannot be written as GGUF (llama, qwen2 and gpt2 can)");
        addSpecMetadata(w, model, arch);
        addTokenizerMetadata(w, tokenizerOf(model, options.tokenizerPath), spec);
    }
    w.addMetadata("general.file_type", MetaValue::integer(MetaType::UInt32, report.scheme.fileType));
    w.addMetadata("general.quantization_version", MetaValue::integer(MetaType::UInt32, 2));
    w.addMetadata("llmlab.quantize.scheme", MetaValue::string(report.scheme.name + (options.pure ? " (pure)" : "")));
    if (options.importance)
        w.addMetadata("llmlab.quantize.imatrix_tokens",
                      MetaValue::integer(MetaType::UInt32, options.importance->tokens));

    const bool hasOutput = model.find("output.weight") != nullptr;
    // Hugging Face llama checkpoints rotate halves; GGUF llama interleaves pairs.
    const bool permute = !gguf && spec.family == ModelFamily::Llama &&
                         spec.ropeLayout == RopeLayout::RotateHalf;
    std::vector<std::vector<std::uint8_t>> data;
    data.reserve(model.tensors().size());
    std::uint64_t total = 0, done = 0;
    for (const TensorInfo& info : model.tensors()) total += std::uint64_t(info.shape.numel());
    const int threads = options.threads > 0 ? options.threads
                                            : int(std::max(1u, std::thread::hardware_concurrency()));
    for (const TensorInfo& info : model.tensors()) {
        if (cancel && cancel->cancelled()) throw Cancelled();
        // Rows are read in F32 by the threads straight from the mapped tensor; a matrix that must
        // be reordered first (transposed, RoPE rows interleaved) is read whole.
        const Tensor source = model.tensor(info.name);
        Shape shape = info.shape;
        const bool reorder = shape.rank() == 2 &&
                             (info.transposed || (permute && (endsWith(info.name, "attn_q.weight") ||
                                                              endsWith(info.name, "attn_k.weight"))));
        const std::vector<float>* replaced = nullptr;
        if (options.replacements)
            if (const auto it = options.replacements->find(info.name); it != options.replacements->end())
                replaced = &it->second;
        const bool direct = !reorder && !replaced &&
                            (info.dtype == DType::F32 || info.dtype == DType::F16 ||
                             info.dtype == DType::BF16 || dtypeIsQuantized(info.dtype));
        std::vector<float> v;
        if (replaced) {
            if (info.transposed && shape.rank() == 2) shape = Shape{shape.dim(1), shape.dim(0)};
            if (std::int64_t(replaced->size()) != shape.numel())
                throw std::invalid_argument("the new values of '" + info.name + "' do not fit its shape " +
                                            shape.toString());
            v = *replaced;
        } else if (!direct) {
            v = model.outInFloats(info.name, &shape);
        }
        if (permute && shape.rank() == 2) {
            if (endsWith(info.name, "attn_q.weight"))
                v = interleaveHeads(v, shape.dim(0), shape.dim(1), spec.heads);
            else if (endsWith(info.name, "attn_k.weight"))
                v = interleaveHeads(v, shape.dim(0), shape.dim(1),
                                    spec.kvHeads > 0 ? spec.kvHeads : spec.heads);
        }
        QuantizedTensor q;
        q.name = info.name;
        q.from = info.dtype;
        q.shape = shape;
        const int gqa = spec.kvHeads > 0 ? spec.heads / spec.kvHeads : 1;
        q.to = tensorQuantType(report.scheme, options.pure, info.name, shape, spec.layers, hasOutput,
                               gqa);
        const std::int64_t rows = shape.rank() == 2 ? shape.dim(0) : 1;
        const std::int64_t cols = shape.numel() / std::max<std::int64_t>(1, rows);
        const std::vector<float>* imp =
            options.importance && dtypeIsQuantized(q.to) ? options.importance->find(info.name, cols)
                                                         : nullptr;
        const std::int64_t rowBytes = dtypeStorageBytes(q.to, cols);
        std::vector<std::uint8_t> bytes(std::size_t(rowBytes * rows));
        // Each thread quantizes its rows and measures them at once: dequantized back into a
        // row of its own, the squared error summed per thread.
        const int nt = int(std::min<std::int64_t>(threads, std::max<std::int64_t>(1, rows / 16)));
        std::vector<double> se(std::size_t(nt), 0.0), sr(std::size_t(nt), 0.0), mx(std::size_t(nt), 0.0);
        auto work = [&](int k) {
            std::vector<float> back(static_cast<std::size_t>(cols));
            std::vector<std::uint16_t> half(q.to == DType::F16 || q.to == DType::BF16 ? std::size_t(cols) : 0);
            double sumE = 0, sumR = 0, worst = 0; // per thread: no cache line shared in the loop
            std::vector<float> row(direct ? static_cast<std::size_t>(cols) : 0);
            std::vector<std::uint16_t> h(direct ? static_cast<std::size_t>(cols) : 0);
            const auto* raw = static_cast<const std::uint8_t*>(source.data());
            const std::int64_t srcRowBytes = dtypeStorageBytes(info.dtype, cols);
            for (std::int64_t r = k; r < rows; r += nt) {
                const float* x = direct ? row.data() : v.data() + r * cols;
                if (direct) {
                    const std::uint8_t* from = raw + r * srcRowBytes;
                    if (info.dtype == DType::F32) {
                        std::memcpy(row.data(), from, row.size() * 4);
                    } else if (info.dtype == DType::F16 || info.dtype == DType::BF16) {
                        std::memcpy(h.data(), from, h.size() * 2);
                        if (info.dtype == DType::F16) halfToFloat(h.data(), row.data(), h.size());
                        else bf16ToFloat(h.data(), row.data(), h.size());
                    } else {
                        dequantizeBlocks(info.dtype, from, row.data(), cols);
                    }
                }
                std::uint8_t* dst = bytes.data() + r * rowBytes;
                quantizeBlocks(q.to, x, dst, cols, imp ? imp->data() : nullptr);
                if (q.to == DType::F32) {
                    std::copy_n(x, cols, back.data());
                } else if (!half.empty()) {
                    std::memcpy(half.data(), dst, half.size() * 2);
                    if (q.to == DType::F16) halfToFloat(half.data(), back.data(), half.size());
                    else bf16ToFloat(half.data(), back.data(), half.size());
                } else {
                    dequantizeBlocks(q.to, dst, back.data(), cols);
                }
                for (std::int64_t c = 0; c < cols; ++c) {
                    const double e = double(back[std::size_t(c)]) - x[c];
                    sumE += e * e;
                    sumR += double(x[c]) * x[c];
                    worst = std::max(worst, std::fabs(e));
                }
            }
            se[std::size_t(k)] = sumE;
            sr[std::size_t(k)] = sumR;
            mx[std::size_t(k)] = worst;
        };
        std::vector<std::thread> pool;
        for (int k = 1; k < nt; ++k) pool.emplace_back(work, k);
        work(0);
        for (std::thread& t : pool) t.join();
        double seAll = 0, srAll = 0;
        for (int k = 0; k < nt; ++k) {
            seAll += se[std::size_t(k)];
            srAll += sr[std::size_t(k)];
            q.maxError = std::max(q.maxError, mx[std::size_t(k)]);
        }
        const double count = std::max<double>(1, double(shape.numel()));
        q.rmse = std::sqrt(seAll / count);
        q.rms = std::sqrt(srAll / count);
        q.bytes = bytes.size();
        report.bytesIn += info.bytes;
        report.bytesOut += q.bytes;
        data.push_back(std::move(bytes));
        w.addTensor(info.name, q.to, shape, data.back().data());
        report.tensors.push_back(std::move(q));
        done += std::uint64_t(info.shape.numel());
        if (progress)
            progress(double(done) / double(std::max<std::uint64_t>(1, total)),
                     "quantizing " + info.name + " to " + std::string(dtypeName(report.tensors.back().to)));
    }
    if (cancel && cancel->cancelled()) throw Cancelled();
    const std::string tmp = outPath + ".part";
    std::string error;
    if (!w.write(tmp, &error)) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw std::runtime_error(outPath + ": cannot be written (" + error + ")");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, outPath, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw std::runtime_error(outPath + ": cannot be written (" + ec.message() + ")");
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

std::string quantizeReportText(const QuantizeReport& r) {
    std::map<std::string, std::pair<int, std::uint64_t>> byType;
    double worst = 0;
    std::string worstName;
    for (const QuantizedTensor& t : r.tensors) {
        auto& [count, bytes] = byType[std::string(dtypeName(t.to))];
        ++count;
        bytes += t.bytes;
        const double rel = t.rms > 0 ? t.rmse / t.rms : 0;
        if (rel > worst) {
            worst = rel;
            worstName = t.name;
        }
    }
    char line[256];
    std::string out = r.scheme.name + (r.usedImportance ? " with an importance matrix" : "") + "\n";
    for (const auto& [type, cb] : byType) {
        std::snprintf(line, sizeof line, "  %-5s %4d tensors %10.2f MiB\n", type.c_str(), cb.first,
                      double(cb.second) / 1048576.0);
        out += line;
    }
    std::snprintf(line, sizeof line,
                  "  %.2f MiB -> %.2f MiB (%.2f bits a weight) in %.2f s; worst relative RMSE "
                  "%.4f (%s)\n",
                  double(r.bytesIn) / 1048576.0, double(r.bytesOut) / 1048576.0,
                  [&] {
                      double n = 0;
                      for (const QuantizedTensor& t : r.tensors) n += double(t.shape.numel());
                      return n > 0 ? 8.0 * double(r.bytesOut) / n : 0.0;
                  }(),
                  r.seconds, worst, worstName.c_str());
    return out + line;
}

} // namespace llmlab
