// The attribution lab's engine jobs: direct logit attribution with the contribution graph,
// activation patching (exact, the gradient estimate, or both), head ablation with the
// prompt's attention, and reading one edge of the graph through the unembedding.
#pragma once

#include "JobRunner.h"

#include "interp/Attribution.h"
#include "interp/ContributionGraph.h"

#include <QMetaType>
#include <QStringList>

#include <memory>

namespace llmlab {
class ModelFile;
}

namespace llmlab::views {
class AttentionData;
}

namespace llmlab::gui {

/// The two tokens a difference is taken between, as typed (versus empty: the model's
/// likeliest other next token), and a prompt.
struct InterpRequest {
    std::shared_ptr<const ModelFile> model;
    QString prompt;  ///< the clean prompt
    QString corrupt; ///< patching only
    QString target, versus;
};

/// What every job names: the prompt's tokens and the two compared.
struct InterpTokens {
    std::vector<std::int32_t> ids;
    std::vector<QString> labels; ///< visible pieces, a token each
    std::int32_t target = 0, versus = 0;
    QString targetLabel, versusLabel;
};

struct AttributeSnapshot {
    InterpTokens tokens;
    LogitAttribution attribution;
    std::shared_ptr<const ContributionGraph> graph;
};

enum class PatchMethod { Exact, Gradient, Both };

struct PatchSnapshot {
    InterpTokens tokens; ///< the clean prompt's
    std::vector<QString> corruptLabels;
    PatchMethod method = PatchMethod::Exact;
    PatchingResult exact, estimate; ///< as the method asked
    double residualCorrelation = 0, headCorrelation = 0; ///< Both
};

struct AblateSnapshot {
    InterpTokens tokens;
    AblationKind kind = AblationKind::Zero;
    AblationResult result;
    std::shared_ptr<const views::AttentionData> attention; ///< the prompt's, every head
};

struct ProjectSnapshot {
    int edge = -1, head = -1;
    QStringList promoted, suppressed; ///< "'piece' +1.23"
};

JobFn makeAttributeJob(InterpRequest request);
JobFn makePatchJob(InterpRequest request, PatchMethod method);
JobFn makeAblateJob(InterpRequest request, AblationKind kind);
/// `head` -1: the whole edge.
JobFn makeProjectJob(std::shared_ptr<const ModelFile> model,
                     std::shared_ptr<const ContributionGraph> graph, int edge, int head);

} // namespace llmlab::gui

Q_DECLARE_METATYPE(llmlab::gui::AttributeSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::PatchSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::AblateSnapshot)
Q_DECLARE_METATYPE(llmlab::gui::ProjectSnapshot)
