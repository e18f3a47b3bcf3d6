#include "finetune/PeftAdapter.h"

#include "formats/SafetensorsReader.h"
#include "formats/SafetensorsWriter.h"
#include "formats/TensorNames.h"
#include "TextFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace llmlab {

namespace {

constexpr const char* kPrefix = "base_model.model.";

// PEFT's module path of a canonical matrix name, or empty when PEFT has none for it here.
std::string modulePath(const std::string& weight) {
    static const std::pair<const char*, const char*> parts[] = {
        {"attn_q.weight", "self_attn.q_proj"},      {"attn_k.weight", "self_attn.k_proj"},
        {"attn_v.weight", "self_attn.v_proj"},      {"attn_output.weight", "self_attn.o_proj"},
        {"ffn_gate.weight", "mlp.gate_proj"},       {"ffn_up.weight", "mlp.up_proj"},
        {"ffn_down.weight", "mlp.down_proj"},
    };
    const int layer = layerOfTensor(weight);
    if (layer < 0) return {};
    const std::string rest = weight.substr(weight.find('.', 4) + 1);
    for (const auto& [gguf, hf] : parts)
        if (rest == gguf) return "model.layers." + std::to_string(layer) + "." + hf;
    return {};
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
    if (f != ModelFamily::Llama && f != ModelFamily::Qwen2)
        throw std::invalid_argument(base.path() + ": PEFT adapters are read and written for llama and qwen2 "
                                    "models here (GPT-2's fused c_attn is not mapped yet)");
}

} // namespace

void writePeftAdapter(const std::string& folder, const ModelFile& base, const LoraAdapter& adapter) {
    checkFamily(base);
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw std::runtime_error(folder + ": cannot be created (" + ec.message() + ")");
    SafetensorsWriter w;
    std::vector<std::vector<float>> keep; // the writer borrows the data until write()
    keep.reserve(adapter.tensors.size() * 2);
    std::set<std::string> modules;
    for (const auto& [name, ab] : adapter.tensors) {
        const std::string path = modulePath(name);
        if (path.empty()) throw std::invalid_argument("PEFT has no module name for '" + name + "'");
        const std::int64_t r = adapter.rank;
        const std::int64_t in = std::int64_t(ab.first.size()) / r, out = std::int64_t(ab.second.size()) / r;
        keep.push_back(ab.first);
        w.addTensor(kPrefix + path + ".lora_A.weight", DType::F32, Shape{r, in}, keep.back().data());
        const int heads = interleavedHeads(base, name);
        keep.push_back(heads ? reorderRows(ab.second, out, r, heads, true) : ab.second);
        w.addTensor(kPrefix + path + ".lora_B.weight", DType::F32, Shape{out, r}, keep.back().data());
        modules.insert(path.substr(path.rfind('.') + 1));
    }
    std::string error;
    if (!w.write(folder + "/adapter_model.safetensors", &error)) throw std::runtime_error(error);
    nlohmann::json config{{"peft_type", "LORA"},
                          {"task_type", "CAUSAL_LM"},
                          {"r", adapter.rank},
                          {"lora_alpha", adapter.alpha},
                          {"lora_dropout", 0.0},
                          {"bias", "none"},
                          {"fan_in_fan_out", false},
                          {"inference_mode", true},
                          {"target_modules", std::vector<std::string>(modules.begin(), modules.end())},
                          {"base_model_name_or_path", base.path()}};
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
    if (config.value("fan_in_fan_out", false))
        throw std::runtime_error(configPath + ": fan_in_fan_out adapters (GPT-2 Conv1D) are not read yet");
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
        const std::int64_t out = w->shape.dim(0), in = w->shape.dim(1);
        const Shape want = isA ? Shape{a.rank, in} : Shape{out, a.rank};
        if (!(t.shape == want))
            throw std::runtime_error(tensorsPath + ": '" + n + "' is " + t.shape.toString() + ", not " +
                                     want.toString() + " for rank " + std::to_string(a.rank));
        std::vector<float> v = values(t);
        if (isB) {
            const int heads = interleavedHeads(base, name);
            if (heads) v = reorderRows(v, out, a.rank, heads, false);
            a.tensors[name].second = std::move(v);
        } else {
            a.tensors[name].first = std::move(v);
        }
    }
    for (const auto& [name, ab] : a.tensors)
        if (ab.first.empty() || ab.second.empty())
            throw std::runtime_error(tensorsPath + ": '" + name + "' has only one of lora_A and lora_B");
    if (a.tensors.empty()) throw std::runtime_error(tensorsPath + ": holds no LoRA tensor");
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
    const float scale = adapter.alpha / float(std::max(1, adapter.rank));
    for (const auto& [name, ab] : adapter.tensors) {
        Shape shape;
        std::vector<float> w = base.outInFloats(name, &shape);
        addLoraUpdate(w, shape.dim(0), shape.dim(1), ab.first, ab.second, adapter.rank, scale);
        out[name] = std::move(w);
    }
    return out;
}

} // namespace llmlab
