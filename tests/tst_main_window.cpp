// The main window offscreen: status bar, docks, Devices dialog, the worker (run, cancel,
// replace) and exporting the benchmark chart in every format.
#include "BackendCheckPane.h"
#include "ChartView.h"
#include "DevicesDialog.h"
#include "LayoutChecks.h"
#include "MainWindow.h"
#include "ModelBrowser.h"
#include "OpCheckModel.h"
#include "OpenModelDialog.h"
#include "RecentModels.h"

#include "TestSupport.h"
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QSvgRenderer>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTreeWidget>

#include <QAction>
#include <QFileInfo>
#include <QMenu>
#include <QtTest>

#include <qcustomplot.h>

#include <chrono>
#include <thread>

using namespace llmlab;
using namespace llmlab::gui;

namespace {

// A job that runs until cancelled: makes cancelling deterministic (no timing races).
JobFn waitForCancel(std::atomic<bool>* started = nullptr) {
    return [started](JobContext& ctx) -> QVariant {
        if (started) started->store(true);
        ctx.progress(0.5, "waiting to be cancelled");
        while (!ctx.cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        throw Cancelled();
    };
}

JobFn returnValue(int value) {
    return [value](JobContext&) -> QVariant { return value; };
}

constexpr int kTimeout = 60000; // ms; lavapipe under validation layers is slow

} // namespace

class TstMainWindow : public QObject {
    Q_OBJECT
private slots:
    // An opened model joins File → Open recent (kept in the settings), the file dialogs start
    // in its folder, and the Open dialog is modal.
    void recentModelsAndTheOpenDialog() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        const QString file = QFileInfo(QString::fromStdString(path)).absoluteFilePath();
        m_window->openModel(file);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->modelBrowser()->snapshot().path == file, kTimeout);
        QCOMPARE(llmlab::gui::recentModels().value(0), file);
        QCOMPARE(llmlab::gui::lastModelFolder(), QFileInfo(file).absolutePath());
        auto* menu = m_window->findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(menu);
        emit menu->aboutToShow();
        QVERIFY(!menu->actions().isEmpty());
        QCOMPARE(menu->actions().first()->text(), QStringLiteral("stories260K.gguf"));
        QCOMPARE(menu->actions().first()->toolTip(), file);
        OpenModelDialog* dialog = m_window->showOpenModelDialog();
        QCOMPARE(dialog->windowModality(), Qt::WindowModal);
        dialog->close();
    }
    // With a model open, every pane in place, the window still fits a 1366x768 laptop screen
    // (less the panel): minimum sizes add up across docks, so this is easy to break.
    void fitsALaptopScreen() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        m_window->openModel(QString::fromStdString(path));
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->modelBrowser()->snapshot().path.isEmpty(), kTimeout);
        QCoreApplication::processEvents();
        const QSize min = m_window->minimumSizeHint().expandedTo(m_window->minimumSize());
        QString detail;
        for (QDockWidget* d : m_window->findChildren<QDockWidget*>())
            if (!d->isHidden())
                detail += QString(" %1=%2x%3")
                              .arg(d->windowTitle())
                              .arg(d->minimumSizeHint().width())
                              .arg(d->minimumSizeHint().height());
        auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("centreTabs"));
        for (int i = 0; tabs && i < tabs->count(); ++i)
            detail += QString(" %1=%2x%3")
                          .arg(tabs->tabText(i))
                          .arg(tabs->widget(i)->minimumSizeHint().width())
                          .arg(tabs->widget(i)->minimumSizeHint().height());
        QVERIFY2(
            min.width() <= 1366 && min.height() <= 720,
            qPrintable(QString("minimum %1x%2:%3").arg(min.width()).arg(min.height()).arg(detail)));
    }

    // Every lab at 1280x720 (a laptop), with a model open: no chart is squeezed below a useful
    // height (panes scroll instead) and no button or check box shows a cut label ("Cance").
    void everyLabAtLaptopSize() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        m_window->openModel(QString::fromStdString(path));
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->modelBrowser()->snapshot().path.isEmpty(), kTimeout);
        m_window->resize(1600, 1000);
        QCoreApplication::processEvents();
        auto dockSizes = [&] {
            QMap<QString, QSize> sizes;
            for (QDockWidget* d : m_window->findChildren<QDockWidget*>())
                if (d->isVisible()) sizes.insert(d->objectName(), d->size());
            return sizes;
        };
        auto describe = [](const QMap<QString, QSize>& sizes) {
            QStringList s;
            for (auto it = sizes.cbegin(); it != sizes.cend(); ++it)
                s << QString("%1 %2x%3").arg(it.key()).arg(it.value().width()).arg(it.value().height());
            return s.join(", ");
        };
        const QMap<QString, QSize> large = dockSizes();
        m_window->resize(1280, 720);
        QCoreApplication::processEvents();
        auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("centreTabs"));
        QVERIFY(tabs);
        QStringList problems;
        auto check = [&](const QString& where) { problems << test::squeezedWidgets(m_window.get(), where); };
        for (int i = 0; i < tabs->count(); ++i) {
            tabs->setCurrentIndex(i);
            QCoreApplication::processEvents();
            check(tabs->tabText(i));
        }
        // Back to the large window: the docks come back to the sizes they had.
        m_window->resize(1600, 1000);
        // (Within a few pixels: the splitter between stacked docks rounds its share.)
        QMap<QString, QSize> back;
        auto cameBack = [&] {
            QCoreApplication::processEvents();
            back = dockSizes();
            bool same = back.keys() == large.keys();
            for (auto it = large.cbegin(); same && it != large.cend(); ++it)
                same = std::abs(back[it.key()].width() - it.value().width()) <= 16 &&
                       std::abs(back[it.key()].height() - it.value().height()) <= 16;
            return same;
        };
        bool same = false;
        for (int i = 0; i < 20 && !(same = cameBack()); ++i) QTest::qWait(50);
        if (!same) problems << "docks " + describe(large) + " came back as " + describe(back);
        // A dock closed while the window was small stays closed when the sizes come back.
        m_window->resize(1280, 720);
        QCoreApplication::processEvents();
        auto* log = m_window->findChild<QDockWidget*>(QStringLiteral("jobLogDock"));
        QVERIFY(log);
        log->close();
        m_window->resize(1600, 1000);
        QTest::qWait(100);
        if (log->toggleViewAction()->isChecked()) problems << "the closed job log came back";
        for (const QString& p : problems) qWarning("%s", qPrintable(p));
        QVERIFY2(problems.isEmpty(), qPrintable(QString::number(problems.size()) + " problems"));
    }

    void init() {
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // The start-up jobs (devices, backend) must finish first; the tests then own the worker.
        // busy() turns false before the queued results arrive, so wait for what they show.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->devicesKnown() && !backendStarting(), kTimeout);
        QTRY_VERIFY(!m_window->runner()->busy());
    }
    void cleanup() { m_window.reset(); }

    void statusBarNamesTheBackend() {
        auto* label = m_window->statusBar()->findChild<QLabel*>(QStringLiteral("backendStatus"));
        QVERIFY(label);
        QVERIFY(label->isVisible());
        const QRegularExpression named(QStringLiteral("^Backend: (cpu|vulkan) \u2014 .+"));
        QVERIFY2(named.match(label->text()).hasMatch(), qPrintable(label->text()));

        m_window->chooseBackend(QStringLiteral("cpu"));
        QVERIFY(backendStarting());
        QTRY_VERIFY_WITH_TIMEOUT(!backendStarting(), kTimeout);
        QVERIFY2(m_window->backendStatusText().startsWith(QStringLiteral("Backend: cpu \u2014 ")),
                 qPrintable(m_window->backendStatusText()));

        m_window->chooseBackend(QStringLiteral("vulkan"));
        QTRY_VERIFY_WITH_TIMEOUT(!backendStarting(), kTimeout);
        const QString text = m_window->backendStatusText();
        if (m_window->devices().hasVulkan()) {
            QVERIFY2(text.startsWith(QStringLiteral("Backend: vulkan \u2014 ")), qPrintable(text));
            bool named = false;
            for (const DeviceInfo& d : m_window->devices().devices)
                named |= d.backend == "vulkan" && text.endsWith(QString::fromStdString(d.name));
            QVERIFY2(named, qPrintable(text));
        } else {
            QVERIFY2(text.startsWith(QStringLiteral("Backend: cpu \u2014 no Vulkan device (")),
                     qPrintable(text));
        }
    }

    void docksExist() {
        for (const char* name : {"backendCheckDock", "jobLogDock"}) {
            auto* dock = m_window->findChild<QDockWidget*>(QString::fromLatin1(name));
            QVERIFY2(dock, name);
            QVERIFY(dock->widget());
            QVERIFY(dock->isVisible());
            QVERIFY(m_window->dockWidgetArea(dock) != Qt::NoDockWidgetArea);
        }
        QVERIFY(m_window->findChild<ChartViewPtr>(QStringLiteral("benchChart")));
    }

    void devicesDialogListsTheCpu() {
        DevicesDialog* dialog = m_window->showDevicesDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QTreeWidget* tree = dialog->tree();
        const std::vector<DeviceInfo> expected = listDevices();
        QCOMPARE(tree->topLevelItemCount(), int(expected.size()));
        QVERIFY(tree->topLevelItemCount() >= 1);
        QCOMPARE(tree->topLevelItem(0)->text(1), QStringLiteral("cpu"));
        QCOMPARE(tree->topLevelItem(0)->text(2), QStringLiteral("CPU"));
        QCOMPARE(tree->topLevelItem(0)->text(0), QString::fromStdString(expected[0].name));
        QVERIFY(tree->topLevelItem(0)->childCount() >= 1); // its limits (threads)
    }

    void workerRunsAJobOffTheGuiThread() {
        QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
        QThread* jobThread = nullptr;
        const quint64 id = m_window->runner()->submit(
            QStringLiteral("test"), QStringLiteral("Test job"), [&jobThread](JobContext& ctx) {
                jobThread = QThread::currentThread();
                ctx.progress(1.0, "done");
                return QVariant(42);
            });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QCOMPARE(finished.at(0).at(0).toULongLong(), id);
        QCOMPARE(finished.at(0).at(2).toInt(), 42);
        QVERIFY(jobThread && jobThread != QThread::currentThread());
    }

    void escCancelsTheRunningJob() {
        QSignalSpy started(m_window->runner(), &JobRunner::jobStarted);
        QSignalSpy cancelled(m_window->runner(), &JobRunner::jobCancelled);
        QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
        QSignalSpy idle(m_window->runner(), &JobRunner::idle);
        const quint64 id = m_window->runner()->submit(QStringLiteral("wait"),
                                                      QStringLiteral("Waiting"), waitForCancel());
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kTimeout);
        auto* progress = m_window->statusBar()->findChild<QProgressBar*>();
        auto* cancelButton = m_window->findChild<QPushButton*>(QStringLiteral("cancelButton"));
        QVERIFY(progress && cancelButton);
        QTRY_VERIFY(progress->isVisible() && cancelButton->isVisible());
        // The GUI thread is free while the job runs: the progress value arrived by signal.
        QTRY_COMPARE(progress->value(), 500);

        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_Escape);
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeout);
        QCOMPARE(cancelled.at(0).at(0).toULongLong(), id);
        QCOMPARE(finished.count(), 0);
        QTRY_VERIFY(idle.count() >= 1);
        QTRY_VERIFY(!progress->isVisible() && !cancelButton->isVisible());
    }

    void cancelButtonCancels() {
        QSignalSpy started(m_window->runner(), &JobRunner::jobStarted);
        QSignalSpy cancelled(m_window->runner(), &JobRunner::jobCancelled);
        m_window->runner()->submit(QStringLiteral("wait"), QStringLiteral("Waiting"),
                                   waitForCancel());
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kTimeout);
        auto* cancelButton = m_window->findChild<QPushButton*>(QStringLiteral("cancelButton"));
        QTRY_VERIFY(cancelButton->isVisible());
        QTest::mouseClick(cancelButton, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeout);
    }

    void newerJobReplacesTheRunningOne() {
        QSignalSpy started(m_window->runner(), &JobRunner::jobStarted);
        QSignalSpy cancelled(m_window->runner(), &JobRunner::jobCancelled);
        QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
        const QString kind = QStringLiteral("same");
        const quint64 stale =
            m_window->runner()->submit(kind, QStringLiteral("old"), waitForCancel());
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kTimeout);
        const quint64 fresh =
            m_window->runner()->submit(kind, QStringLiteral("new"), returnValue(7));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QCOMPARE(finished.at(0).at(0).toULongLong(), fresh);
        QCOMPARE(finished.at(0).at(2).toInt(), 7);
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.at(0).at(0).toULongLong(), stale);
    }

    void newerJobReplacesAQueuedOne() {
        QSignalSpy started(m_window->runner(), &JobRunner::jobStarted);
        QSignalSpy cancelled(m_window->runner(), &JobRunner::jobCancelled);
        QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
        // A blocker holds the worker so both "x" jobs are still queued when the second arrives.
        m_window->runner()->submit(QStringLiteral("block"), QStringLiteral("blocker"),
                                   waitForCancel());
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kTimeout);
        const quint64 first =
            m_window->runner()->submit(QStringLiteral("x"), QStringLiteral("1"), returnValue(1));
        const quint64 second =
            m_window->runner()->submit(QStringLiteral("x"), QStringLiteral("2"), returnValue(2));
        QTRY_COMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.at(0).at(0).toULongLong(), first);
        m_window->runner()->cancelKind(QStringLiteral("block"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
        QCOMPARE(finished.at(0).at(0).toULongLong(), second);
        QCOMPARE(finished.at(0).at(2).toInt(), 2);
        QTRY_COMPARE(cancelled.count(), 2); // the blocker
        QVERIFY(!m_window->runner()->busy());
    }

    void backendCheckRunsAndItsChartExports() {
        BackendCheckPane* pane = m_window->backendCheckPane();
        QSignalSpy benchShown(pane, &BackendCheckPane::benchShown);
        QSignalSpy opShown(pane, &BackendCheckPane::opCheckShown);
        pane->setBenchSizes({32, 48}); // small: this checks the wiring, not the speed
        pane->runAll();
        QTRY_COMPARE_WITH_TIMEOUT(benchShown.count(), 1, 3 * kTimeout);

        const bool vulkan = m_window->devices().hasVulkan();
        if (vulkan) {
            QCOMPARE(opShown.count(), 1); // it was queued first
            QCOMPARE(pane->opModel()->rowCount(), int(standardOpCases().size()));
            QCOMPARE(pane->opModel()->passedCount(), pane->opModel()->rowCount());
        }
        views::ChartView* chart = pane->benchChart();
        QCOMPARE(chart->seriesCount(), vulkan ? 3 : 2); // cpu, [vulkan,] eigen

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString error;
        const QString png = dir.filePath(QStringLiteral("bench.png"));
        QVERIFY2(chart->exportTo(png, 144, &error), qPrintable(error));
        QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.width(), qRound(chart->plot()->width() * 1.5));

        const QString svg = dir.filePath(QStringLiteral("bench.svg"));
        QVERIFY2(chart->exportTo(svg, 96, &error), qPrintable(error));
        QVERIFY(QSvgRenderer(svg).isValid());
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        QVERIFY(svgFile.readAll().contains("<text"));

        const QString pdf = dir.filePath(QStringLiteral("bench.pdf"));
        QVERIFY2(chart->exportTo(pdf, 96, &error), qPrintable(error));
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(4) == "%PDF");

        const QString csv = dir.filePath(QStringLiteral("bench.csv"));
        QVERIFY2(chart->exportTo(csv, 96, &error), qPrintable(error));
        QFile csvFile(csv);
        QVERIFY(csvFile.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(csvFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3); // header + n = 32, 48
        QVERIFY(lines.at(0).startsWith(QStringLiteral("cpu: ")));
        QVERIFY(lines.at(0).contains(QStringLiteral("eigen: ")));
        const QStringList row = lines.at(1).split(QLatin1Char(','));
        QCOMPARE(row.at(0), QStringLiteral("32"));
        QVERIFY(row.at(1).toDouble() > 0.0); // GFLOP/s measured, not a placeholder
    }

private:
    bool backendStarting() const {
        return m_window->backendStatusText().startsWith(QStringLiteral("Backend: starting"));
    }
    using ChartViewPtr = views::ChartView*;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TstMainWindow)
#include "tst_main_window.moc"
