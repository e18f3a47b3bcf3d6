// The quantization lab's views: the ladder as a table (size, bits a weight, error, KL, top-1,
// perplexity, speed), the KL to the reference along the text, the logit lens's drift by layer,
// each tensor's signal-to-noise as a layer x matrix heatmap, and the next-token distributions
// of every file overlaid on the reference's top tokens.
#pragma once

#include "ChartView.h"
#include "quant/QuantCompare.h"

#include <QAbstractTableModel>

namespace llmlab::views {

/// One row a file of the ladder (the reference first).
class QuantLadderModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit QuantLadderModel(QObject* parent = nullptr);
    void setResult(const QuantCompareResult& r);
    const QuantCompareResult& result() const { return m_result; }
    /// The table as CSV (a header row, then one row a file).
    QString toCsv() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

private:
    QuantCompareResult m_result;
};

/// Every tensor of one file against the reference: name, type, RMSE, max error, SNR (dB).
class TensorErrorModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit TensorErrorModel(QObject* parent = nullptr);
    void setTensors(const std::vector<TensorError>& tensors);
    QString toCsv() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

private:
    std::vector<TensorError> m_tensors;
};

/// KL(reference || file) at each position of the text, a line a file.
class KlPositionChart : public ChartView {
    Q_OBJECT
public:
    explicit KlPositionChart(QWidget* parent = nullptr);
    void setResult(const QuantCompareResult& r);
};

/// Mean KL of each layer's logit lens to the reference's lens at that layer: where in depth a
/// quantized model's prediction departs.
class LensDriftChart : public ChartView {
    Q_OBJECT
public:
    explicit LensDriftChart(QWidget* parent = nullptr);
    void setResult(const QuantCompareResult& r);
};

/// A file's per-tensor signal-to-noise (dB) as a heatmap: layers up, matrices across.
class TensorErrorMap : public ChartView {
    Q_OBJECT
public:
    explicit TensorErrorMap(QWidget* parent = nullptr);
    void setModel(const QuantModelResult* m, int layers);
    /// The matrix kinds across, in order ("attn_q", "attn_k", ...).
    const std::vector<QString>& kinds() const { return m_kinds; }

private:
    std::vector<QString> m_kinds;
};

/// The reference's most likely next tokens after the text, with every file's probability of
/// each: bars side by side, a colour a file.
class QuantNextTokenChart : public ChartView {
    Q_OBJECT
public:
    explicit QuantNextTokenChart(QWidget* parent = nullptr);
    /// `labels[id]` names a token; `top` tokens shown.
    void setResult(const QuantCompareResult& r, const std::vector<QString>& labels, int top = 8);
};

} // namespace llmlab::views
