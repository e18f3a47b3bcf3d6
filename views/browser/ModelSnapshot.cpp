#include "ModelSnapshot.h"

#include <QStringList>

#include <cmath>

namespace llmlab::views {

QString humanCount(std::int64_t n) {
    // Three significant digits, like model cards ("494M", "1.54B", "292.8K" keeps one decimal
    // so toy models stay distinguishable).
    const double v = double(n);
    auto fmt = [](double x, const char* unit) {
        const int decimals = x >= 100 ? 0 : (x >= 10 ? 1 : 2);
        QString s = QString::number(x, 'f', decimals);
        if (s.contains(QLatin1Char('.'))) {
            while (s.endsWith(QLatin1Char('0'))) s.chop(1);
            if (s.endsWith(QLatin1Char('.'))) s.chop(1);
        }
        return s + QLatin1String(unit);
    };
    if (v >= 1e9) return fmt(v / 1e9, "B");
    if (v >= 1e6) return fmt(v / 1e6, "M");
    if (v >= 1e3) return fmt(v / 1e3, "K");
    return QString::number(n);
}

QString humanBytes(std::uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    if (u == 0) return QStringLiteral("%1 bytes").arg(bytes);
    return QStringLiteral("%1 %2").arg(v, 0, 'f', 1).arg(QLatin1String(units[u]));
}

QString groupedCount(std::int64_t n) {
    QString digits = QString::number(n < 0 ? -n : n);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, QLatin1Char(','));
    return n < 0 ? QLatin1Char('-') + digits : digits;
}

QString shapeText(const Shape& shape) {
    QStringList dims;
    for (int i = 0; i < shape.rank(); ++i) dims << QString::number(shape.dim(i));
    return QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']');
}

} // namespace llmlab::views
