#include "quant/QuantCompare.h"

#include "BackendFactory.h"
#include "Sampling.h"
#include "formats/ModelFile.h"
#include "formats/TensorNames.h"
#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "quant/ModelQuantizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>

namespace llmlab {

namespace {


// log-softmax of one row in float64.
std::vector<double> logSoftmax(const float* x, std::int64_t n) {
    double mx = -std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < n; ++i) mx = std::max(mx, double(x[i]));
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += std::exp(double(x[i]) - mx);
    const double lse = mx + std::log(sum);
    std::vector<double> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out[std::size_t(i)] = double(x[i]) - lse;
    return out;
}


std::string labelOf(const ModelFile& m) {
    const Metadata& meta = m.metadata();
    // An importance matrix, ours or llama.cpp's, and a pure file say so.
    std::string tail;
    if (meta.find("llmlab.quantize.imatrix_tokens") || meta.find("quantize.imatrix.file"))
        tail += " imatrix";
    if (meta.getString("llmlab.quantize.scheme").find("(pure)") != std::string::npos) tail += " pure";
    const std::int64_t ft = meta.getInt("general.file_type", -1);
    if (ft >= 0)
        for (const std::string& name : quantSchemeNames())
            if (quantScheme(name).fileType == ft) return name + tail;
    std::map<DType, std::int64_t> count;
    for (const TensorInfo& t : m.tensors())
        if (t.shape.rank() == 2) count[t.dtype] += t.shape.numel();
    DType best = DType::F32;
    std::int64_t most = -1;
    for (const auto& [t, n] : count)
        if (n > most) {
            most = n;
            best = t;
        }
    return std::string(dtypeName(best));
}

} // namespace

std::vector<TensorError> compareTensors(const ModelFile& reference, const ModelFile& other) {
    std::vector<TensorError> out;
    for (const TensorInfo& r : reference.tensors()) {
        const TensorInfo* o = other.find(r.name);
        if (!o || o->shape.numel() != r.shape.numel()) continue;
        const std::vector<float> a = reference.outInFloats(r.name), b = other.outInFloats(o->name);
        TensorError e;
        e.name = r.name;
        e.type = o->dtype;
        e.layer = layerOfTensor(r.name);
        e.elements = r.shape.numel();
        double se = 0, sr = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const double d = double(b[i]) - a[i];
            se += d * d;
            sr += double(a[i]) * a[i];
            e.maxError = std::max(e.maxError, std::fabs(d));
        }
        const double n = std::max<double>(1, double(a.size()));
        e.rmse = std::sqrt(se / n);
        e.rms = std::sqrt(sr / n);
        e.snrDb = se > 0 ? 10.0 * std::log10(sr / se) : std::numeric_limits<double>::infinity();
        out.push_back(std::move(e));
    }
    return out;
}

double klDivergence(const float* referenceLogits, const float* logits, std::int64_t vocab) {
    const std::vector<double> p = logSoftmax(referenceLogits, vocab), q = logSoftmax(logits, vocab);
    double kl = 0;
    for (std::int64_t i = 0; i < vocab; ++i) {
        const double lp = p[std::size_t(i)];
        kl += std::exp(lp) * (lp - q[std::size_t(i)]);
    }
    return std::max(0.0, kl);
}


QuantCompareResult compareQuantizations(const std::string& referencePath,
                                        const std::vector<std::string>& paths,
                                        const std::string& text, const QuantCompareOptions& o,
                                        const ProgressFn& progress, const CancelToken* cancel) {
    using Clock = std::chrono::steady_clock;
    std::vector<std::string> all{referencePath};
    all.insert(all.end(), paths.begin(), paths.end());
    std::vector<std::shared_ptr<const ModelFile>> files;
    for (const std::string& p : all) {
        std::string error;
        std::shared_ptr<const ModelFile> m = ModelFile::open(p, &error);
        if (!m) throw std::runtime_error(error);
        if (!files.empty()) {
            const ModelSpec &a = files.front()->spec(), &b = m->spec();
            if (a.vocab != b.vocab || a.layers != b.layers || a.width != b.width)
                throw std::runtime_error(p + ": is not a version of " + referencePath + " (" +
                                         std::to_string(b.layers) + " layers, width " +
                                         std::to_string(b.width) + ", vocabulary " +
                                         std::to_string(b.vocab) + " against " +
                                         std::to_string(a.layers) + ", " + std::to_string(a.width) +
                                         ", " + std::to_string(a.vocab) + ")");
        }
        files.push_back(std::move(m));
    }
    const ModelSpec& spec = files.front()->spec();
    const Tokenizer tokenizer = tokenizerFor(*files.front());
    QuantCompareResult result;
    result.layers = spec.layers;
    std::vector<std::int32_t> ids = tokenizer.encode(text, {.addSpecial = true});
    const int context = spec.context > 0 ? spec.context : 2048;
    const int limit = std::max(2, std::min(o.maxTokens, context - std::max(0, o.decodeTokens)));
    if (int(ids.size()) > limit) ids.resize(std::size_t(limit));
    if (ids.size() < 2)
        throw std::runtime_error("the text gives " + std::to_string(ids.size()) +
                                 " tokens; a comparison needs at least two");
    result.tokens = ids;

    std::string error;
    std::unique_ptr<Backend> backend = createBackend(o.backend, &error);
    if (!backend) throw std::runtime_error(error);
    CaptureOptions cap;
    cap.logitLens = o.logitLens;
    const int maxContext = int(ids.size()) + std::max(0, o.decodeTokens) + 1;
    std::vector<std::unique_ptr<InferenceSession>> sessions;
    for (const auto& f : files) {
        sessions.push_back(std::make_unique<InferenceSession>(f, *backend, maxContext, cap));
        QuantModelResult m;
        m.path = f->path();
        m.label = labelOf(*f);
        m.fileBytes = f->fileBytes();
        std::int64_t weights = 0;
        for (const TensorInfo& t : f->tensors()) weights += t.shape.numel();
        m.bitsPerWeight = weights > 0 ? 8.0 * double(f->fileBytes()) / double(weights) : 0;
        // The reference against itself is all zeros: not read twice to find that out.
        if (sessions.size() > 1) m.tensors = compareTensors(*files.front(), *f);
        if (o.logitLens) {
            m.lensKl.assign(std::size_t(spec.layers), 0.0);
            m.lensTop1.assign(std::size_t(spec.layers), 0.0);
        }
        result.models.push_back(std::move(m));
    }
    const std::int64_t V = spec.vocab;
    const std::size_t M = files.size();
    std::vector<double> nll(M, 0.0);
    std::vector<std::int64_t> agree(M, 0);
    std::int64_t scored = 0, lensRows = 0;
    const int chunk = std::max(1, o.chunk);
    const double steps = double(ids.size()) / chunk + (o.decodeTokens > 0 ? 1 : 0);
    int step = 0;
    for (std::size_t at = 0; at < ids.size(); at += std::size_t(chunk), ++step) {
        if (cancel && cancel->cancelled()) throw Cancelled();
        const std::size_t n = std::min(ids.size() - at, std::size_t(chunk));
        const std::span<const std::int32_t> part(ids.data() + at, n);
        std::vector<std::vector<float>> logits(M);
        std::vector<ForwardCaptures> lens(M);
        for (std::size_t m = 0; m < M; ++m) {
            logits[m] = sessions[m]->prefill(part);
            if (o.logitLens) lens[m] = sessions[m]->captures();
        }
        for (std::size_t t = 0; t < n; ++t) {
            const std::size_t pos = at + t;
            const float* ref = logits[0].data() + t * std::size_t(V);
            const std::int64_t refTop = argmax(std::span<const float>(ref, std::size_t(V)));
            for (std::size_t m = 0; m < M; ++m) {
                const float* row = logits[m].data() + t * std::size_t(V);
                if (pos + 1 < ids.size()) nll[m] += rowLoss(std::span<const float>(row, std::size_t(V)), ids[pos + 1]).loss;
                const double kl = m == 0 ? 0.0 : klDivergence(ref, row, V);
                result.models[m].klPerPosition.push_back(kl);
                if (argmax(std::span<const float>(row, std::size_t(V))) == refTop) ++agree[m];
                if (o.logitLens)
                    for (int l = 0; l < spec.layers; ++l) {
                        const float* lr = lens[0].logitLens[std::size_t(l)].data() + t * std::size_t(V);
                        const float* lq = lens[m].logitLens[std::size_t(l)].data() + t * std::size_t(V);
                        result.models[m].lensKl[std::size_t(l)] += m == 0 ? 0.0 : klDivergence(lr, lq, V);
                        result.models[m].lensTop1[std::size_t(l)] += argmax(std::span<const float>(lr, std::size_t(V))) == argmax(std::span<const float>(lq, std::size_t(V)));
                    }
            }
            if (pos + 1 < ids.size()) ++scored;
            ++lensRows;
        }
        if (at + n == ids.size())
            for (std::size_t m = 0; m < M; ++m) {
                const std::vector<double> lp =
                    logSoftmax(logits[m].data() + (n - 1) * std::size_t(V), V);
                for (double v : lp) result.models[m].lastProbs.push_back(float(std::exp(v)));
            }
        if (progress)
            progress(double(step + 1) / steps, "scored " + std::to_string(at + n) + " of " +
                                                   std::to_string(ids.size()) + " tokens");
    }
    for (std::size_t m = 0; m < M; ++m) {
        QuantModelResult& r = result.models[m];
        r.perplexity = std::exp(nll[m] / double(std::max<std::int64_t>(1, scored)));
        r.top1Agreement = double(agree[m]) / double(std::max<std::int64_t>(1, lensRows));
        double sum = 0;
        for (double k : r.klPerPosition) {
            sum += k;
            r.maxKl = std::max(r.maxKl, k);
        }
        r.meanKl = r.klPerPosition.empty() ? 0 : sum / double(r.klPerPosition.size());
        for (std::size_t l = 0; l < r.lensKl.size(); ++l) {
            r.lensKl[l] /= double(std::max<std::int64_t>(1, lensRows));
            r.lensTop1[l] /= double(std::max<std::int64_t>(1, lensRows));
        }
    }
    // Speed on a session of its own with nothing captured: the lockstep passes above compute
    // every layer's logit lens, which is not what a user of the file would run.
    if (o.decodeTokens > 0)
        for (std::size_t m = 0; m < M; ++m) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            InferenceSession plain(files[m], *backend, maxContext);
            const auto t0 = Clock::now();
            const std::vector<float> last = plain.prefillLast(ids);
            const double promptSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
            std::int32_t next = std::int32_t(argmax(last));
            next = std::int32_t(argmax(plain.decode(next))); // warm-up: compiles the decode pass
            const auto t1 = Clock::now();
            for (int k = 0; k < o.decodeTokens; ++k) next = std::int32_t(argmax(plain.decode(next)));
            const double s = std::chrono::duration<double>(Clock::now() - t1).count();
            result.models[m].promptTokensPerSecond = promptSeconds > 0 ? double(ids.size()) / promptSeconds : 0;
            result.models[m].decodeTokensPerSecond = s > 0 ? o.decodeTokens / s : 0;
            if (progress) progress(1.0, "timed decoding of " + result.models[m].label);
        }
    return result;
}

// RMSE of all matrices relative to the reference's RMS, weighted by size.
double relativeRmse(const QuantModelResult& m) {
    double se = 0, sr = 0;
    for (const TensorError& t : m.tensors) {
        se += t.rmse * t.rmse * double(t.elements);
        sr += t.rms * t.rms * double(t.elements);
    }
    return sr > 0 ? std::sqrt(se / sr) : 0;
}


std::string quantCompareText(const QuantCompareResult& r) {
    std::string out;
    char line[320];
    std::snprintf(line, sizeof line, "%zu tokens scored; reference %s\n", r.tokens.size(),
                  r.models.empty() ? "" : r.models.front().path.c_str());
    out += line;
    std::snprintf(line, sizeof line, "%-10s %10s %6s %9s %10s %9s %7s %9s %9s\n", "type", "MiB",
                  "bits/w", "rel.RMSE", "mean KL", "max KL", "top-1", "ppl", "decode/s");
    out += line;
    for (const QuantModelResult& m : r.models) {
        std::snprintf(line, sizeof line, "%-10s %10.3f %6.2f %9.4f %10.6f %9.5f %6.1f%% %9.4f %9.1f\n",
                      m.label.c_str(), double(m.fileBytes) / 1048576.0, m.bitsPerWeight,
                      relativeRmse(m), m.meanKl, m.maxKl, 100.0 * m.top1Agreement, m.perplexity,
                      m.decodeTokensPerSecond);
        out += line;
    }
    if (!r.models.empty() && r.layers > 0 && !r.models.front().lensKl.empty()) {
        out += "logit-lens KL to the reference, by layer:\n";
        for (const QuantModelResult& m : r.models) {
            std::snprintf(line, sizeof line, "%-10s", m.label.c_str());
            out += line;
            for (double k : m.lensKl) {
                std::snprintf(line, sizeof line, " %8.5f", k);
                out += line;
            }
            out += "\n";
        }
    }
    return out;
}

std::string quantCompareJson(const QuantCompareResult& r) {
    nlohmann::json j;
    j["tokens"] = r.tokens.size();
    j["layers"] = r.layers;
    for (const QuantModelResult& m : r.models) {
        nlohmann::json x;
        x["path"] = m.path;
        x["type"] = m.label;
        x["file_bytes"] = m.fileBytes;
        x["bits_per_weight"] = m.bitsPerWeight;
        x["relative_rmse"] = relativeRmse(m);
        x["mean_kl"] = m.meanKl;
        x["max_kl"] = m.maxKl;
        x["kl_per_position"] = m.klPerPosition;
        x["top1_agreement"] = m.top1Agreement;
        x["perplexity"] = m.perplexity;
        x["lens_kl"] = m.lensKl;
        x["lens_top1"] = m.lensTop1;
        x["prompt_tokens_per_second"] = m.promptTokensPerSecond;
        x["decode_tokens_per_second"] = m.decodeTokensPerSecond;
        nlohmann::json tensors = nlohmann::json::array();
        for (const TensorError& t : m.tensors)
            tensors.push_back({{"name", t.name},
                               {"type", std::string(dtypeName(t.type))},
                               {"rmse", t.rmse},
                               {"max_error", t.maxError},
                               {"snr_db", std::isfinite(t.snrDb) ? nlohmann::json(t.snrDb)
                                                                 : nlohmann::json(nullptr)}});
        x["tensors"] = tensors;
        j["models"].push_back(x);
    }
    return j.dump(1);
}

} // namespace llmlab
