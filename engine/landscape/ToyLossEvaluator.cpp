#include "LossEvaluator.h"

#include "Sampling.h"

#include <cmath>
#include <map>
#include <stdexcept>

namespace llmlab {

std::string splitKey(LandscapeSplit s) {
    switch (s) {
    case LandscapeSplit::Train:
        return "train";
    case LandscapeSplit::Validation:
        return "val";
    case LandscapeSplit::Both:
        return "both";
    }
    return "val";
}

bool parseSplitKey(const std::string& key, LandscapeSplit* s) {
    if (key == "train")
        *s = LandscapeSplit::Train;
    else if (key == "val" || key == "validation")
        *s = LandscapeSplit::Validation;
    else if (key == "both")
        *s = LandscapeSplit::Both;
    else
        return false;
    return true;
}

struct ToyLossEvaluator::Impl {
    TrainConfig config;
    Graph graph;
    ToyForward model;
    std::unique_ptr<Executable> exe;
    std::vector<Example> examples;
    std::vector<std::string> splitNames;
    std::size_t firstCount = 0;     // examples of the first split; the rest belong to the second
    std::vector<NodeId> paramNodes; // in FlatParams order (names sorted)
    std::vector<std::string> paramNames;
};

ToyLossEvaluator::ToyLossEvaluator(const TrainConfig& config, Backend& backend,
                                   LandscapeSplit split)
    : m_impl(std::make_unique<Impl>()) {
    Impl& I = *m_impl;
    I.config = config;
    I.config.fitModelToTask();
    const TaskData task = makeTask(I.config.task);
    if (split != LandscapeSplit::Validation) {
        I.examples = task.train;
        I.splitNames.push_back("train");
    }
    I.firstCount = I.examples.size();
    if (split != LandscapeSplit::Train) {
        I.examples.insert(I.examples.end(), task.validation.begin(), task.validation.end());
        I.splitNames.push_back("val");
    }
    if (split == LandscapeSplit::Validation) I.firstCount = I.examples.size();
    if (I.examples.empty()) throw std::invalid_argument("the task's split has no examples");

    const int n = int(I.examples.size()), T = I.config.model.seqLen;
    // The initial values do not matter: every evaluation sets all of them.
    const ToyParams init = initToyParams(I.config.model, 0);
    I.model = buildToyForward(I.graph, I.config.model, init, n);
    I.graph.capture(I.model.logits);
    for (const auto& [name, id] : I.model.params) {
        I.paramNames.push_back(name);
        I.paramNodes.push_back(id);
    }
    I.exe = backend.compile(I.graph);
    std::vector<std::int32_t> tokens;
    tokens.reserve(std::size_t(n) * std::size_t(T));
    for (const Example& e : I.examples) tokens.insert(tokens.end(), {e.a, e.b, task.equalsToken});
    I.exe->setInput(I.model.tokens, std::span<const std::int32_t>(tokens));
    I.exe->setInput(I.model.positions, std::span<const std::int32_t>(toyPositions(n, T)));
    I.exe->setInput(I.model.answerRows, std::span<const std::int32_t>(toyAnswerRows(n, T)));
}

ToyLossEvaluator::~ToyLossEvaluator() = default;

std::vector<std::string> ToyLossEvaluator::splits() const {
    return m_impl->splitNames;
}

std::vector<LossPoint> ToyLossEvaluator::evaluate(const FlatParams& theta) {
    Impl& I = *m_impl;
    if (theta.names != I.paramNames)
        throw std::invalid_argument("the landscape's parameters are not this toy model's");
    for (std::size_t i = 0; i < I.paramNodes.size(); ++i)
        I.exe->setInput(I.paramNodes[i], theta.tensor(i));
    I.exe->run();
    const std::vector<float> logits = I.exe->read(I.model.logits); // [n, vocab]
    const std::size_t vocab = std::size_t(I.config.model.vocab);
    double loss[2] = {0, 0}, correct[2] = {0, 0};
    for (std::size_t e = 0; e < I.examples.size(); ++e) {
        const RowLoss r = rowLoss({logits.data() + e * vocab, vocab}, I.examples[e].answer);
        const int set = e < I.firstCount ? 0 : 1;
        loss[set] += r.loss;
        correct[set] += r.correct ? 1 : 0;
    }
    std::vector<LossPoint> out;
    const double counts[2] = {double(I.firstCount), double(I.examples.size() - I.firstCount)};
    for (std::size_t s = 0; s < I.splitNames.size(); ++s)
        out.push_back({loss[s] / counts[s], correct[s] / counts[s]});
    return out;
}

} // namespace llmlab
