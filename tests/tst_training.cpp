// Training end to end: the quick preset groks (memorises first, generalises much later), a run
// killed with SIGKILL resumes from its checkpoint with its metrics intact, and the CPU and
// Vulkan backends agree over the first steps of a fixed-seed run.
#include "TestSupport.h"
#include "TestTraining.h"
#include "cpu/CpuBackend.h"
#include "formats/ModelFile.h"
#include "train/RunStore.h"
#include "train/ToyExport.h"
#include "train/TrainingRun.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <csignal>
#include <thread>

using namespace llmlab;

namespace {
TrainConfig smallConfig() {
    TrainConfig quick;
    presetConfig("quick", &quick);
    // The tiny model on the quick preset's own schedule.
    return test::tinyTrainConfig(quick.maxSteps, quick.checkpointEvery);
}

QString cliPath() {
    return qEnvironmentVariable("LLMLAB_CLI");
}
} // namespace

class TestTraining : public QObject {
    Q_OBJECT

private slots:
    // A resumed run keeps one metrics row per step (stopped at step 0, or killed before its
    // first checkpoint), reads back no "norms" for a model without LayerNorm, and also
    // checkpoints by time.
    // The metrics log keeps the progress measures (three more columns); a log written before
    // them still loads, with none, and is rewritten in the new shape when a resume trims it.
    void metricsLogKeepsProgressMeasures() {
        QTemporaryDir dir;
        const std::string run = dir.filePath("r").toStdString();
        TrainConfig c = smallConfig();
        c.maxSteps = 20;
        c.evalEvery = 10;
        CpuBackend cpu;
        TrainingOptions o;
        o.runDir = run;
        std::vector<TrainMetrics> live;
        o.onMetrics = [&](const TrainMetrics& m) { live.push_back(m); };
        runTraining(c, cpu, o);
        const MetricsLog log = RunStore(run).loadMetrics();
        QCOMPARE(log.rows.size(), live.size());
        for (std::size_t i = 0; i < live.size(); ++i) {
            QVERIFY(std::isfinite(live[i].restrictedLoss) && std::isfinite(live[i].fourierGini));
            QVERIFY(std::abs(log.rows[i].restrictedLoss - live[i].restrictedLoss) < 1e-6);
            QVERIFY(std::abs(log.rows[i].excludedLoss - live[i].excludedLoss) < 1e-6);
            QVERIFY(std::abs(log.rows[i].fourierGini - live[i].fourierGini) < 1e-5);
        }
        {
            std::ofstream old(run + "/metrics.csv", std::ios::trunc);
            old << "step,train_loss,train_acc,val_loss,val_acc,weight_norm,lr,seconds,norm_embed,"
                   "norm_attn,norm_mlp,norm_unembed,norm_norms\n"
                   "10,4.5,0.1,4.6,0.05,30,0.001,0.5,10,12,15,9,0\n";
        }
        const MetricsLog before = RunStore(run).loadMetrics();
        QCOMPARE(int(before.rows.size()), 1);
        QCOMPARE(before.rows[0].valLoss, 4.6);
        QVERIFY(std::isnan(before.rows[0].restrictedLoss));
        RunStore(run).truncateMetrics(10);
        std::ifstream upgraded(run + "/metrics.csv");
        std::string header;
        std::getline(upgraded, header);
        QVERIFY(header.ends_with("restricted_loss,excluded_loss,fourier_gini"));
        QCOMPARE(int(RunStore(run).loadMetrics().rows.size()), 1);
    }

    void resumesKeepOneRowPerStep() {
        QTemporaryDir dir;
        const std::string run = dir.filePath("r").toStdString();
        TrainConfig c = smallConfig();
        c.maxSteps = 40;
        c.evalEvery = 10;
        c.checkpointEvery = 0;      // by steps: never
        c.checkpointSeconds = 1e-4; // by time: every step
        CpuBackend cpu;
        TrainingOptions o;
        o.runDir = run;
        CancelToken stop;
        stop.cancel(); // stopped before its first step: a checkpoint at step 0
        runTraining(c, cpu, o, &stop);
        QVERIFY(RunStore(run).hasCheckpoint());
        bool checkpointedEarly = false;
        o.onMetrics = [&](const TrainMetrics& m) {
            if (m.step == 20) checkpointedEarly = RunStore(run).loadCheckpoint().step >= 10;
        };
        runTraining(c, cpu, o);
        QVERIFY(checkpointedEarly); // by time, with step checkpoints off
        auto steps = [&] {
            std::vector<std::int64_t> v;
            for (const TrainMetrics& m : RunStore(run).loadMetrics().rows) v.push_back(m.step);
            return v;
        };
        QCOMPARE(steps(), (std::vector<std::int64_t>{0, 10, 20, 30, 40}));
        for (const TrainMetrics& m : RunStore(run).loadMetrics().rows)
            for (const auto& [name, norm] : m.componentNorms) QVERIFY(name != "norms");

        // Killed before the first checkpoint: the step-0 row on disk, no checkpoint.
        const std::string killed = dir.filePath("k").toStdString();
        RunStore(killed).create(c);
        TrainMetrics zero;
        RunStore(killed).appendMetrics(zero);
        o.runDir = killed;
        o.onMetrics = nullptr;
        runTraining(c, cpu, o);
        std::vector<std::int64_t> k;
        for (const TrainMetrics& m : RunStore(killed).loadMetrics().rows) k.push_back(m.step);
        QCOMPARE(k, (std::vector<std::int64_t>{0, 10, 20, 30, 40}));
        QCOMPARE(configFromJson(configToJson(c)).checkpointSeconds, 1e-4);
    }

    void tasksSplitReproducibly() {
        TaskSpec spec{TaskKind::DivMod, 13, 0.5, 7};
        const TaskData a = makeTask(spec), b = makeTask(spec);
        QCOMPARE(a.train.size() + a.validation.size(), std::size_t(13 * 12));
        QCOMPARE(a.train.size(), std::size_t(78));
        for (std::size_t i = 0; i < a.train.size(); ++i) QCOMPARE(a.train[i].a, b.train[i].a);
        for (const Example& e : a.train) QCOMPARE(e.answer * e.b % 13, e.a); // a / b * b = a
        spec.seed = 8;
        QVERIFY(makeTask(spec).train[0].a != a.train[0].a ||
                makeTask(spec).train[0].b != a.train[0].b);
        const TaskData s5 = makeTask({TaskKind::S5Compose, 0, 0.5, 1});
        QCOMPARE(s5.vocab, 121);
        QCOMPARE(taskAnswer(TaskKind::S5Compose, 0, 0, 17), 17); // identity o x = x
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeTask({TaskKind::DivMod, 12, 0.5, 0}));
    }

    // The phenomenon itself: train accuracy reaches 99% while validation is still below 50%,
    // and validation reaches 99% later. Nanda et al.'s progress measures tell the same story
    // from inside: the embedding becomes sparse in frequency, the restricted loss (key
    // frequencies only) falls far below its value at memorisation, and the excluded loss (key
    // frequencies removed) ends far above the training loss.
    void quickPresetGroks() {
        TrainConfig c;
        QVERIFY(presetConfig("quick", &c));
        CpuBackend cpu;
        TrainingOptions o;
        o.untilGrokked = true;
        double valAtMemorisation = -1;
        TrainMetrics first, atMemorisation;
        bool haveFirst = false;
        o.onMetrics = [&](const TrainMetrics& m) {
            if (!haveFirst) first = m, haveFirst = true;
            if (valAtMemorisation < 0 && m.trainAcc >= 0.99) {
                valAtMemorisation = m.valAcc;
                atMemorisation = m;
            }
        };
        const TrainingSummary s = runTraining(c, cpu, o);
        qInfo("memorised at %lld (validation %.3f), grokked at %lld, %.1f s",
              (long long)s.memorisedStep, valAtMemorisation, (long long)s.grokkedStep, s.seconds);
        QVERIFY(s.memorisedStep > 0);
        QVERIFY(valAtMemorisation < 0.5);
        QVERIFY2(s.grokkedStep > s.memorisedStep, "validation accuracy never reached 99%");
        QVERIFY(s.last.valAcc >= 0.99);

        const TrainMetrics& end = s.last;
        QString keys;
        for (int k : end.keyFrequencies) keys += QString::number(k) + " ";
        qInfo("progress measures: Gini %.3f -> %.3f -> %.3f; restricted %.3f -> %.3f -> %.3f; "
              "excluded %.3f -> %.3f -> %.3f (train loss at the end %.4f); key frequencies %s",
              first.fourierGini, atMemorisation.fourierGini, end.fourierGini, first.restrictedLoss,
              atMemorisation.restrictedLoss, end.restrictedLoss, first.excludedLoss,
              atMemorisation.excludedLoss, end.excludedLoss, end.trainLoss, qPrintable(keys));
        QVERIFY(!end.keyFrequencies.empty() && end.keyFrequencies.size() <= 8);
        QVERIFY(end.fourierGini > first.fourierGini + 0.1);
        QVERIFY(end.restrictedLoss < 0.5 * atMemorisation.restrictedLoss);
        // Without its key frequencies the model is worse than a uniform guess.
        QVERIFY(end.excludedLoss > std::log(double(c.task.modulus)));
        // The log keeps them; tasks without a Fourier circuit have none.
        TrainConfig mul = c;
        mul.task.kind = TaskKind::MulMod;
        mul.maxSteps = 1;
        Trainer t(mul, cpu);
        QVERIFY(std::isnan(t.evaluate().restrictedLoss));
    }

    void killedRunResumesFromItsCheckpoint() {
        if (cliPath().isEmpty()) QSKIP("LLMLAB_CLI is not set (run through CTest)");
        QTemporaryDir tmp;
        const QString dir = tmp.path() + "/run";
        const QStringList common = {"train", "--preset",     "quick", "--p",
                                    "23",    "--d-model",    "32",    "--d-mlp",
                                    "64",    "--eval-every", "5",     "--checkpoint-every",
                                    "40"};
        QProcess p;
        p.start(cliPath(), common + QStringList{"--steps", "100000", "--out", dir});
        QVERIFY(p.waitForStarted());
        // Kill it without warning once it has written a checkpoint and some rows after it.
        RunStore store(dir.toStdString());
        for (int i = 0; i < 600; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (store.hasCheckpoint() && !store.loadMetrics().rows.empty() &&
                store.loadMetrics().rows.back().step >= 125)
                break;
        }
        ::kill(pid_t(p.processId()), SIGKILL);
        p.waitForFinished();
        QVERIFY(store.hasCheckpoint());
        const std::int64_t ckpt = store.loadCheckpoint().step;
        const std::int64_t lastRow = store.loadMetrics().rows.back().step;
        QVERIFY(ckpt >= 40 && ckpt % 40 == 0);
        QVERIFY(lastRow >= ckpt);

        QProcess r;
        r.start(cliPath(), {"train", "--resume", dir, "--steps", QString::number(ckpt + 40)});
        QVERIFY(r.waitForFinished(120000));
        QCOMPARE(r.exitCode(), 0);
        // The resumed run goes on to step ckpt+40 with one row every 5 steps, none missing.
        const MetricsLog log = store.loadMetrics();
        std::int64_t expect = 0;
        for (const TrainMetrics& m : log.rows) {
            QCOMPARE(m.step, expect);
            expect += 5;
        }
        QCOMPARE(log.rows.back().step, ckpt + 40);

        // And it ends where an uninterrupted run of the same length ends.
        TrainConfig c = store.loadConfig();
        c.maxSteps = ckpt + 40;
        CpuBackend cpu;
        const TrainingSummary straight = runTraining(c, cpu, {});
        QVERIFY(std::fabs(straight.last.trainLoss - log.rows.back().trainLoss) <=
                1e-4 * std::fabs(straight.last.trainLoss) + 1e-7);
    }

    // A trained toy model is a model like any other: exported, it opens with its anatomy.
    void exportedToyModelOpens() {
        TrainConfig c = smallConfig();
        c.maxSteps = 20;
        c.model.layerNorm = true;
        CpuBackend cpu;
        const TrainingSummary s = runTraining(c, cpu, {});
        QTemporaryDir tmp;
        std::string error;
        const std::string gguf = tmp.path().toStdString() + "/toy.gguf";
        const std::string folder = tmp.path().toStdString() + "/toy-hf";
        QVERIFY2(exportToyGguf(gguf, c, s.params, &error), error.c_str());
        QVERIFY2(exportToyHfFolder(folder, c, s.params, &error), error.c_str());
        for (const std::string& path : {gguf, folder}) {
            auto model = ModelFile::open(path, &error);
            QVERIFY2(model, error.c_str());
            const ModelSpec& spec = model->spec();
            QCOMPARE(spec.family, ModelFamily::Toy);
            QCOMPARE(spec.layers, 1);
            QCOMPARE(spec.width, 32);
            QCOMPARE(spec.heads, 4);
            QCOMPARE(spec.ffnWidth, 64);
            QCOMPARE(spec.norm, NormKind::LayerNorm);
            QCOMPARE(spec.positions, PositionKind::Learned);
            QCOMPARE(spec.totalParams, s.params.count());
            const auto embd = model->tensor("token_embd.weight").toFloats();
            QCOMPARE(embd, s.params.values.at("token_embd.weight"));
        }
    }

    void backendsAgreeOverTheFirstSteps() {
        std::string why;
        auto vk = test::makeVulkanBackend(&why);
        if (!vk) {
            if (test::runningInCi()) QFAIL(("no Vulkan device: " + why).c_str());
            QSKIP(("no Vulkan device: " + why).c_str());
        }
        TrainConfig c = smallConfig();
        c.model.layerNorm = true; // exercise the norm gradients too
        c.model.activation = ToyActivation::Gelu;
        CpuBackend cpu;
        Trainer a(c, cpu), b(c, *vk);
        // Within 1e-4 of the loss's scale (the first step's loss). The two backends sum in
        // different orders (the CPU's attention is a GEMM per head), so they drift apart by
        // float rounding, amplified step after step: ~1.5e-5 by step 97, where the loss has
        // fallen to ~0.15 — relative to that, 1e-4. A wrong op shows at once, by far more.
        double scale = 0;
        for (int step = 1; step <= 100; ++step) {
            const double la = a.trainStep(), lb = b.trainStep();
            if (step == 1) scale = std::fabs(la);
            QVERIFY2(std::fabs(la - lb) <= 1e-4 * scale,
                     qPrintable(QString("step %1: cpu %2, vulkan %3").arg(step).arg(la).arg(lb)));
        }
        std::string first;
        QCOMPARE(test::validationErrors(*vk, &first), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestTraining)
#include "tst_training.moc"
