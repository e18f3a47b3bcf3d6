#include "ToyExport.h"

#include "RunStore.h"
#include "formats/GgufWriter.h"
#include "formats/SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace llmlab {

namespace {
MetaValue u32(std::int64_t v) {
    return MetaValue::integer(MetaType::UInt32, v);
}
} // namespace

bool exportToyGguf(const std::string& path, const TrainConfig& c, const ToyParams& params,
                   std::string* error) {
    GgufWriter w;
    const ToyModelConfig& m = c.model;
    w.addMetadata("general.architecture", MetaValue::string("toy"));
    w.addMetadata("general.name", MetaValue::string(c.name + " (" + taskTitle(c.task.kind) + ")"));
    w.addMetadata("toy.block_count", u32(m.layers));
    w.addMetadata("toy.embedding_length", u32(m.dModel));
    w.addMetadata("toy.attention.head_count", u32(m.heads));
    w.addMetadata("toy.attention.head_count_kv", u32(m.heads));
    w.addMetadata("toy.feed_forward_length", u32(m.dMlp));
    w.addMetadata("toy.context_length", u32(m.seqLen));
    w.addMetadata("toy.vocab_size", u32(m.vocab));
    w.addMetadata("toy.layer_norm", u32(m.layerNorm ? 1 : 0));
    if (m.layerNorm)
        w.addMetadata("toy.attention.layer_norm_epsilon", MetaValue::real(MetaType::Float32, 1e-5));
    w.addMetadata("toy.activation",
                  MetaValue::string(m.activation == ToyActivation::Gelu ? "gelu" : "relu"));
    w.addMetadata("toy.task", MetaValue::string(taskKey(c.task.kind)));
    w.addMetadata("toy.task.modulus", u32(c.task.modulus));
    for (const auto& [name, values] : params.values)
        w.addTensor(name, DType::F32, params.shapes.at(name), values.data());
    return w.write(path, error);
}

bool exportToyHfFolder(const std::string& dir, const TrainConfig& c, const ToyParams& params,
                       std::string* error) {
    const ToyModelConfig& m = c.model;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        if (error) *error = dir + ": cannot be created (" + ec.message() + ")";
        return false;
    }
    const nlohmann::json config = {
        {"model_type", "toy"},
        {"architectures", {"LlmlabToyTransformer"}},
        {"hidden_size", m.dModel},
        {"num_hidden_layers", m.layers},
        {"num_attention_heads", m.heads},
        {"intermediate_size", m.dMlp},
        {"max_position_embeddings", m.seqLen},
        {"vocab_size", m.vocab},
        {"layer_norm", m.layerNorm ? 1 : 0},
        {"layer_norm_eps", 1e-5},
        {"activation", m.activation == ToyActivation::Gelu ? "gelu" : "relu"},
        {"tie_word_embeddings", m.tiedUnembed},
        {"task", taskKey(c.task.kind)},
        {"modulus", c.task.modulus},
    };
    SafetensorsWriter w;
    w.addMetadata("format", "pt");
    for (const auto& [name, values] : params.values)
        w.addTensor(name, DType::F32, params.shapes.at(name), values.data());
    try {
        writeFileAtomically(dir + "/config.json", config.dump(2));
    } catch (const std::exception& e) {
        if (error) *error = e.what();
        return false;
    }
    return w.write(dir + "/model.safetensors", error);
}

} // namespace llmlab
