#include "ModelSummary.h"

#include "analysis/ParamShare.h"

#include <QLabel>
#include <QVBoxLayout>

namespace llmlab::views {

namespace {

QString str(std::string_view s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString numberOrUnknown(int n) {
    return n > 0 ? QString::number(n) : QObject::tr("not stated in the file");
}

QString headsAnswer(const ModelSpec& s) {
    QString a = QObject::tr("%1 query heads, %2 key/value heads").arg(s.heads).arg(s.kvHeads);
    if (s.kvHeads > 0 && s.heads != s.kvHeads && s.heads % s.kvHeads == 0) {
        a += QObject::tr(" — grouped-query attention, %1 query heads per KV head")
                 .arg(s.heads / s.kvHeads);
    } else if (s.kvHeads > 0 && s.heads == s.kvHeads) {
        a += QObject::tr(" — multi-head attention (one KV head per query head)");
    }
    return a;
}

QString positionsAnswer(const ModelSpec& s) {
    switch (s.positions) {
    case PositionKind::Rope: {
        QString a = QObject::tr("RoPE, θ = %1, %2")
                        .arg(QString::number(double(s.ropeTheta), 'g', 10),
                             s.ropeLayout == RopeLayout::Interleaved
                                 ? QObject::tr("interleaved pairs")
                                 : QObject::tr("rotate-half (NeoX) layout"));
        if (s.ropeDims > 0 && s.ropeDims != s.headDim)
            a += QObject::tr(", first %1 dims of each head").arg(s.ropeDims);
        return a;
    }
    case PositionKind::Learned:
        return QObject::tr("learned position embeddings");
    case PositionKind::Sinusoidal:
        return QObject::tr("sinusoidal encodings");
    case PositionKind::None:
        break;
    }
    return QObject::tr("none");
}

QString dtypeAnswer(const ModelSpec& s) {
    QStringList parts;
    for (const auto& [dtype, bytes] : s.bytesPerDType) {
        const auto it = s.paramsPerDType.find(dtype);
        const std::int64_t params = it == s.paramsPerDType.end() ? 0 : it->second;
        parts << QObject::tr("%1: %2 (%3 params)")
                     .arg(str(dtypeName(dtype)), humanBytes(std::uint64_t(bytes)),
                          humanCount(params));
    }
    return parts.join(QStringLiteral("; "));
}

} // namespace

std::vector<SummaryRow> summaryRows(const ModelSnapshot& m) {
    const ModelSpec& s = m.spec;
    std::vector<SummaryRow> rows;
    auto add = [&](const QString& q, const QString& a) { rows.push_back({q, a}); };
    add(QObject::tr("Family"),
        QObject::tr("%1 (architecture \"%2\", %3 file)")
            .arg(str(familyName(s.family)), QString::fromStdString(s.architecture), m.format));
    add(QObject::tr("Layers"), QObject::tr("%1 transformer blocks").arg(s.layers));
    add(QObject::tr("Hidden size"), numberOrUnknown(s.width));
    add(QObject::tr("Heads"), headsAnswer(s));
    add(QObject::tr("Head dim"), numberOrUnknown(s.headDim));
    add(QObject::tr("FFN width"), numberOrUnknown(s.ffnWidth));
    add(QObject::tr("Vocabulary"), QObject::tr("%1 tokens").arg(groupedCount(s.vocab)));
    add(QObject::tr("Context"), s.context > 0
                                    ? QObject::tr("%1 tokens").arg(groupedCount(s.context))
                                    : QObject::tr("not stated in the file"));
    add(QObject::tr("Normalization"), s.norm == NormKind::None
                                          ? QObject::tr("none")
                                          : QObject::tr("%1, ε = %2")
                                                .arg(str(normKindName(s.norm)))
                                                .arg(QString::number(double(s.normEps), 'g', 3)));
    add(QObject::tr("Activation"), str(activationName(s.activation)));
    add(QObject::tr("Positions"), positionsAnswer(s));
    add(QObject::tr("QKV bias"), s.qkvBias ? QObject::tr("yes") : QObject::tr("no"));
    add(QObject::tr("Tied embeddings"),
        s.tiedEmbeddings ? QObject::tr("yes — the output head reuses the token embeddings")
                         : QObject::tr("no — separate output matrix"));
    add(QObject::tr("Parameters"),
        QObject::tr("%1 (%2 parameters)")
            .arg(humanCount(s.totalParams), groupedCount(s.totalParams)));
    const ParamShare share = computeParamShare(m.tensors, s);
    if (!share.layers.empty()) {
        add(QObject::tr("Per block"),
            QObject::tr("%1 parameters (attention %2, MLP %3, norms %4)")
                .arg(humanCount(share.layers[0].total().params),
                     humanCount(share.layers[0][Component::Attention].params),
                     humanCount(share.layers[0][Component::Mlp].params),
                     humanCount(share.layers[0][Component::Norms].params)));
    }
    add(QObject::tr("Bytes per dtype"), dtypeAnswer(s));
    add(QObject::tr("File size"),
        QObject::tr("%1 (%2 bytes)")
            .arg(humanBytes(m.fileBytes), groupedCount(std::int64_t(m.fileBytes))));
    add(QObject::tr("Tensors"), QString::number(m.tensors.size()));
    return rows;
}

QString summaryHeadline(const ModelSnapshot& m) {
    return QObject::tr("%1: %2, %3 layers, hidden size %4, %5 parameters")
        .arg(m.displayName, str(familyName(m.spec.family)))
        .arg(m.spec.layers)
        .arg(m.spec.width)
        .arg(humanCount(m.spec.totalParams));
}

SummaryCard::SummaryCard(QWidget* parent) : QWidget(parent), m_label(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    m_label->setObjectName(QStringLiteral("summaryText"));
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_label->setWordWrap(true);
    layout->addWidget(m_label);
    layout->addStretch(1);
    clear();
}

void SummaryCard::clear() {
    m_plain.clear();
    m_label->setText(tr("<i>No model open. File → Open model… (Ctrl+O)</i>"));
}

void SummaryCard::setModel(const ModelSnapshot& model) {
    QString html = QStringLiteral("<p><b>%1</b></p><table cellspacing='2' cellpadding='1'>")
                       .arg(summaryHeadline(model).toHtmlEscaped());
    m_plain = summaryHeadline(model) + QLatin1Char('\n');
    for (const SummaryRow& r : summaryRows(model)) {
        html += QStringLiteral("<tr><td style='color:#555'>%1</td><td>%2</td></tr>")
                    .arg(r.question.toHtmlEscaped(), r.answer.toHtmlEscaped());
        m_plain += r.question + QStringLiteral(": ") + r.answer + QLatin1Char('\n');
    }
    m_label->setText(html + QStringLiteral("</table>"));
}

} // namespace llmlab::views
