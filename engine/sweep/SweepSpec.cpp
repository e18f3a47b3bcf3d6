#include "SweepSpec.h"

#include "lm/LmRun.h"
#include "train/TrainConfig.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace llmlab {

using nlohmann::json;

const char* sweepKindKey(SweepKind kind) {
    switch (kind) {
    case SweepKind::Grokking: return "grokking";
    case SweepKind::Lm: return "lm";
    case SweepKind::RandomFeatures: return "random-features";
    }
    return "?";
}

std::string SweepRun::folderName() const {
    char name[32];
    std::snprintf(name, sizeof name, "run-%04d", index);
    return name;
}

namespace {

// A value as a label shows it: numbers in %g, strings bare.
std::string shortValue(const json& v) {
    if (v.is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v.get<double>());
        return buf;
    }
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// Every dotted path of the leaves of `j` ("optim.lr"), for the error that names a bad field.
void leafPaths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (it->is_object())
            leafPaths(*it, path, out);
        else if (it.key() != "format" && it.key() != "version")
            out.push_back(path);
    }
}

// Sets the field at a dotted path, which must exist in the kind's config.
void setPath(json& config, const std::string& path, const json& value, const std::string& where) {
    json* node = &config;
    std::stringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '.')) {
        if (!node->is_object() || !node->contains(part)) {
            std::vector<std::string> fields;
            leafPaths(config, "", fields);
            std::string list;
            for (const std::string& f : fields) list += (list.empty() ? "" : ", ") + f;
            throw std::invalid_argument(where + ": there is no field '" + path +
                                        "' to vary (fields: " + list + ")");
        }
        node = &(*node)[part];
    }
    if (node->is_number() && !value.is_number())
        throw std::invalid_argument(where + ": '" + path + "' takes a number, not " +
                                    value.dump());
    // Integers stay integers: 64.0 from a grid of doubles would not parse as an int field.
    if (node->is_number_integer() && value.is_number_float()) {
        const double v = value.get<double>();
        if (v != std::floor(v))
            throw std::invalid_argument(where + ": '" + path + "' takes a whole number, not " +
                                        shortValue(value));
        *node = std::int64_t(v);
    } else {
        *node = value;
    }
}

json baseConfig(SweepKind kind, const json& base, const std::string& where) {
    json config;
    if (kind == SweepKind::Grokking) {
        TrainConfig c;
        const std::string preset = base.value("preset", std::string("quick"));
        if (!presetConfig(preset, &c))
            throw std::invalid_argument(where + ": unknown grokking preset '" + preset + "'");
        config = json::parse(configToJson(c));
    } else {
        config = json::parse(lmConfigToJson(LmTrainConfig{}));
    }
    std::vector<std::string> fields;
    leafPaths(base, "", fields);
    for (const std::string& f : fields) {
        json::json_pointer ptr("/" + [&] {
            std::string p = f;
            for (char& ch : p)
                if (ch == '.') ch = '/';
            return p;
        }());
        if (kind == SweepKind::Grokking && f == "preset") continue;
        setPath(config, f, base.at(ptr), where + " (base)");
    }
    return config;
}

// The budget fields of an lm sweep, turned into steps.
void applyBudget(json& config, const std::string& key, double value, const std::string& where) {
    if (!(value > 0)) throw std::invalid_argument(where + ": '" + key + "' must be positive");
    const LmTrainConfig c = lmConfigFromJson(config.dump());
    double tokens = value;
    if (key == "compute") tokens = value / (6.0 * double(lmNonEmbeddingParams(c)));
    const double perStep = double(c.batch) * double(c.seqLen);
    config["steps"] = std::max<std::int64_t>(1, std::int64_t(std::llround(tokens / perStep)));
}

SweepRun buildRun(SweepKind kind, const json& base, const json& overrides, int index,
                  const std::vector<std::string>& axes, const std::string& where) {
    SweepRun run;
    run.index = index;
    json config = base;
    std::vector<std::pair<std::string, double>> budgets;
    for (const std::string& axis : axes) {
        if (!overrides.contains(axis)) continue;
        const json& v = overrides.at(axis);
        run.values.emplace_back(axis, v.dump());
        const std::string shortKey = axis.substr(axis.rfind('.') + 1);
        run.label += (run.label.empty() ? "" : " ") + shortKey + "=" + shortValue(v);
        if (kind == SweepKind::Lm && (axis == "tokens" || axis == "compute")) {
            if (!v.is_number())
                throw std::invalid_argument(where + ": '" + axis + "' takes a number");
            budgets.emplace_back(axis, v.get<double>());
        } else {
            setPath(config, axis, v, where);
        }
    }
    for (const auto& [key, value] : budgets) applyBudget(config, key, value, where);
    try {
        if (kind == SweepKind::Grokking) {
            TrainConfig c = configFromJson(config.dump());
            c.name = run.label.empty() ? "run " + std::to_string(index) : run.label;
            run.configJson = configToJson(c);
        } else {
            const LmTrainConfig c = lmConfigFromJson(config.dump());
            LmConfig m = c.model;
            m.vocab = 2; // checked for real when the run starts; here the shape rules
            m.context = c.seqLen;
            validateLmConfig(m);
            run.configJson = lmConfigToJson(c);
        }
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + ", run " + std::to_string(index) + " (" + run.label +
                                    "): " + e.what());
    }
    return run;
}

RandomFeaturesConfig featuresConfig(const json& base, const json& grid, const std::string& where) {
    RandomFeaturesConfig c;
    c.samples = base.value("samples", c.samples);
    c.testSamples = base.value("test_samples", c.testSamples);
    c.inputDim = base.value("input_dim", c.inputDim);
    c.noise = base.value("noise", c.noise);
    c.repeats = base.value("repeats", c.repeats);
    c.seed = base.value("seed", c.seed);
    if (base.contains("features")) c.featureCounts = base.at("features").get<std::vector<int>>();
    if (grid.contains("features")) c.featureCounts = grid.at("features").get<std::vector<int>>();
    if (grid.contains("ridge")) c.ridges = grid.at("ridge").get<std::vector<double>>();
    for (auto it = grid.begin(); it != grid.end(); ++it)
        if (it.key() != "features" && it.key() != "ridge")
            throw std::invalid_argument(where + ": a random-features sweep varies 'features' and "
                                                "'ridge', not '" + it.key() + "'");
    if (c.samples < 2 || c.testSamples < 1 || c.inputDim < 1 || c.repeats < 1)
        throw std::invalid_argument(where + ": samples, test_samples, input_dim and repeats "
                                            "must be positive");
    return c;
}

} // namespace

SweepSpec parseSweepSpec(const std::string& text, const std::string& source) {
    SweepSpec spec;
    spec.text = text;
    // Parsed keeping the file's key order, so the axes (and labels) come in the order written.
    json j;
    nlohmann::ordered_json ordered;
    try {
        ordered = nlohmann::ordered_json::parse(text);
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw std::invalid_argument(source + ": not valid JSON (" + e.what() + ")");
    }
    try {
        if (!j.is_object() || j.value("format", "") != "llmlab-sweep")
            throw std::invalid_argument(source + ": not an llmlab sweep (format \"llmlab-sweep\")");
        spec.name = j.value("name", spec.name);
        const std::string kind = j.value("kind", std::string("grokking"));
        if (kind == "grokking")
            spec.kind = SweepKind::Grokking;
        else if (kind == "lm")
            spec.kind = SweepKind::Lm;
        else if (kind == "random-features")
            spec.kind = SweepKind::RandomFeatures;
        else
            throw std::invalid_argument(source + ": unknown sweep kind '" + kind +
                                        "' (grokking, lm or random-features)");
        spec.evalEvery = j.value("eval_every", spec.evalEvery);
        spec.evalBatches = j.value("eval_batches", spec.evalBatches);
        if (spec.evalEvery < 1 || spec.evalBatches < 1)
            throw std::invalid_argument(source + ": eval_every and eval_batches must be positive");
        const json base = j.value("base", json::object());
        const json grid = j.value("grid", json::object());
        std::vector<std::string> gridOrder;
        if (ordered.contains("grid") && ordered.at("grid").is_object())
            for (auto it = ordered.at("grid").begin(); it != ordered.at("grid").end(); ++it)
                gridOrder.push_back(it.key());
        if (spec.kind == SweepKind::RandomFeatures) {
            spec.features = featuresConfig(base, grid, source);
            spec.axes = {"ridge", "features"};
            return spec;
        }
        const json baseJson = baseConfig(spec.kind, base, source);

        // The axes: the fields of the explicit runs first (in their order), then the grid's.
        std::vector<json> list = {json::object()};
        if (j.contains("runs")) {
            list = j.at("runs").get<std::vector<json>>();
            if (list.empty()) throw std::invalid_argument(source + ": 'runs' is empty");
            for (const auto& r : ordered.at("runs"))
                for (auto it = r.begin(); it != r.end(); ++it)
                    if (std::find(spec.axes.begin(), spec.axes.end(), it.key()) ==
                        spec.axes.end())
                        spec.axes.push_back(it.key());
        }
        for (const std::string& key : gridOrder) {
            const json& values = grid.at(key);
            if (!values.is_array() || values.empty())
                throw std::invalid_argument(source + ": grid field '" + key +
                                            "' needs a non-empty list of values");
            spec.axes.push_back(key);
            std::vector<json> next;
            for (const json& r : list)
                for (const json& v : values) {
                    json row = r;
                    row[key] = v;
                    next.push_back(row);
                }
            list = std::move(next);
        }
        if (list.size() > 10000)
            throw std::invalid_argument(source + ": " + std::to_string(list.size()) +
                                        " runs; a sweep holds at most 10000");
        for (std::size_t i = 0; i < list.size(); ++i)
            spec.runs.push_back(
                buildRun(spec.kind, baseJson, list[i], int(i), spec.axes, source));
    } catch (const json::exception& e) {
        throw std::invalid_argument(source + ": " + e.what());
    }
    return spec;
}

SweepSpec loadSweepSpec(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    return parseSweepSpec(ss.str(), path);
}

} // namespace llmlab
