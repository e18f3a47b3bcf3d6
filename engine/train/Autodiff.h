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
///
/// `recompute` (gradient checkpointing, Chen et al. 2016): ranges [first, end) of node ids, in
/// order and disjoint — a transformer's blocks. The backward pass of a range reads its values
/// from a second computation of the range, made just before it from the range's inputs, so the
/// first computation's values die in the forward pass and memory holds one block's activations
/// (and every range's input) instead of all of them. The gradients are the same, bit for bit.
std::unordered_map<NodeId, NodeId> appendBackward(Graph& graph, NodeId output, NodeId outputGrad,
                                                  const std::vector<NodeId>& wrt,
                                                  const std::vector<std::pair<NodeId, NodeId>>& recompute = {});

} // namespace llmlab
