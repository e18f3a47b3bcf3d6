// The two snapshot charts of the grokking lab: the Fourier spectrum of the token embeddings
// (a grokked modular-addition model concentrates on a few key frequencies) and where the "="
// position attends, per layer and head.
#pragma once

#include "ChartView.h"

#include "train/Trainer.h"

#include <vector>

namespace llmlab::views {

/// The spectrum as a series over k = 1..K (K = spectrum.size() = (p-1)/2).
SeriesData spectrumSeries(const std::vector<double>& spectrum);
/// Attention at "=" as a heatmap: columns the tokens [a, b, =], rows layer-major (L0 H0, L0 H1,
/// ...), values the mean probability.
HeatmapData attentionHeatmap(const AttentionAtEquals& attention);

/// Titles, axis labels and export names.
void setupSpectrumChart(ChartView& chart);
void setupAttentionChart(ChartView& chart);

/// Draws the spectrum as bars. Drawn as a graph with impulse lines (not QCPBars) so the
/// ChartView CSV export, which writes graphs and colour maps, includes it.
void showSpectrum(ChartView& chart, const std::vector<double>& spectrum);
/// Draws the heatmap with "a", "b", "=" and "L0 H0" tick labels.
void showAttention(ChartView& chart, const AttentionAtEquals& attention);

} // namespace llmlab::views
