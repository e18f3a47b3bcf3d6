#include "CompareViews.h"

#include "prompt/HeatColor.h"

#include <QTextCursor>

#include <qcustomplot.h>

#include <cmath>

namespace llmlab::views {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

// Bars drawn as impulse lines of a graph (CSV export reads graphs), text ticks under them.
void drawBars(ChartView& chart, const QString& name, const std::vector<QString>& labels,
              const std::vector<double>& values, const QColor& color) {
    SeriesData data{name, {}, {}};
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::size_t i = 0; i < values.size(); ++i) {
        data.keys.push_back(double(i));
        data.values.push_back(values[i]);
        ticker->addTick(double(i), labels[i]);
    }
    const int bars = chart.addSeries(data, SeriesStyle::Line, color);
    QCPGraph* g = chart.plot()->graph(bars);
    g->setLineStyle(QCPGraph::lsImpulse);
    const int width = std::clamp(240 / std::max<int>(1, int(values.size())), 8, 36);
    g->setPen(QPen(color, width, Qt::SolidLine, Qt::FlatCap));
    chart.plot()->xAxis->setTicker(ticker);
}

void finishBars(ChartView& chart, std::size_t n, double top) {
    chart.rescale();
    chart.plot()->xAxis->setRange(-0.7, double(n) - 0.3);
    chart.plot()->yAxis->setRange(0, top);
    chart.plot()->replot();
}

} // namespace

CompareGridModel::CompareGridModel(QObject* parent) : QAbstractTableModel(parent) {}

void CompareGridModel::start(const TaskSet& set, const std::vector<Strategy>& strategies,
                             const std::vector<std::size_t>& items) {
    beginResetModel();
    m_set = set;
    m_strategies = strategies;
    m_items = items;
    m_cells.assign(items.size(), std::vector<CompareCell>(strategies.size()));
    m_have.assign(items.size(), std::vector<bool>(strategies.size(), false));
    endResetModel();
}

void CompareGridModel::setCell(const CompareCell& cell) {
    for (std::size_t r = 0; r < m_items.size(); ++r)
        if (m_items[r] == cell.item && cell.strategy < m_strategies.size()) {
            m_cells[r][cell.strategy] = cell;
            m_have[r][cell.strategy] = true;
            const QModelIndex i = index(int(r), int(cell.strategy));
            emit dataChanged(i, i);
            return;
        }
}

const CompareCell* CompareGridModel::cell(int row, int column) const {
    if (row < 0 || column < 0 || row >= int(m_items.size()) || column >= int(m_strategies.size()))
        return nullptr;
    return m_have[std::size_t(row)][std::size_t(column)]
               ? &m_cells[std::size_t(row)][std::size_t(column)]
               : nullptr;
}

CompareResult CompareGridModel::result() const {
    CompareResult r;
    r.taskSet = m_set.name;
    r.strategies = m_strategies;
    r.items = m_items;
    for (std::size_t s = 0; s < m_strategies.size(); ++s)
        for (std::size_t row = 0; row < m_items.size(); ++row)
            if (m_have[row][s]) r.cells.push_back(m_cells[row][s]);
    return r;
}

int CompareGridModel::finishedCells() const {
    int n = 0;
    for (const auto& row : m_have)
        for (bool h : row) n += h ? 1 : 0;
    return n;
}

int CompareGridModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_items.size()) ;
}

int CompareGridModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_strategies.size()) + 1;
}

QVariant CompareGridModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const int row = index.row(), col = index.column();
    const TaskItem& item = m_set.items[m_items[std::size_t(row)]];
    if (col == 0) { // the question and its expected answer
        if (role == Qt::DisplayRole)
            return tr("%1  →  %2").arg(q(item.question).simplified(), q(item.answer));
        if (role == Qt::ToolTipRole) return q(item.question);
        return {};
    }
    const CompareCell* c = cell(row, col - 1);
    if (!c) {
        if (role == Qt::DisplayRole) return QStringLiteral("…");
        if (role == Qt::ForegroundRole) return QColor(150, 150, 150);
        return {};
    }
    const Strategy& s = m_strategies[std::size_t(col - 1)];
    const bool partial = s.kind == StrategyKind::SelfConsistency &&
                         int(c->samples.size()) < s.samples && c->error.empty();
    switch (role) {
    case Qt::DisplayRole: {
        if (!c->error.empty()) return tr("error");
        QString answer = c->answer.empty() ? tr("(no answer)") : q(c->answer);
        QString votes;
        if (s.kind == StrategyKind::SelfConsistency && !c->vote.counts.empty())
            votes = tr(" %1/%2%3")
                        .arg(c->vote.counts.front().second)
                        .arg(c->samples.size())
                        .arg(c->vote.tie ? tr(" tie") : QString());
        const QString time = c->seconds < 1.0
                                 ? QStringLiteral("%1 ms").arg(c->seconds * 1000, 0, 'f', 0)
                                 : QStringLiteral("%1 s").arg(c->seconds, 0, 'f', 1);
        return QStringLiteral("%1 %2%3 · %4 tok · %5")
            .arg(partial ? QStringLiteral("…") : c->correct ? QStringLiteral("✓") : QStringLiteral("✗"),
                 answer, votes)
            .arg(c->generatedTokens)
            .arg(time);
    }
    case Qt::BackgroundRole:
        if (!c->error.empty()) return QColor(230, 230, 230);
        return c->correct ? QColor(210, 240, 210) : QColor(248, 215, 215);
    case Qt::ForegroundRole:
        return QColor(Qt::black);
    case Qt::ToolTipRole: {
        if (!c->error.empty()) return q(c->error);
        QString t;
        for (std::size_t k = 0; k < c->samples.size(); ++k)
            t += tr("sample %1: %2 → %3\n")
                     .arg(k + 1)
                     .arg(q(c->samples[k].text).simplified(), q(c->samples[k].answer.normalized));
        return t.trimmed();
    }
    default:
        return {};
    }
}

QVariant CompareGridModel::headerData(int section, Qt::Orientation o, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (o == Qt::Vertical) return section + 1;
    if (section == 0) return tr("question → expected");
    return q(m_strategies[std::size_t(section - 1)].label());
}

CellDetailView::CellDetailView(QWidget* parent) : QTextEdit(parent) {
    setReadOnly(true);
    setAcceptRichText(false);
    setPlaceholderText(tr("Click a cell to see its prompt as tokens and every reply coloured "
                          "by log-probability."));
}

void CellDetailView::showCell(const CompareCell& cell, const TaskSet& set, const Strategy& s,
                              const Tokenizer& tok) {
    clear();
    QTextCursor c(document());
    QTextCharFormat heading;
    heading.setFontWeight(QFont::Bold);
    const TaskItem& item = set.items[cell.item];
    c.insertText(tr("%1 — question %2, expected \"%3\"\n")
                     .arg(q(s.label()))
                     .arg(cell.item + 1)
                     .arg(q(item.answer)),
                 heading);
    if (!cell.error.empty()) {
        c.insertText(q(cell.error) + "\n", QTextCharFormat());
        return;
    }
    c.insertText(tr("Prompt: %1 tokens, %2 of them from the cache over %3 sample(s)\n")
                     .arg(cell.promptTokens.size())
                     .arg(cell.reusedTokens)
                     .arg(cell.samples.size()),
                 heading);
    for (std::size_t i = 0; i < cell.promptTokens.size(); ++i) {
        const std::int32_t id = cell.promptTokens[i];
        QTextCharFormat f;
        f.setBackground(i % 2 ? QColor(225, 232, 245) : QColor(245, 240, 225));
        f.setForeground(Qt::black);
        f.setToolTip(tr("token %1: id %2").arg(i).arg(id));
        std::string text = tok.tokenBytes(id);
        if (tok.tokenType(id) == TokenType::Control) text = tok.tokenPiece(id);
        c.insertText(QString::fromUtf8(text.data(), int(text.size())), f);
    }
    c.insertText("\n", QTextCharFormat());
    for (std::size_t k = 0; k < cell.samples.size(); ++k) {
        const SampleResult& r = cell.samples[k];
        c.insertText(tr("\nSample %1 (%2 tokens, %3 s): answer \"%4\" %5\n")
                         .arg(k + 1)
                         .arg(r.tokens.size())
                         .arg(r.seconds, 0, 'f', 3)
                         .arg(q(r.answer.normalized), r.correct ? tr("right") : tr("wrong")),
                     heading);
        for (const GeneratedToken& t : r.tokens) {
            QTextCharFormat f;
            f.setBackground(probabilityColor(std::exp(t.logProb)));
            f.setForeground(Qt::black);
            f.setToolTip(tr("id %1\nlog p = %2 (p = %3)")
                             .arg(t.id)
                             .arg(t.logProb, 0, 'f', 3)
                             .arg(std::exp(t.logProb), 0, 'f', 3));
            c.insertText(q(t.text), f);
        }
        c.insertText("\n", QTextCharFormat());
    }
    if (cell.samples.size() > 1) {
        QString votes;
        for (const auto& [a, n] : cell.vote.counts) votes += tr("  %1: %2").arg(q(a)).arg(n);
        c.insertText(tr("\nVotes:%1%2\n").arg(votes, cell.vote.tie ? tr("  (a tie: the answer "
                                                                          "sampled first wins)")
                                                                    : QString()),
                     heading);
    }
    c.insertText(tr("\nColours: each reply token's probability, red unlikely → green likely."),
                 QTextCharFormat());
    moveCursor(QTextCursor::Start);
}

AccuracyChart::AccuracyChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Accuracy per strategy (Wilson 95% interval)"));
    setAxisLabels(tr("strategy"), tr("accuracy"));
    setExportBaseName(QStringLiteral("prompting-accuracy"));
    setEmptyText(tr("Run a comparison to see each strategy's accuracy"));
}

void AccuracyChart::setSummary(const std::vector<StrategySummary>& summary) {
    clear();
    if (summary.empty()) return;
    std::vector<QString> labels;
    std::vector<double> acc;
    SeriesData lo{tr("95% low"), {}, {}}, hi{tr("95% high"), {}, {}};
    for (std::size_t i = 0; i < summary.size(); ++i) {
        const StrategySummary& s = summary[i];
        labels.push_back(QStringLiteral("%1 (%2/%3)").arg(q(s.label)).arg(s.correct).arg(s.total));
        acc.push_back(s.accuracy());
        lo.keys.push_back(double(i));
        lo.values.push_back(s.low);
        hi.keys.push_back(double(i));
        hi.values.push_back(s.high);
    }
    drawBars(*this, tr("accuracy"), labels, acc, QColor(60, 110, 200));
    // The interval: a whisker from low to high, its ends as markers (those go to the CSV).
    for (std::size_t i = 0; i < summary.size(); ++i)
        addCurve(SeriesData{QString(), {double(i), double(i)}, {summary[i].low, summary[i].high}},
                 QColor(20, 20, 20), 1.5, false, false, false);
    for (SeriesData* d : {&lo, &hi}) {
        const int k = addSeries(*d, SeriesStyle::Scatter, QColor(20, 20, 20));
        plot()->graph(k)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssPlus, 9));
    }
    finishBars(*this, summary.size(), 1.05);
}

TokensPerCorrectChart::TokensPerCorrectChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Generated tokens per right answer"));
    setAxisLabels(tr("strategy"), tr("tokens"));
    setExportBaseName(QStringLiteral("prompting-tokens"));
    setEmptyText(tr("Run a comparison to see what each right answer costs"));
}

void TokensPerCorrectChart::setSummary(const std::vector<StrategySummary>& summary) {
    clear();
    if (summary.empty()) return;
    std::vector<QString> labels;
    std::vector<double> v;
    double top = 1;
    for (const StrategySummary& s : summary) {
        labels.push_back(q(s.label));
        v.push_back(s.tokensPerCorrect());
        top = std::max(top, s.tokensPerCorrect());
    }
    drawBars(*this, tr("tokens per right answer"), labels, v, QColor(200, 120, 40));
    finishBars(*this, summary.size(), top * 1.1);
}

VoteHistogramChart::VoteHistogramChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Votes of the selected question"));
    setAxisLabels(tr("answer"), tr("samples"));
    setExportBaseName(QStringLiteral("prompting-votes"));
    setEmptyText(tr("Click a self-consistency cell to see how its samples voted"));
}

void VoteHistogramChart::setCell(const CompareCell* cell, const TaskSet& set,
                                 const QString& strategy) {
    clear();
    if (!cell || cell->vote.counts.empty()) return;
    setTitle(tr("Votes: %1, question %2").arg(strategy).arg(cell->item + 1));
    const std::string expected = normalizeAnswer(set.items[cell->item].answer, set.normalize);
    std::vector<QString> labels;
    std::vector<double> right, wrong;
    int top = 1;
    for (const auto& [a, n] : cell->vote.counts) {
        labels.push_back(q(a));
        right.push_back(a == expected ? n : 0);
        wrong.push_back(a == expected ? 0 : n);
        top = std::max(top, n);
    }
    drawBars(*this, tr("votes for the right answer"), labels, right, QColor(60, 160, 80));
    drawBars(*this, tr("votes for a wrong answer"), labels, wrong, QColor(200, 70, 60));
    finishBars(*this, labels.size(), top + 0.5);
}

AccuracyByNChart::AccuracyByNChart(QWidget* parent) : ChartView(parent) {
    setTitle(tr("Self-consistency: accuracy against samples voted"));
    setAxisLabels(tr("samples n"), tr("accuracy"));
    setExportBaseName(QStringLiteral("prompting-accuracy-by-n"));
    setEmptyText(tr("Add an sc:N strategy to see accuracy grow with the samples"));
}

void AccuracyByNChart::setSummary(const std::vector<StrategySummary>& summary) {
    clear();
    for (const StrategySummary& s : summary) {
        if (s.accuracyByN.empty()) continue;
        SeriesData d{q(s.label), {}, {}};
        for (std::size_t n = 0; n < s.accuracyByN.size(); ++n) {
            d.keys.push_back(double(n + 1));
            d.values.push_back(s.accuracyByN[n]);
        }
        addSeries(d, SeriesStyle::LineAndScatter);
    }
    if (isEmpty()) return;
    rescale();
    plot()->yAxis->setRange(0, 1.05);
    plot()->replot();
}

} // namespace llmlab::views
