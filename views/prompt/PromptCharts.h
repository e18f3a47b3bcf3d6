// The smaller prompt views: the next-token distribution as bars, and the generated text
// coloured by each token's log-probability.
#pragma once

#include "ChartView.h"

#include <QTextEdit>

#include <vector>

namespace llmlab::views {

/// One bar: a candidate next token.
struct NextTokenEntry {
    int id = 0;
    QString label; ///< visible piece
    double probability = 0;
};

/// Bars of the most likely next tokens, token labels under them. Drawn as a QCPGraph with
/// impulse lines (not QCPBars) so CSV export, which reads graphs, carries the numbers.
class NextTokenChart : public ChartView {
    Q_OBJECT
public:
    explicit NextTokenChart(QWidget* parent = nullptr);
    /// `model`: softmax of the raw logits; `sampled` (may be empty): what the sampler draws
    /// from with the current settings, same order of tokens.
    void setEntries(const std::vector<NextTokenEntry>& model,
                    const std::vector<double>& sampled = {});
    const std::vector<NextTokenEntry>& entries() const { return m_entries; }

private:
    std::vector<NextTokenEntry> m_entries;
};

/// Streamed generated text: each token's background by its probability (green likely, red
/// unlikely), tooltip with the token's text, position, id and log-probability.
class GenerationView : public QTextEdit {
    Q_OBJECT
public:
    explicit GenerationView(QWidget* parent = nullptr);
    /// Starts a new generation after `promptText` (shown plain).
    void start(const QString& promptText);
    void appendToken(int id, const QString& text, double logProb);
    /// The generated part only, as streamed.
    QString generatedText() const { return m_generated; }
    int tokenCount() const { return m_count; }
    /// The tooltip of generated token `i` (0-based), as shown on hover.
    QString tokenToolTip(int i) const;

private:
    QString m_generated;
    int m_count = 0;
    std::vector<QString> m_tips;
};

/// The key to GenerationView's colours: a bar from p = 0 (red) to p = 1 (green) with ticks
/// in p and log p.
class ProbabilityLegend : public QWidget {
    Q_OBJECT
public:
    explicit ProbabilityLegend(QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    /// The colour drawn for probability p (that of a token generated with p).
    static QColor colorAt(double p);
    /// Where the colour bar is drawn: p = 0 at its left edge, p = 1 at its right.
    QRect barRect() const;

protected:
    void paintEvent(QPaintEvent* event) override;
};

} // namespace llmlab::views
