// llmlab: the desktop lab. Opens the main window; `--help` lists the options.
#include "MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("llmlab"));
    QApplication::setApplicationVersion(QStringLiteral(LLMLAB_VERSION));
    QApplication::setOrganizationName(QStringLiteral("llmlab"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/llmlab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("A desktop lab for looking inside language models."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption backend(QStringList{QStringLiteral("b"), QStringLiteral("backend")},
                               QStringLiteral("Compute backend: auto, cpu or vulkan."),
                               QStringLiteral("name"), QStringLiteral("auto"));
    QCommandLineOption device(QStringLiteral("device"),
                              QStringLiteral("Vulkan device index (see Tools > Devices)."),
                              QStringLiteral("index"), QStringLiteral("-1"));
    QCommandLineOption landscape(
        QStringLiteral("landscape"),
        QStringLiteral("Open the landscape lab on a run folder, or on a landscape CSV written by "
                       "llmlab-cli landscape (or landscape-merge)."),
        QStringLiteral("run|csv"));
    QCommandLineOption compare(QStringLiteral("compare"),
                               QStringLiteral("With --landscape RUN: show its memorised and "
                                              "grokked landscapes side by side."));
    parser.addOption(backend);
    parser.addOption(device);
    parser.addOption(landscape);
    parser.addOption(compare);
    parser.addPositionalArgument(
        QStringLiteral("model"),
        QStringLiteral("A model to open: GGUF, .safetensors, llama2.c .bin "
                       "or a Hugging Face folder."),
        QStringLiteral("[model]"));
    parser.process(app);

    const QString backendName = parser.value(backend);
    if (backendName != QLatin1String("auto") && backendName != QLatin1String("cpu") &&
        backendName != QLatin1String("vulkan")) {
        qCritical("llmlab: unknown backend '%s' (use auto, cpu or vulkan)",
                  qPrintable(backendName));
        return 2;
    }

    llmlab::gui::MainWindow window;
    if (backendName != QLatin1String("auto") || parser.value(device).toInt() >= 0)
        window.chooseBackend(backendName, parser.value(device).toInt());
    window.showMaximized(); // the labs and the browser want the whole screen
    if (!parser.positionalArguments().isEmpty())
        window.openModel(parser.positionalArguments().constFirst());
    if (parser.isSet(landscape))
        window.openLandscape(parser.value(landscape), parser.isSet(compare));
    return app.exec();
}
