#include "ModelCost.h"

#include "formats/ModelSpec.h"
#include "formats/TensorIndex.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>
#include <stdexcept>

namespace llmlab {

namespace {

bool isEmbedding(const std::string& name) {
    return name.rfind("token_embd", 0) == 0 || name.rfind("position_embd", 0) == 0;
}
bool isOutput(const std::string& name) {
    return name == "output.weight";
}

// The storage types the weights table lists, widest first.
const DType kLadder[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0, DType::Q6_K,
                         DType::Q5_K, DType::Q4_K, DType::Q4_0, DType::Q3_K, DType::Q2_K};

// Bytes of one tensor stored as `type`: vectors stay F32, rows that are not whole blocks F16
// (as llama.cpp falls back when it quantizes).
double bytesAs(const CostShape::Tensor& t, DType type, bool* kept) {
    if (!t.matrix()) {
        if (kept) *kept = type != DType::F32;
        return 4.0 * double(t.elements());
    }
    if (dtypeIsQuantized(type) && t.cols % dtypeBlockElements(type) != 0) {
        if (kept) *kept = true;
        return 2.0 * double(t.elements());
    }
    if (kept) *kept = false;
    return double(t.elements()) * bitsPerWeight(type) / 8.0;
}

CostShape::Tensor tensor(std::string name, std::int64_t rows, std::int64_t cols,
                         bool expert = false) {
    CostShape::Tensor t;
    t.name = std::move(name);
    t.rows = rows;
    t.cols = cols;
    t.stored = cols == 1 || rows == 1 ? DType::F32 : DType::BF16;
    t.expert = expert;
    return t;
}

struct Typical {
    const char* name;
    const char* model; ///< whose shape it is
    int layers, width, heads, kvHeads, ffn, vocab, experts, used;
    bool qkvBias;
    // The course's VRAM table (GB): Full AMP, Full 16, LoRA 16, QLoRA 8, 4, 2.
    double course[6];
};

const Typical kTypical[] = {
    {"7B", "Llama 2 7B", 32, 4096, 32, 32, 11008, 32000, 1, 1, false, {120, 60, 16, 10, 6, 4}},
    {"13B", "Llama 2 13B", 40, 5120, 40, 40, 13824, 32000, 1, 1, false, {240, 120, 32, 20, 12, 8}},
    {"30B", "LLaMA 33B", 60, 6656, 52, 52, 17920, 32000, 1, 1, false, {600, 300, 64, 40, 24, 16}},
    {"70B", "Llama 2 70B", 80, 8192, 64, 8, 28672, 32000, 1, 1, false, {1200, 600, 160, 80, 48, 24}},
    {"110B", "Qwen1.5-110B", 80, 8192, 64, 8, 49152, 152064, 1, 1, true,
     {2000, 900, 240, 140, 72, 48}},
    {"8x7B", "Mixtral 8x7B", 32, 4096, 32, 8, 14336, 32000, 8, 2, false, {900, 400, 120, 60, 30, 18}},
    {"8x22B", "Mixtral 8x22B", 56, 6144, 48, 8, 16384, 32768, 8, 2, false,
     {2400, 1200, 320, 160, 96, 48}},
};

std::string human(double bytes) {
    char buf[64];
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000 && u < 4) {
        bytes /= 1000;
        ++u;
    }
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.3g %s", bytes, units[u]);
    return buf;
}

std::string count(double n) {
    char buf[64];
    if (n >= 1e9)
        std::snprintf(buf, sizeof buf, "%.3gB", n / 1e9);
    else if (n >= 1e6)
        std::snprintf(buf, sizeof buf, "%.3gM", n / 1e6);
    else if (n >= 1e3)
        std::snprintf(buf, sizeof buf, "%.3gK", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

} // namespace

std::int64_t CostShape::params() const {
    std::int64_t n = 0;
    for (const Tensor& t : tensors) n += t.elements();
    return n;
}

std::int64_t CostShape::embeddingParams() const {
    std::int64_t n = 0;
    for (const Tensor& t : tensors)
        if (isEmbedding(t.name) || isOutput(t.name)) n += t.elements();
    return n;
}

std::int64_t CostShape::activeMatmulParams() const {
    double n = 0;
    bool output = false;
    for (const Tensor& t : tensors) {
        if (!t.matrix() || isEmbedding(t.name)) continue;
        output = output || isOutput(t.name);
        n += t.expert ? double(t.elements()) * expertsPerToken / std::max(1, experts)
                      : double(t.elements());
    }
    // Tied: the logits still multiply by the (embedding) matrix.
    if (!output) n += double(vocab) * width;
    return std::int64_t(std::llround(n));
}

double bitsPerWeight(DType type) {
    return 8.0 * double(dtypeBlockBytes(type)) / double(dtypeBlockElements(type));
}

CostShape costShapeOf(const ModelSpec& spec, const std::vector<TensorInfo>& tensors,
                      const std::string& name) {
    CostShape s;
    s.name = name;
    s.layers = spec.layers;
    s.width = spec.width;
    s.heads = spec.heads;
    s.kvHeads = spec.kvHeads > 0 ? spec.kvHeads : spec.heads;
    s.headDim = spec.headDim > 0 ? spec.headDim : (spec.heads > 0 ? spec.width / spec.heads : 0);
    s.ffnWidth = spec.ffnWidth;
    s.vocab = spec.vocab;
    s.tiedEmbeddings = spec.tiedEmbeddings;
    for (const TensorInfo& info : tensors) {
        CostShape::Tensor t;
        t.name = info.name;
        const std::int64_t numel = info.shape.numel();
        const int rank = int(info.shape.rank());
        t.cols = rank == 0 ? 1 : info.shape.dim(rank - 1);
        if (info.transposed && rank == 2) t.cols = info.shape.dim(0);
        t.rows = t.cols > 0 ? numel / t.cols : 0;
        t.stored = info.dtype;
        t.expert = info.name.find("_exps") != std::string::npos;
        if (t.expert && rank == 3) s.experts = std::max<int>(s.experts, int(info.shape.dim(0)));
        s.tensors.push_back(std::move(t));
    }
    return s;
}

bool typicalShape(const std::string& name, CostShape* shape) {
    for (const Typical& m : kTypical) {
        if (name != m.name) continue;
        CostShape s;
        s.name = std::string(m.name) + " (" + m.model + ")";
        s.layers = m.layers;
        s.width = m.width;
        s.heads = m.heads;
        s.kvHeads = m.kvHeads;
        s.headDim = m.width / m.heads;
        s.ffnWidth = m.ffn;
        s.vocab = m.vocab;
        s.experts = m.experts;
        s.expertsPerToken = m.used;
        const std::int64_t d = m.width, hd = s.headDim, q = std::int64_t(m.heads) * hd,
                           kv = std::int64_t(m.kvHeads) * hd, f = m.ffn, e = m.experts;
        s.tensors.push_back(tensor("token_embd.weight", m.vocab, d));
        s.tensors.push_back(tensor("output_norm.weight", 1, d));
        s.tensors.push_back(tensor("output.weight", m.vocab, d));
        for (int l = 0; l < m.layers; ++l) {
            const std::string b = "blk." + std::to_string(l) + ".";
            s.tensors.push_back(tensor(b + "attn_norm.weight", 1, d));
            s.tensors.push_back(tensor(b + "attn_q.weight", q, d));
            s.tensors.push_back(tensor(b + "attn_k.weight", kv, d));
            s.tensors.push_back(tensor(b + "attn_v.weight", kv, d));
            if (m.qkvBias)
                for (const char* p : {"attn_q.bias", "attn_k.bias", "attn_v.bias"})
                    s.tensors.push_back(tensor(b + p, 1, std::string(p) == "attn_q.bias" ? q : kv));
            s.tensors.push_back(tensor(b + "attn_output.weight", d, q));
            s.tensors.push_back(tensor(b + "ffn_norm.weight", 1, d));
            if (e > 1) {
                s.tensors.push_back(tensor(b + "ffn_gate_inp.weight", e, d));
                s.tensors.push_back(tensor(b + "ffn_gate_exps.weight", e * f, d, true));
                s.tensors.push_back(tensor(b + "ffn_up_exps.weight", e * f, d, true));
                s.tensors.push_back(tensor(b + "ffn_down_exps.weight", e * d, f, true));
            } else {
                s.tensors.push_back(tensor(b + "ffn_gate.weight", f, d));
                s.tensors.push_back(tensor(b + "ffn_up.weight", f, d));
                s.tensors.push_back(tensor(b + "ffn_down.weight", d, f));
            }
        }
        *shape = std::move(s);
        return true;
    }
    return false;
}

std::vector<std::string> typicalShapeNames() {
    std::vector<std::string> names;
    for (const Typical& m : kTypical) names.emplace_back(m.name);
    return names;
}

CostReport computeCost(const CostShape& s, const CostOptions& o) {
    if (s.layers < 1 || s.width < 1 || s.tensors.empty())
        throw std::invalid_argument(s.name + ": no layers to cost (is it a transformer?)");
    if (o.context < 1 || o.batch < 1 || o.trainSeq < 1 || o.trainBatch < 1 || o.loraRank < 0)
        throw std::invalid_argument("context, batch, sequence and LoRA rank must be positive");
    std::regex targets;
    try {
        targets = std::regex(o.loraTargets);
    } catch (const std::regex_error& e) {
        throw std::invalid_argument("the LoRA target pattern '" + o.loraTargets +
                                    "' is not a valid regular expression (" + e.what() + ")");
    }
    CostReport r;
    r.params = s.params();
    r.embeddingParams = s.embeddingParams();
    r.activeMatmulParams = s.activeMatmulParams();
    for (const CostShape::Tensor& t : s.tensors) {
        const std::int64_t exact = dtypeStorageBytes(t.stored, t.elements());
        r.storedBytes += exact >= 0 ? double(exact) : double(t.elements()) * 4.0;
        if (t.matrix() && !isEmbedding(t.name) && !isOutput(t.name) &&
            std::regex_search(t.name, targets)) {
            // One adapter per matrix (per expert): B [rows, r] and A [r, cols].
            const std::int64_t copies = t.expert ? std::max(1, s.experts) : 1;
            r.loraParams += std::int64_t(o.loraRank) * (t.rows + copies * t.cols);
            r.loraMatrices += int(copies);
        }
    }
    for (DType type : kLadder) {
        WeightsAt w;
        w.type = type;
        for (const CostShape::Tensor& t : s.tensors) {
            bool kept = false;
            w.bytes += bytesAs(t, type, &kept);
            w.keptTensors += kept ? 1 : 0;
        }
        r.weights.push_back(w);
    }

    // KV cache: keys and values of every layer, kvHeads x headDim per token.
    auto kvBytes = [&](int context) {
        return 2.0 * s.layers * double(context) * o.batch * s.kvHeads * s.headDim *
               bitsPerWeight(o.kvType) / 8.0;
    };
    r.kvCacheBytes = kvBytes(o.context);
    for (int c = 512; c < o.context; c *= 2) r.kvByContext.emplace_back(c, kvBytes(c));
    r.kvByContext.emplace_back(o.context, r.kvCacheBytes);
    // One decoding step's activations: a few width-sized vectors and the logits, per sequence.
    const double tokenActivations =
        o.batch * (16.0 * s.width + 4.0 * std::max(s.ffnWidth, s.width) + 4.0 * s.vocab);
    r.inferenceBytes = r.storedBytes + r.kvCacheBytes + tokenActivations;

    // A training step's activations in 16 bits (Korthikanti et al. 2022): a block keeps
    // s b d (34 + 5 a s / d) bytes; with checkpointing only each block's input (2 s b d) stays,
    // and one block is recomputed at a time. Plus the logits and their gradient in F32.
    const double sq = double(o.trainSeq) * o.trainBatch, d = s.width;
    const double block = sq * d * (34.0 + 5.0 * s.heads * double(o.trainSeq) / d);
    const double logits = 8.0 * sq * s.vocab;
    r.activationBytes = (o.checkpointing ? s.layers * 2.0 * sq * d + block : s.layers * block) +
                        logits;

    const double n = double(r.params);
    TrainingMemory amp{"Full AMP", 16};
    amp.weights = 2 * n;   // the 16-bit copy the passes use
    amp.gradients = 2 * n; // 16-bit
    amp.optimizer = 8 * n; // Adam's two moments in F32
    amp.master = 4 * n;    // the F32 weights the optimiser updates
    amp.activations = r.activationBytes;
    TrainingMemory full16{"Full 16", 16};
    full16.weights = 2 * n;
    full16.gradients = 2 * n;
    full16.optimizer = 4 * n; // moments in 16 bits
    full16.activations = r.activationBytes;
    // Adapters train in F32: weight, gradient and Adam's two moments, 16 bytes a parameter.
    const double adapters = 16.0 * double(r.loraParams);
    TrainingMemory lora{"LoRA 16", 16};
    lora.weights = 2 * n;
    lora.adapters = adapters;
    lora.activations = r.activationBytes;
    r.training = {amp, full16, lora};
    // QLoRA: the frozen matrices at 8, 4 or 2 bits (as Q8_0, Q4_0, Q2_K, scales included);
    // embeddings and the output stay 16-bit, vectors F32.
    for (const auto& [bits, type] : {std::pair{8, DType::Q8_0}, std::pair{4, DType::Q4_0},
                                     std::pair{2, DType::Q2_K}}) {
        TrainingMemory q{"QLoRA " + std::to_string(bits), bits};
        for (const CostShape::Tensor& t : s.tensors)
            q.weights += (isEmbedding(t.name) || isOutput(t.name))
                             ? 2.0 * double(t.elements())
                             : bytesAs(t, type, nullptr);
        q.adapters = adapters;
        q.activations = r.activationBytes;
        r.training.push_back(q);
    }

    r.attentionFlopsPerToken = 2.0 * s.layers * double(o.context) * s.heads * s.headDim;
    r.flopsPerToken = 2.0 * double(r.activeMatmulParams) + r.attentionFlopsPerToken;
    r.trainingFlopsPerToken = 6.0 * double(r.activeMatmulParams);
    return r;
}

std::string costReportText(const CostShape& s, const CostOptions& o, const CostReport& r) {
    std::string out;
    auto line = [&](const std::string& l) { out += l + "\n"; };
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s: %s parameters (%s outside the embeddings), %s as stored",
                  s.name.c_str(), count(double(r.params)).c_str(),
                  count(double(r.params - r.embeddingParams)).c_str(),
                  human(r.storedBytes).c_str());
    line(buf);
    std::snprintf(buf, sizeof buf, "  %d layers, width %d, %d heads (%d for keys and values), "
                  "head %d, FFN %d%s, vocabulary %d",
                  s.layers, s.width, s.heads, s.kvHeads, s.headDim, s.ffnWidth,
                  s.experts > 1 ? (" x " + std::to_string(s.experts) + " experts, " +
                                   std::to_string(s.expertsPerToken) + " a token")
                                      .c_str()
                                : "",
                  s.vocab);
    line(buf);
    line("weights at each storage type (vectors stay F32; rows that are not whole blocks F16):");
    for (const WeightsAt& w : r.weights) {
        std::snprintf(buf, sizeof buf, "  %-5s %5.2f bits  %10s%s", std::string(dtypeName(w.type)).c_str(),
                      bitsPerWeight(w.type), human(w.bytes).c_str(),
                      w.keptTensors ? (" (" + std::to_string(w.keptTensors) + " tensors kept wider)").c_str()
                                    : "");
        line(buf);
    }
    std::snprintf(buf, sizeof buf, "KV cache (%s, batch %d):", std::string(dtypeName(o.kvType)).c_str(),
                  o.batch);
    line(buf);
    for (const auto& [c, b] : r.kvByContext) {
        std::snprintf(buf, sizeof buf, "  %7d tokens  %10s", c, human(b).c_str());
        line(buf);
    }
    std::snprintf(buf, sizeof buf, "inference at %d tokens: %s (weights as stored + KV cache)",
                  o.context, human(r.inferenceBytes).c_str());
    line(buf);
    std::snprintf(buf, sizeof buf,
                  "a training step (sequence %d, batch %d, %s): activations %s; LoRA rank %d on "
                  "%d matrices = %s parameters",
                  o.trainSeq, o.trainBatch,
                  o.checkpointing ? "gradient checkpointing" : "no checkpointing",
                  human(r.activationBytes).c_str(), o.loraRank, r.loraMatrices,
                  count(double(r.loraParams)).c_str());
    line(buf);
    line("  method     bits   weights     grads      Adam    master  adapters  activations     total");
    for (const TrainingMemory& t : r.training) {
        std::snprintf(buf, sizeof buf, "  %-9s %4d %9s %9s %9s %9s %9s %12s %9s", t.method.c_str(),
                      t.bits, human(t.weights).c_str(), human(t.gradients).c_str(),
                      human(t.optimizer).c_str(), human(t.master).c_str(),
                      human(t.adapters).c_str(), human(t.activations).c_str(),
                      human(t.total()).c_str());
        line(buf);
    }
    std::snprintf(buf, sizeof buf,
                  "FLOPs a token: forward %.3g at %d tokens of context (2N = %.3g, attention "
                  "2 L ctx d_attn = %.3g); training 6N = %.3g",
                  r.flopsPerToken, o.context, 2.0 * double(r.activeMatmulParams),
                  r.attentionFlopsPerToken, r.trainingFlopsPerToken);
    line(buf);
    return out;
}

std::string costReportJson(const CostShape& s, const CostOptions& o, const CostReport& r) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["model"] = s.name;
    j["shape"] = {{"layers", s.layers},   {"width", s.width},       {"heads", s.heads},
                  {"kv_heads", s.kvHeads}, {"head_dim", s.headDim}, {"ffn", s.ffnWidth},
                  {"vocab", s.vocab},     {"experts", s.experts},   {"experts_per_token", s.expertsPerToken}};
    j["options"] = {{"context", o.context},       {"batch", o.batch},
                    {"kv_type", dtypeName(o.kvType)}, {"train_seq", o.trainSeq},
                    {"train_batch", o.trainBatch}, {"checkpointing", o.checkpointing},
                    {"lora_rank", o.loraRank},     {"lora_targets", o.loraTargets}};
    j["params"] = r.params;
    j["embedding_params"] = r.embeddingParams;
    j["active_matmul_params"] = r.activeMatmulParams;
    j["stored_bytes"] = r.storedBytes;
    for (const WeightsAt& w : r.weights)
        j["weights_bytes"][std::string(dtypeName(w.type))] = w.bytes;
    for (const auto& [c, b] : r.kvByContext) j["kv_cache_bytes"][std::to_string(c)] = b;
    j["inference_bytes"] = r.inferenceBytes;
    j["training_activation_bytes"] = r.activationBytes;
    j["lora_params"] = r.loraParams;
    for (const TrainingMemory& t : r.training)
        j["training"].push_back({{"method", t.method},
                                 {"bits", t.bits},
                                 {"weights", t.weights},
                                 {"gradients", t.gradients},
                                 {"optimizer", t.optimizer},
                                 {"master", t.master},
                                 {"adapters", t.adapters},
                                 {"activations", t.activations},
                                 {"total", t.total()}});
    j["flops_per_token"] = {{"forward", r.flopsPerToken},
                            {"attention", r.attentionFlopsPerToken},
                            {"training", r.trainingFlopsPerToken}};
    return j.dump(2);
}

std::string vramTable(const CostOptions& o, bool json) {
    nlohmann::ordered_json j;
    std::string out = "GB, ours (the course's)\nmethod      bits";
    for (const Typical& m : kTypical) {
        char head[32];
        std::snprintf(head, sizeof head, " %15s", m.name);
        out += head;
    }
    out += "\n";
    std::vector<CostReport> reports;
    for (const Typical& m : kTypical) {
        CostShape s;
        typicalShape(m.name, &s);
        reports.push_back(computeCost(s, o));
    }
    for (std::size_t row = 0; row < reports[0].training.size(); ++row) {
        const TrainingMemory& first = reports[0].training[row];
        char cell[64];
        std::snprintf(cell, sizeof cell, "%-10s %5d", first.method.c_str(), first.bits);
        out += cell;
        for (std::size_t i = 0; i < std::size(kTypical); ++i) {
            const double ours = reports[i].training[row].total() / 1e9;
            std::snprintf(cell, sizeof cell, " %8.0f (%4.0f)", ours, kTypical[i].course[row]);
            out += cell;
            j[first.method][kTypical[i].name] = {{"ours_gb", ours}, {"course_gb", kTypical[i].course[row]}};
        }
        out += "\n";
    }
    out += "Where the arithmetic differs from the course's table: ours counts the real shapes "
           "(Mixtral's 46.7B and 141B parameters, Qwen1.5-110B's 111B), Adam in F32 with an F32 "
           "master copy for AMP (16 bytes a parameter) and 16-bit moments for Full 16 (8 bytes), "
           "adapters of rank " +
           std::to_string(o.loraRank) + " in F32 with Adam, QLoRA's frozen matrices as Q8_0 / "
           "Q4_0 / Q2_K with their block scales (8.5, 4.5, 2.625 bits) and embeddings in 16 bits, "
           "and the activations of one sequence of " +
           std::to_string(o.trainSeq) + " tokens " +
           (o.checkpointing ? "with" : "without") +
           " gradient checkpointing. The course's table (LLaMA-Factory's) rounds up and leaves room "
           "(a few GB for the framework, more for the MoE models); its 2-bit 70B cell is below "
           "what 70B weights at 2.6 bits need.\n";
    return json ? j.dump(2) : out;
}

} // namespace llmlab
