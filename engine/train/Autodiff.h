// Reverse-mode differentiation over a Graph: appends the backward ops of every op on the path
// from the parameters to an output, given the gradient of that output.
#pragma once

#include "Graph.h"

#include <unordered_map>
#include <vector>

namespace llmlab {

/// Appends to `graph` the nodes computing d(loss)/d(p) for each p in `wrt`, where
/// `outputGrad` holds d(loss)/d(output). Returns p -> gradient node (a p that does not reach
/// `output` is absent). Throws std::invalid_argument for an op without a backward rule.
std::unordered_map<NodeId, NodeId> appendBackward(Graph& graph, NodeId output, NodeId outputGrad,
                                                  const std::vector<NodeId>& wrt);

} // namespace llmlab
