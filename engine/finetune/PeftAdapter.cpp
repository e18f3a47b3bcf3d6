#include "finetune/PeftAdapter.h"

#include "formats/SafetensorsReader.h"
#include "formats/SafetensorsWriter.h"
#include "formats/TensorNames.h"
#include "TextFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace llmlab {

namespace {

constexpr const char* kPrefix = "base_model.model.";

bool isGpt2(const ModelFile& base) {
    return base.spec().family == ModelFamily::Gpt2;
}

// PEFT's module path of a canonical matrix name, or empty when PEFT has none for it here
// (GPT-2's q, k and v go out fused, as c_attn).
std::string modulePath(const ModelFile& base, const std::string& weight) {
    static const std::pair<const char*, const char*> llama[] = {
        {"attn_q.weight", "self_attn.q_proj"},      {"attn_k.weight", "self_attn.k_proj"},
        {"attn_v.weight", "self_attn.v_proj"},      {"attn_output.weight", "self_attn.o_proj"},
        {"ffn_gate.weight", "mlp.gate_proj"},       {"ffn_up.weight", "mlp.up_proj"},
        {"ffn_down.weight", "mlp.down_proj"},
    };
    static const std::pair<const char*, const char*> gpt2[] = {
        {"attn_qkv.weight", "attn.c_attn"},
        {"attn_output.weight", "attn.c_proj"},
        {"ffn_up.weight", "mlp.c_fc"},
        {"ffn_down.weight", "mlp.c_proj"},
    };
    const int layer = layerOfTensor(weight);
    if (layer < 0) return {};
    const std::string rest = weight.substr(weight.find('.', 4) + 1);
    if (isGpt2(base)) {
        for (const auto& [gguf, hf] : gpt2)
            if (rest == gguf) return "transformer.h." + std::to_string(layer) + "." + hf;
        return {};
    }
    for (const auto& [gguf, hf] : llama)
        if (rest == gguf) return "model.layers." + std::to_string(layer) + "." + hf;
    return {};
}

// GPT-2: which part of its block's fused attn_qkv a forward-graph name is (0 q, 1 k, 2 v), and
// the fused tensor's name; -1 for any other name or model.
int fusedPart(const ModelFile& base, const std::string& name, std::string* fused) {
    if (!isGpt2(base) || base.find(name)) return -1;
    static const char* parts[] = {".attn_q.", ".attn_k.", ".attn_v."};
    for (int p = 0; p < 3; ++p)
        if (const std::size_t at = name.find(parts[p]); at != std::string::npos) {
            *fused = name.substr(0, at) + ".attn_qkv." + name.substr(at + std::strlen(parts[p]));
            return base.find(*fused) ? p : -1;
        }
    return -1;
}

// A matrix (or vector) of the base as the forward graph has it: [out, in], GPT-2's q, k and v
// rows sliced from its fused matrix.
std::vector<float> baseValues(const ModelFile& base, const std::string& name, Shape* shape) {
    std::string fused;
    const int part = fusedPart(base, name, &fused);
    if (part < 0) return base.outInFloats(name, shape);
    Shape all;
    const std::vector<float> v = base.outInFloats(fused, &all);
    const std::int64_t rows = all.dim(0) / 3, cols = all.rank() == 2 ? all.dim(1) : 1;
    *shape = all.rank() == 2 ? Shape{rows, cols} : Shape{rows};
    return std::vector<float>(v.begin() + part * rows * cols, v.begin() + (part + 1) * rows * cols);
}

// [out, in] of a weight as the file stores it (a GPT-2 Conv1D matrix is [in, out]).
std::pair<std::int64_t, std::int64_t> outIn(const TensorInfo& t) {
    return t.transposed ? std::pair{t.shape.dim(1), t.shape.dim(0)} : std::pair{t.shape.dim(0), t.shape.dim(1)};
}

// PEFT's rank_pattern / alpha_pattern: the value for a module whose path ends in ".KEY".
template <typename T> T patterned(const nlohmann::json& config, const char* key, const std::string& module, T fallback) {
    if (!config.contains(key) || !config[key].is_object()) return fallback;
    for (const auto& [k, v] : config[key].items())
        if (module == k || (module.size() > k.size() && module.compare(module.size() - k.size(), k.size(), k) == 0 &&
                            module[module.size() - k.size() - 1] == '.'))
            return v.template get<T>();
    return fallback;
}

// The heads of a q or k matrix whose rows a GGUF file keeps in llama.cpp's interleaved RoPE
// order (0 for any other matrix, or a model already in Hugging Face's order).
int interleavedHeads(const ModelFile& base, const std::string& weight) {
    const ModelSpec& s = base.spec();
    if (s.ropeLayout != RopeLayout::Interleaved || s.positions != PositionKind::Rope) return 0;
    if (weight.find(".attn_q.") != std::string::npos) return s.heads;
    if (weight.find(".attn_k.") != std::string::npos) return s.kvHeads > 0 ? s.kvHeads : s.heads;
    return 0;
}

// Rows of a [rows, cols] matrix between the orders: GGUF row h*hd + 2i + j is Hugging Face row
// h*hd + j*hd/2 + i (llama.cpp's convert permutes q and k so).
std::vector<float> reorderRows(const std::vector<float>& m, std::int64_t rows, std::int64_t cols, int heads,
                               bool toHf) {
    std::vector<float> out(m.size());
    const std::int64_t hd = rows / heads;
    for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t i = 0; i < hd / 2; ++i)
            for (std::int64_t j = 0; j < 2; ++j) {
                const std::int64_t gguf = h * hd + 2 * i + j, hf = h * hd + j * (hd / 2) + i;
                const std::int64_t from = toHf ? gguf : hf, to = toHf ? hf : gguf;
                std::copy_n(m.begin() + from * cols, cols, out.begin() + to * cols);
            }
    return out;
}

void checkFamily(const ModelFile& base) {
    const ModelFamily f = base.spec().family;
    if (f != ModelFamily::Llama && f != ModelFamily::Qwen2 && f != ModelFamily::Gpt2)
        throw std::invalid_argument(base.path() + ": PEFT adapters are read and written for llama, qwen2 and "
                                    "GPT-2 models here");
}

} // namespace

void writePeftAdapter(const std::string& folder, const ModelFile& base, const LoraAdapter& adapter) {
    checkFamily(base);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw std::runtime_error(folder + ": cannot be created (" + ec.message() + ")");
    SafetensorsWriter w;
    std::vector<std::vector<float>> keep; // the writer borrows the data until write()
    keep.reserve(adapter.tensors.size() * 2 + 2);
    std::set<std::string> modules;
    const std::int64_t r = adapter.rank;
    auto add = [&](const std::string& path, std::vector<float> a, std::vector<float> b, std::int64_t rank) {
        const std::int64_t in = std::int64_t(a.size()) / rank, out = std::int64_t(b.size()) / rank;
        keep.push_back(std::move(a));
        w.addTensor(kPrefix + path + ".lora_A.weight", DType::F32, Shape{rank, in}, keep.back().data());
        keep.push_back(std::move(b));
        w.addTensor(kPrefix + path + ".lora_B.weight", DType::F32, Shape{out, rank}, keep.back().data());
        // PEFT matches a target by the module path's end: two parts tell GPT-2's c_proj apart.
        const std::size_t last = path.rfind('.'), before = path.rfind('.', last - 1);
        modules.insert(isGpt2(base) ? path.substr(before + 1) : path.substr(last + 1));
    };
    // GPT-2's q, k, v adapters of a block: (A stacked, B block-diagonal) per fused matrix.
    std::map<std::string, std::pair<std::vector<float>, std::vector<float>>> fusedAdapters;
    for (const auto& [name, ab] : adapter.tensors) {
        std::string fused;
        const int part = fusedPart(base, name, &fused);
        if (part >= 0) {
            const std::int64_t in = std::int64_t(ab.first.size()) / r, rows = std::int64_t(ab.second.size()) / r;
            auto& [a3, b3] = fusedAdapters[fused];
            if (a3.empty()) {
                a3.assign(std::size_t(3 * r * in), 0.0f);
                b3.assign(std::size_t(3 * rows * 3 * r), 0.0f);
            }
            std::copy(ab.first.begin(), ab.first.end(), a3.begin() + part * r * in);
            for (std::int64_t o = 0; o < rows; ++o)
                for (std::int64_t k = 0; k < r; ++k)
                    b3[std::size_t((part * rows + o) * 3 * r + part * r + k)] = ab.second[std::size_t(o * r + k)];
            continue;
        }
        const std::string path = modulePath(base, name);
        const TensorInfo* info = base.find(name);
        if (path.empty() || !info) throw std::invalid_argument("PEFT has no module name for '" + name + "'");
        const int heads = interleavedHeads(base, name);
        const std::int64_t rank = std::int64_t(ab.first.size()) / outIn(*info).second; // r unless patterned
        const std::int64_t out = std::int64_t(ab.second.size()) / rank;
        add(path, ab.first, heads ? reorderRows(ab.second, out, rank, heads, true) : ab.second, rank);
    }
    for (auto& [fused, ab] : fusedAdapters) add(modulePath(base, fused), std::move(ab.first), std::move(ab.second), 3 * r);
    std::string error;
    if (!w.write(folder + "/adapter_model.safetensors", &error)) throw std::runtime_error(error);
    nlohmann::json config{{"peft_type", "LORA"},
                          {"task_type", "CAUSAL_LM"},
                          {"r", adapter.rank},
                          {"lora_alpha", adapter.alpha},
                          {"lora_dropout", 0.0},
                          {"bias", "none"},
                          {"fan_in_fan_out", isGpt2(base)}, // Conv1D weights are [in, out]
                          {"inference_mode", true},
                          {"target_modules", std::vector<std::string>(modules.begin(), modules.end())},
                          {"base_model_name_or_path", base.path()}};
    if (!fusedAdapters.empty()) {
        config["rank_pattern"] = {{"attn.c_attn", 3 * adapter.rank}};
        config["alpha_pattern"] = {{"attn.c_attn", 3 * adapter.alpha}};
    }
    std::ofstream f(folder + "/adapter_config.json");
    f << config.dump(2) << "\n";
    if (!f) throw std::runtime_error(folder + "/adapter_config.json: cannot be written");
}

LoraAdapter readPeftAdapter(const std::string& folder, const ModelFile& base) {
    checkFamily(base);
    const std::string configPath = folder + "/adapter_config.json";
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(readTextFile(configPath));
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(configPath + ": not JSON (" + e.what() + ")");
    }
    if (config.value("peft_type", std::string()) != "LORA")
        throw std::runtime_error(configPath + ": not a LoRA adapter (peft_type is not \"LORA\")");
    if (config.value("fan_in_fan_out", false) != isGpt2(base))
        throw std::runtime_error(configPath + (isGpt2(base) ? ": a GPT-2 adapter has fan_in_fan_out set (Conv1D weights)"
                                                            : ": fan_in_fan_out is for GPT-2's Conv1D weights, not " +
                                                                  base.path() + "'s"));
    LoraAdapter a;
    a.rank = config.value("r", 0);
    a.alpha = config.value("lora_alpha", 0.0f);
    if (a.rank < 1) throw std::runtime_error(configPath + ": no rank r");
    const std::string tensorsPath = folder + "/adapter_model.safetensors";
    const RawModel raw = readSafetensorsFile(tensorsPath);
    auto values = [&](const TensorInfo& t) {
        const Tensor x = Tensor::borrow(t.dtype, t.shape, raw.files[std::size_t(t.file)]->data() + t.offset, nullptr);
        return x.toFloats();
    };
    for (const TensorInfo& t : raw.tensors) {
        const std::string& n = t.sourceName.empty() ? t.name : t.sourceName;
        const std::string suffixA = ".lora_A.weight", suffixB = ".lora_B.weight";
        auto endsWith = [&](const std::string& x) {
            return n.size() > x.size() && n.compare(n.size() - x.size(), x.size(), x) == 0;
        };
        const bool isA = endsWith(suffixA), isB = endsWith(suffixB);
        if (!isA && !isB) continue;
        std::string module = n.substr(0, n.size() - suffixA.size());
        if (module.rfind(kPrefix, 0) == 0) module = module.substr(std::string(kPrefix).size());
        bool transposed = false;
        const std::string name = canonicalTensorName(module + ".weight", &transposed);
        const TensorInfo* w = base.find(name);
        if (!w || w->shape.rank() != 2)
            throw std::runtime_error(tensorsPath + ": '" + n + "' adapts no matrix of " + base.path());
        const auto [out, in] = outIn(*w);
        const int rank = patterned(config, "rank_pattern", module, a.rank);
        const float alpha = patterned(config, "alpha_pattern", module, a.alpha);
        const Shape want = isA ? Shape{rank, in} : Shape{out, rank};
        if (!(t.shape == want))
            throw std::runtime_error(tensorsPath + ": '" + n + "' is " + t.shape.toString() + ", not " +
                                     want.toString() + " for rank " + std::to_string(rank));
        std::vector<float> v = values(t);
        if (rank != a.rank || alpha != a.alpha) a.scales[name] = alpha / float(rank);
        if (isB) {
            const int heads = interleavedHeads(base, name);
            if (heads) v = reorderRows(v, out, rank, heads, false); // B has this module's rank
            a.tensors[name].second = std::move(v);
        } else {
            a.tensors[name].first = std::move(v);
        }
    }
    for (const auto& [name, ab] : a.tensors)
        if (ab.first.empty() || ab.second.empty())
            throw std::runtime_error(tensorsPath + ": '" + name + "' has only one of lora_A and lora_B");
    if (a.tensors.empty()) throw std::runtime_error(tensorsPath + ": holds no LoRA tensor");
    // GPT-2's fused q/k/v into the three matrices the forward graph multiplies.
    for (auto it = a.tensors.begin(); it != a.tensors.end();) {
        const std::string fused = it->first;
        if (!isGpt2(base) || fused.find(".attn_qkv.") == std::string::npos) {
            ++it;
            continue;
        }
        const auto [A, B] = it->second;
        const std::int64_t in = outIn(*base.find(fused)).second, rows = outIn(*base.find(fused)).first / 3;
        const std::int64_t rank = std::int64_t(A.size()) / in;
        const float scale = a.scales.count(fused) ? a.scales.at(fused) : a.alpha / float(a.rank);
        a.scales.erase(fused);
        it = a.tensors.erase(it);
        // Block-diagonal B (three rank-r adapters written as one): each part takes its own
        // rows of A and its block of B; otherwise all of A and its rows of B.
        const std::int64_t r = rank % 3 == 0 ? rank / 3 : 0;
        bool block = r > 0;
        for (std::int64_t p = 0; p < 3 && block; ++p)
            for (std::int64_t o = 0; o < rows && block; ++o)
                for (std::int64_t k = 0; k < rank; ++k)
                    if (k / r != p && B[std::size_t((p * rows + o) * rank + k)] != 0.0f) {
                        block = false;
                        break;
                    }
        const std::string prefix = fused.substr(0, fused.find(".attn_qkv.")), leaf = ".weight";
        const char* names[] = {".attn_q", ".attn_k", ".attn_v"};
        for (std::int64_t p = 0; p < 3; ++p) {
            const std::int64_t pr = block ? r : rank, first = block ? p * r : 0;
            std::vector<float> pa(A.begin() + first * in, A.begin() + (first + pr) * in), pb(std::size_t(rows * pr));
            for (std::int64_t o = 0; o < rows; ++o)
                for (std::int64_t k = 0; k < pr; ++k) pb[std::size_t(o * pr + k)] = B[std::size_t((p * rows + o) * rank + first + k)];
            // A part written as zeros (its block held no adapter) stays without one: it would
            // train nothing (zero A and B have zero gradients) and only take memory.
            const auto nonzero = [](const std::vector<float>& v) {
                return std::any_of(v.begin(), v.end(), [](float x) { return x != 0.0f; });
            };
            if (block && !nonzero(pa) && !nonzero(pb)) continue;
            const std::string part = prefix + names[p] + leaf;
            a.tensors[part] = {std::move(pa), std::move(pb)};
            if (block ? scale != a.alpha / float(a.rank) || r != a.rank : true) a.scales[part] = scale;
        }
    }
    return a;
}

void addLoraUpdate(std::vector<float>& w, std::int64_t rows, std::int64_t in, const std::vector<float>& a,
                   const std::vector<float>& b, int rank, float scale) {
    for (std::int64_t o = 0; o < rows; ++o)
        for (std::int64_t k = 0; k < rank; ++k) {
            const float bk = scale * b[std::size_t(o * rank + k)];
            if (bk == 0.0f) continue;
            for (std::int64_t i = 0; i < in; ++i) w[std::size_t(o * in + i)] += bk * a[std::size_t(k * in + i)];
        }
}

std::map<std::string, std::vector<float>> mergeAdapter(const ModelFile& base, const LoraAdapter& adapter) {
    std::map<std::string, std::vector<float>> out;
    for (const auto& [name, ab] : adapter.tensors) {
        Shape shape;
        std::vector<float> w = baseValues(base, name, &shape);
        const int rank = int(std::int64_t(ab.first.size()) / shape.dim(1));
        const auto s = adapter.scales.find(name);
        const float scale = s != adapter.scales.end() ? s->second : adapter.alpha / float(std::max(1, rank));
        addLoraUpdate(w, shape.dim(0), shape.dim(1), ab.first, ab.second, rank, scale);
        out[name] = std::move(w);
    }
    return out;
}

std::map<std::string, std::vector<float>> weightsForFile(const ModelFile& base,
                                                         std::map<std::string, std::vector<float>> weights) {
    std::map<std::string, std::vector<float>> out;
    std::map<std::string, std::array<const std::vector<float>*, 3>> parts; // fused name -> q, k, v
    for (const auto& [name, v] : weights) {
        std::string fused;
        const int part = fusedPart(base, name, &fused);
        if (part < 0) continue;
        parts[fused][std::size_t(part)] = &v;
    }
    for (const auto& [fused, given] : parts) {
        Shape shape;
        std::vector<float> all = base.outInFloats(fused, &shape);
        const std::size_t third = all.size() / 3;
        for (std::size_t p = 0; p < 3; ++p)
            if (given[p]) {
                if (given[p]->size() != third)
                    throw std::invalid_argument("the values of part " + std::to_string(p) + " of '" + fused + "' do not fit it");
                std::copy(given[p]->begin(), given[p]->end(), all.begin() + std::ptrdiff_t(p * third));
            }
        out[fused] = std::move(all);
    }
    for (auto& [name, v] : weights) {
        std::string fused;
        if (fusedPart(base, name, &fused) < 0) out[name] = std::move(v);
    }
    return out;
}

void writeMergedHfFolder(const ModelFile& base, const std::map<std::string, std::vector<float>>& weights,
                         const std::string& dir) {
    if (base.format() != ModelFormat::HfFolder)
        throw std::invalid_argument(base.path() + " is not a Hugging Face folder: write the merged model as a GGUF "
                                    "(OUT.gguf)");
    for (const auto& [name, v] : weights)
        if (!base.find(name)) throw std::invalid_argument(base.path() + " has no tensor '" + name + "' to replace");
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error(dir + ": cannot be created (" + ec.message() + ")");
    if (fs::equivalent(dir, base.path(), ec)) throw std::invalid_argument(dir + " is the base's own folder");
    SafetensorsWriter w;
    w.addMetadata("format", "pt");
    std::vector<std::vector<float>> keep;
    std::vector<Tensor> held; // the writer borrows the data until write()
    keep.reserve(weights.size());
    for (const TensorInfo& t : base.tensors()) {
        const std::string& name = t.sourceName.empty() ? t.name : t.sourceName;
        const auto it = weights.find(t.name);
        if (it == weights.end()) {
            held.push_back(base.tensor(t.name));
            if (held.back().dtype() != DType::F32 && held.back().dtype() != DType::F16 && held.back().dtype() != DType::BF16)
                held.back() = Tensor::fromFloats(t.shape, held.back().toFloats());
            w.addTensor(name, held.back().dtype(), t.shape, held.back().data());
            continue;
        }
        std::vector<float> v = it->second;
        if (t.transposed && t.shape.rank() == 2) { // [out, in] back to the file's [in, out]
            const std::int64_t in = t.shape.dim(0), out = t.shape.dim(1);
            std::vector<float> x(v.size());
            for (std::int64_t o = 0; o < out; ++o)
                for (std::int64_t i = 0; i < in; ++i) x[std::size_t(i * out + o)] = v[std::size_t(o * in + i)];
            v = std::move(x);
        }
        if (std::int64_t(v.size()) != t.shape.numel())
            throw std::invalid_argument("the new values of '" + t.name + "' do not fit its shape " + t.shape.toString());
        keep.push_back(std::move(v));
        w.addTensor(name, DType::F32, t.shape, keep.back().data());
    }
    std::string error;
    if (!w.write(dir + "/model.safetensors.part", &error)) throw std::runtime_error(error);
    fs::rename(dir + "/model.safetensors.part", dir + "/model.safetensors", ec);
    if (ec) throw std::runtime_error(dir + "/model.safetensors: cannot be written (" + ec.message() + ")");
    // Configuration and tokenizer as they are; the weights are all in the one file written.
    for (const fs::directory_entry& e : fs::directory_iterator(base.path(), ec)) {
        const std::string file = e.path().filename().string();
        if (!e.is_regular_file() || e.path().extension() == ".safetensors" || file == "model.safetensors.index.json" ||
            e.path().extension() == ".bin")
            continue;
        fs::copy_file(e.path(), fs::path(dir) / file, fs::copy_options::overwrite_existing, ec);
        if (ec) throw std::runtime_error(dir + "/" + file + ": cannot be written (" + ec.message() + ")");
    }
}

} // namespace llmlab
