// llmlab-cli inspect: a model's anatomy, parameter share and tensor table, or one tensor's
// statistics, as text or JSON.
#include "Cli.h"

#include "analysis/ParamShare.h"
#include "analysis/TensorStats.h"
#include "formats/ModelFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace llmlab::cli {

namespace {

using nlohmann::json;

double percent(std::int64_t part, std::int64_t whole) {
    return whole > 0 ? 100.0 * double(part) / double(whole) : 0.0;
}

json countsJson(const ComponentCounts& counts) {
    json j = json::object();
    for (std::size_t i = 0; i < kComponentCount; ++i) {
        const auto c = Component(i);
        j[std::string(componentName(c))] = {{"params", counts[c].params},
                                            {"bytes", counts[c].bytes}};
    }
    return j;
}

json shapeJson(const Shape& s) {
    json j = json::array();
    for (int i = 0; i < s.rank(); ++i) j.push_back(s.dim(i));
    return j;
}

json specJson(const ModelSpec& s) {
    json dtypes = json::object();
    for (const auto& [dtype, bytes] : s.bytesPerDType)
        dtypes[std::string(dtypeName(dtype))] = {{"params", s.paramsPerDType.at(dtype)},
                                                 {"bytes", bytes}};
    return {{"family", familyName(s.family)},
            {"architecture", s.architecture},
            {"layers", s.layers},
            {"width", s.width},
            {"heads", s.heads},
            {"kvHeads", s.kvHeads},
            {"headDim", s.headDim},
            {"ffnWidth", s.ffnWidth},
            {"vocab", s.vocab},
            {"context", s.context},
            {"norm", normKindName(s.norm)},
            {"normEps", s.normEps},
            {"activation", activationName(s.activation)},
            {"positions", positionKindName(s.positions)},
            {"ropeTheta", s.ropeTheta},
            {"ropeLayout", s.ropeLayout == RopeLayout::Interleaved ? "interleaved" : "rotate-half"},
            {"qkvBias", s.qkvBias},
            {"tiedEmbeddings", s.tiedEmbeddings},
            {"totalParams", s.totalParams},
            {"paramsPerLayer", s.paramsPerLayer},
            {"nonLayerParams", s.nonLayerParams},
            {"dtypes", dtypes}};
}

json modelJson(const ModelFile& m) {
    const ParamShare share = computeParamShare(m.tensors(), m.spec());
    json layers = json::array();
    for (const ComponentCounts& l : share.layers) layers.push_back(countsJson(l));
    json tensors = json::array();
    for (const TensorInfo& t : m.tensors())
        tensors.push_back({{"name", t.name},
                           {"sourceName", t.sourceName},
                           {"dtype", dtypeName(t.dtype)},
                           {"shape", shapeJson(t.shape)},
                           {"params", t.shape.numel()},
                           {"bytes", t.bytes},
                           {"transposed", t.transposed},
                           {"component", componentName(componentOfTensor(t.name))}});
    return {{"path", m.path()},
            {"format", modelFormatName(m.format())},
            {"fileBytes", m.fileBytes()},
            {"spec", specJson(m.spec())},
            {"paramShare",
             {{"totals", countsJson(share.totals)},
              {"outsideLayers", countsJson(share.outsideLayers)},
              {"layers", layers},
              {"tiedEmbeddings", share.tiedEmbeddings}}},
            {"tensors", tensors}};
}

void printTensorTable(const ModelFile& m) {
    std::printf("%-40s %-6s %-18s %12s %12s\n", "tensor", "dtype", "shape", "params", "bytes");
    for (const TensorInfo& t : m.tensors())
        // GPT-2 Conv1D matrices keep their stored [in, out] shape here; say so.
        std::printf("%-40s %-6s %-18s %12lld %12llu%s\n", t.name.c_str(),
                    std::string(dtypeName(t.dtype)).c_str(), t.shape.toString().c_str(),
                    static_cast<long long>(t.shape.numel()),
                    static_cast<unsigned long long>(t.bytes), t.transposed ? "  [in, out]" : "");
}

void printShare(const ModelFile& m) {
    const ParamShare share = computeParamShare(m.tensors(), m.spec());
    const std::int64_t total = share.totals.total().params;
    std::printf("\nparameter share:\n");
    for (std::size_t i = 0; i < kComponentCount; ++i) {
        const auto c = Component(i);
        if (share.totals[c].params == 0 && c != Component::OutputHead) continue;
        std::printf(
            "  %-12s %12lld  %5.1f%%  %12lld bytes%s\n", std::string(componentName(c)).c_str(),
            static_cast<long long>(share.totals[c].params), percent(share.totals[c].params, total),
            static_cast<long long>(share.totals[c].bytes),
            c == Component::OutputHead && share.tiedEmbeddings ? " (tied to embeddings)" : "");
    }
}

json statsJson(const TensorInfo& t, const TensorStats& s) {
    return {{"name", t.name},
            {"dtype", dtypeName(t.dtype)},
            {"shape", shapeJson(t.shape)},
            {"count", s.count},
            {"finite", s.finite},
            {"min", s.min},
            {"max", s.max},
            {"mean", s.mean},
            {"std", s.std},
            {"zeros", s.zeros},
            {"zeroFraction", s.zeroFraction},
            {"nan", s.nanCount},
            {"inf", s.infCount},
            {"rowNorms", s.rowNorms},
            {"histogram", s.histogram}};
}

void printStats(const TensorInfo& t, const TensorStats& s) {
    std::printf("tensor %s  %s %s\n", t.name.c_str(), std::string(dtypeName(t.dtype)).c_str(),
                t.shape.toString().c_str());
    std::printf("count %lld (finite %lld, NaN %lld, Inf %lld)\n", static_cast<long long>(s.count),
                static_cast<long long>(s.finite), static_cast<long long>(s.nanCount),
                static_cast<long long>(s.infCount));
    std::printf("min %.6g  max %.6g  mean %.6g  std %.6g\n", s.min, s.max, s.mean, s.std);
    std::printf("zeros %lld (%.4f%%)\n", static_cast<long long>(s.zeros), 100.0 * s.zeroFraction);
    if (!s.rowNorms.empty()) {
        double lo = s.rowNorms[0], hi = lo, sum = 0;
        for (float n : s.rowNorms) {
            lo = std::min(lo, double(n));
            hi = std::max(hi, double(n));
            sum += n;
        }
        std::printf("row L2 norms (%zu rows): min %.6g  mean %.6g  max %.6g\n", s.rowNorms.size(),
                    lo, sum / double(s.rowNorms.size()), hi);
    }
    std::int64_t peak = 1;
    for (std::int64_t c : s.histogram) peak = std::max(peak, c);
    std::printf("histogram:\n");
    for (std::size_t i = 0; i < s.histogram.size(); ++i) {
        const double lo = s.min + double(i) * s.binWidth();
        const int bar = int(50.0 * double(s.histogram[i]) / double(peak));
        std::printf("  [%11.4g, %11.4g%c %10lld %s\n", lo, lo + s.binWidth(),
                    i + 1 == s.histogram.size() ? ']' : ')', static_cast<long long>(s.histogram[i]),
                    std::string(std::size_t(bar), '#').c_str());
    }
}

// Accepts the canonical name or the name stored in the file.
const TensorInfo* findTensor(const ModelFile& m, const std::string& name) {
    if (const TensorInfo* t = m.find(name)) return t;
    for (const TensorInfo& t : m.tensors())
        if (t.sourceName == name) return &t;
    return nullptr;
}

} // namespace

int inspect(const Args& args) {
    const std::vector<std::string> given = positionals("inspect", args);
    const std::string path = given.empty() ? std::string() : given.front();
    if (path.empty()) {
        std::fprintf(stderr, "llmlab-cli inspect: give the model to inspect: llmlab-cli inspect "
                             "PATH [--json] [--tensors] [--stats NAME [--bins N]]\n");
        return 1;
    }
    std::string error;
    const auto model = ModelFile::open(path, &error);
    if (!model) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    const bool asJson = flag(args, "json");
    const auto dump = [](const json& j) {
        std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    };

    if (const std::string name = option(args, "stats"); !name.empty()) {
        const TensorInfo* t = findTensor(*model, name);
        if (!t) {
            std::fprintf(stderr,
                         "%s: no tensor named '%s' (llmlab-cli inspect %s --tensors lists them).\n",
                         path.c_str(), name.c_str(), path.c_str());
            return 1;
        }
        TensorStatsOptions options;
        const std::string bins = option(args, "bins", asJson ? "64" : "20");
        char* end = nullptr;
        const long n = std::strtol(bins.c_str(), &end, 10);
        if (end == bins.c_str() || *end != '\0' || n < 1 || n > 100000) {
            std::fprintf(stderr, "--bins must be a whole number from 1 to 100000, not '%s'.\n",
                         bins.c_str());
            return 1;
        }
        options.bins = int(n);
        const TensorStats s = computeTensorStats(model->tensor(t->name), options);
        if (asJson)
            dump(statsJson(*t, s));
        else
            printStats(*t, s);
        return 0;
    }
    if (asJson) {
        dump(modelJson(*model));
        return 0;
    }
    if (flag(args, "tensors")) {
        printTensorTable(*model);
        return 0;
    }
    std::printf("%s (%s, %llu bytes)\n", model->path().c_str(),
                std::string(modelFormatName(model->format())).c_str(),
                static_cast<unsigned long long>(model->fileBytes()));
    std::printf("%s", model->spec().summary().c_str());
    printShare(*model);
    std::printf("\n");
    printTensorTable(*model);
    return 0;
}

} // namespace llmlab::cli
