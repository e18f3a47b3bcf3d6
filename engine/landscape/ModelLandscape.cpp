#include "ModelLandscape.h"

#include "Sampling.h"

#include "model/Generator.h"
#include "model/LanguageModel.h"
#include "train/RunStore.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <regex>
#include <stdexcept>

namespace llmlab {

namespace fs = std::filesystem;

TextLossEvaluator::TextLossEvaluator(std::shared_ptr<const ModelFile> model, Backend& backend,
                                     std::vector<std::int32_t> tokens,
                                     const std::string& tensorPattern)
    : m_tokens(std::move(tokens)) {
    const std::string path = model->path();
    if (m_tokens.size() < 2)
        throw std::invalid_argument(path + ": the text gives fewer than 2 tokens, so there is no "
                                           "next token to predict");
    if (tensorPattern.empty())
        throw std::invalid_argument(path + ": say which tensors move (a pattern such as "
                                           "'blk\\.0\\.ffn_'): moving every weight of a model "
                                           "copies all of it to F32");
    m_session = std::make_unique<InferenceSession>(model, backend, int(m_tokens.size()));
    std::regex re;
    try {
        re = std::regex(tensorPattern);
    } catch (const std::regex_error&) {
        throw std::invalid_argument("the tensor pattern '" + tensorPattern +
                                    "' is not a valid regular expression");
    }
    std::vector<std::string> chosen;
    for (const std::string& name : m_session->weightNames())
        if (std::regex_search(name, re)) chosen.push_back(name);
    if (chosen.empty())
        throw std::invalid_argument(path + ": the tensor pattern '" + tensorPattern +
                                    "' matches none of its weights (e.g. " +
                                    m_session->weightNames().front() + ")");
    m_session->makeAdjustable(chosen);
    ToyParams p;
    for (const std::string& name : chosen) {
        Shape shape;
        p.values[name] = m_session->originalWeight(name, &shape);
        p.shapes[name] = shape;
    }
    m_centre = FlatParams::fromToy(p);
}

TextLossEvaluator::~TextLossEvaluator() = default;

std::vector<LossPoint> TextLossEvaluator::evaluate(const FlatParams& theta) {
    if (theta.names != m_centre.names)
        throw std::invalid_argument("the landscape's tensors are not the ones made adjustable");
    for (std::size_t i = 0; i < theta.tensorCount(); ++i)
        m_session->setWeight(theta.names[i], theta.tensor(i));
    m_session->reset();
    const std::vector<float> logits = m_session->prefill(m_tokens); // [T, vocab]
    const std::size_t vocab = std::size_t(m_session->spec().vocab);
    double loss = 0, correct = 0;
    const std::size_t n = m_tokens.size() - 1;
    for (std::size_t t = 0; t < n; ++t) {
        const RowLoss r = rowLoss({logits.data() + t * vocab, vocab}, m_tokens[t + 1]);
        loss += r.loss;
        correct += r.correct ? 1 : 0;
    }
    return {{loss / double(n), correct / double(n)}};
}

std::vector<std::int32_t> landscapeTokens(const ModelFile& model, const std::string& text,
                                          int maxTokens) {
    const Tokenizer tok = tokenizerFor(model);
    std::vector<std::int32_t> ids = tok.encode(text, {true, false});
    if (tok.bosId() >= 0 && (ids.empty() || ids.front() != tok.bosId()))
        ids.insert(ids.begin(), tok.bosId());
    if (maxTokens > 0 && int(ids.size()) > maxTokens) ids.resize(std::size_t(maxTokens));
    return ids;
}

RunLandscape computeModelLandscape(std::shared_ptr<const ModelFile> model, const std::string& text,
                                   const ModelLandscapeSpec& spec, Backend& backend,
                                   const ModelLandscapeOptions& o) {
    RunLandscape L;
    L.runDir = model->path();
    L.backend = backend.name();
    L.spec.directions = DirectionKind::Random;
    L.spec.random = spec.random;
    L.spec.grid = spec.grid;
    L.spec.range = spec.range;
    TextLossEvaluator evaluator(model, backend, landscapeTokens(*model, text, spec.maxTokens),
                                spec.random.tensorPattern);
    const FlatParams& centre = evaluator.centre();
    std::int64_t moved = 0;
    for (const Shape& sh : centre.shapes) moved += sh.numel();
    L.movedParameters = moved;
    L.movedTensors = centre.names;
    RandomDirectionOptions second = spec.random;
    second.seed = spec.random.seed + 1;
    const FlatParams d1 = randomDirection(centre, spec.random);
    const FlatParams d2 = randomDirection(centre, second);
    L.directionNorms[0] = norm(d1);
    L.directionNorms[1] = norm(d2);
    L.gridSpec = {spec.grid, spec.grid, -spec.range, spec.range, -spec.range, spec.range};
    L.gridSpec.validate();
    L.splits = evaluator.splits();

    // One pass at the centre first: its loss is a number the user wants, and its time makes
    // the estimate shown before the grid starts.
    // The first pass compiles the graph; the second is what every grid point costs.
    L.centreLoss = evaluator.evaluate(centre).at(0).loss;
    const auto t0 = std::chrono::steady_clock::now();
    evaluator.evaluate(centre);
    const double perPass =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (o.onEstimate) o.onEstimate(L.gridSpec.points(), perPass);

    // A CSV left by another landscape (other tensors, text or grid) is started afresh, not
    // resumed from.
    L.key = hashKey(L.runDir + "\n" + text + "\n" + std::to_string(spec.maxTokens) + "\n" +
                    L.spec.key());
    if (!o.csvPath.empty() && fs::exists(o.csvPath)) {
        fs::path json(o.csvPath);
        json.replace_extension(".json");
        bool same = false;
        try {
            same = fs::exists(json) && readLandscape(o.csvPath).key == L.key;
        } catch (const std::exception&) {
            same = false;
        }
        if (!same) fs::remove(o.csvPath);
    }
    if (!o.csvPath.empty()) {
        fs::path json(o.csvPath);
        json.replace_extension(".json");
        writeFileAtomically(json.string(), landscapeHeaderJson(L));
    }
    GridOptions go;
    go.computed = &L.passesComputed;
    go.slice = o.slice;
    go.csvPath = o.csvPath;
    go.progress = o.progress;
    go.cancel = o.cancel;
    L.grid = computeGrid(evaluator, centre, d1, &d2, L.gridSpec, go);
    return L;
}

} // namespace llmlab
