#include "QuantJobs.h"

#include "cpu/CpuBackend.h"
#include "TextFile.h"
#include "formats/ModelFile.h"
#include "quant/ModelQuantizer.h"

#include <QFileInfo>

#include <filesystem>

namespace llmlab::gui {

JobFn makeLadderJob(std::shared_ptr<const ModelFile> model, LadderRequest request) {
    return [model, request](JobContext& ctx) -> QVariant {
        std::error_code ec;
        std::filesystem::create_directories(request.outDir, ec);
        if (ec) throw std::runtime_error(request.outDir + ": cannot be created (" + ec.message() + ")");
        const std::size_t n = request.schemes.size();
        const double share = 1.0 / double(n + (request.importanceText.empty() ? 0 : 1));
        double base = 0;
        ImportanceMatrix importance;
        QuantizeOptions o;
        o.pure = request.pure;
        if (!request.importanceText.empty()) {
            CpuBackend cpu;
            importance = computeImportance(
                model, cpu, readTextFile(request.importanceText), 256, request.importanceTokens,
                [&](double f, const std::string& what) { ctx.progress(f * share, what); }, &ctx.cancel);
            o.importance = &importance;
            base = share;
        }
        std::string stem = QFileInfo(QString::fromStdString(model->path())).completeBaseName().toStdString();
        if (stem.empty()) stem = "model";
        LadderSnapshot snap;
        for (std::size_t i = 0; i < n; ++i) {
            ctx.checkCancelled();
            o.scheme = request.schemes[i];
            const std::string out =
                (std::filesystem::path(request.outDir) / (stem + "-" + o.scheme + ".gguf")).string();
            const QuantizeReport r = quantizeModel(
                *model, out, o,
                [&](double f, const std::string& what) {
                    ctx.progress(base + (double(i) + f) * share, o.scheme + ": " + what);
                },
                &ctx.cancel);
            snap.paths << QString::fromStdString(out);
            snap.summary += QStringLiteral("%1: %2 MiB in %3 s\n")
                                .arg(QString::fromStdString(r.scheme.name))
                                .arg(double(r.bytesOut) / 1048576.0, 0, 'f', 2)
                                .arg(r.seconds, 0, 'f', 1);
        }
        return QVariant::fromValue(snap);
    };
}

JobFn makeQuantCompareJob(std::string reference, std::vector<std::string> files, std::string text,
                          QuantCompareOptions options) {
    return [reference, files, text, options](JobContext& ctx) -> QVariant {
        const std::string body = readTextFile(text);
        QuantCompareResult r = compareQuantizations(
            reference, files, body, options,
            [&](double f, const std::string& what) { ctx.progress(f, what); }, &ctx.cancel);
        return QVariant::fromValue(std::move(r));
    };
}

} // namespace llmlab::gui
