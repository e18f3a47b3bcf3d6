// Loss landscapes (engine): filter-normalised and PCA directions, a grid computed by writing
// perturbed weights into a compiled graph (checked against an analytic quadratic surface),
// cancel and resume through the CSV, slices that merge to the one-process CSV, contours, and
// the landscape of a real grokking run with its trajectory.
#include "TestSupport.h"
#include "TestTraining.h"
#include "cpu/CpuBackend.h"
#include "formats/ModelFile.h"
#include "landscape/Contours.h"
#include "landscape/ModelLandscape.h"
#include "landscape/RunLandscape.h"
#include "model/LanguageModel.h"
#include "train/Normal.h"
#include "train/RunStore.h"
#include "train/TrainingRun.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace llmlab;

namespace {

FlatParams randomParams(std::uint64_t seed) {
    ToyParams p;
    Normal n(seed);
    auto add = [&](const std::string& name, Shape s, float scale) {
        p.shapes[name] = s;
        auto& v = p.values[name];
        v.resize(std::size_t(s.numel()));
        for (float& x : v) x = n() * scale;
    };
    add("a.weight", Shape{7, 5}, 0.3f);
    add("a.bias", Shape{7}, 0.1f);
    add("b.weight", Shape{3, 7}, 2.0f);
    add("norm.weight", Shape{5}, 1.0f);
    return FlatParams::fromToy(p);
}

// L(W) = || X Wᵀ − T ||², a quadratic in the weights, computed by a compiled graph whose
// parameter W is rewritten at each point; `analytic` is the same in double on the host.
class QuadraticEvaluator : public LossEvaluator {
public:
    static constexpr int kRows = 6, kIn = 4, kOut = 3;
    QuadraticEvaluator() : m_backend(1) {
        Normal n(5);
        m_x.resize(kRows * kIn);
        m_t.resize(kRows * kOut);
        for (float& v : m_x) v = 0.5f * n();
        for (float& v : m_t) v = 0.5f * n();
        std::vector<float> w(kOut * kIn, 0.0f);
        m_w = m_graph.parameter("w", Tensor::fromFloats(Shape{kOut, kIn}, w));
        const NodeId x = m_graph.input("x", Shape{kRows, kIn});
        const NodeId t = m_graph.input("t", Shape{kRows, kOut});
        m_loss =
            m_graph.sumSquares(m_graph.add(m_graph.matmul(x, m_w, true), m_graph.scale(t, -1)));
        m_graph.capture(m_loss);
        m_exe = m_backend.compile(m_graph);
        m_exe->setInput(x, std::span<const float>(m_x));
        m_exe->setInput(t, std::span<const float>(m_t));
    }
    std::vector<std::string> splits() const override { return {"train"}; }
    std::vector<LossPoint> evaluate(const FlatParams& theta) override {
        ++calls;
        m_exe->setInput(m_w, theta.tensor(0));
        m_exe->run();
        return {{m_exe->read(m_loss)[0], 0.0}};
    }
    double analytic(const FlatParams& theta) const {
        double s = 0;
        const auto w = theta.tensor(0);
        for (int r = 0; r < kRows; ++r)
            for (int o = 0; o < kOut; ++o) {
                double y = -double(m_t[std::size_t(r * kOut + o)]);
                for (int k = 0; k < kIn; ++k)
                    y +=
                        double(m_x[std::size_t(r * kIn + k)]) * double(w[std::size_t(o * kIn + k)]);
                s += y * y;
            }
        return s;
    }
    static FlatParams weights(std::uint64_t seed) {
        ToyParams p;
        Normal n(seed);
        p.shapes["w"] = Shape{kOut, kIn};
        auto& v = p.values["w"];
        v.resize(kOut * kIn);
        for (float& x : v) x = 0.5f * n();
        return FlatParams::fromToy(p);
    }
    int calls = 0;

private:
    CpuBackend m_backend;
    Graph m_graph;
    NodeId m_w = -1, m_loss = -1;
    std::unique_ptr<Executable> m_exe;
    std::vector<float> m_x, m_t;
};

TrainConfig tinyConfig() {
    return test::tinyTrainConfig(200);
}

std::string readAll(const std::string& path) {
    return test::readFile(path);
}

} // namespace

class TestLandscape : public QObject {
    Q_OBJECT

private slots:
    void filterNormalisedRowsMatchTheWeights() {
        const FlatParams w = randomParams(1);
        RandomDirectionOptions o;
        o.seed = 42;
        const FlatParams d = randomDirection(w, o);
        QVERIFY(d.sameLayout(w));
        for (std::size_t i = 0; i < w.tensorCount(); ++i) {
            const auto dn = rowNorms(d, i), wn = rowNorms(w, i);
            QCOMPARE(dn.size(), wn.size());
            for (std::size_t r = 0; r < dn.size(); ++r) {
                if (w.shapes[i].rank() == 1)
                    QCOMPARE(dn[r], 0.0); // biases and norm gains are zeroed
                else
                    QVERIFY2(std::abs(dn[r] - wn[r]) <= 1e-5 * wn[r],
                             qPrintable(QString::fromStdString(w.names[i])));
            }
        }
        // Seeded: the same seed gives the same direction, another seed another one.
        QCOMPARE(randomDirection(w, o).values, d.values);
        o.seed = 43;
        QVERIFY(randomDirection(w, o).values != d.values);

        // 1-D tensors kept: normalised as one filter.
        o.keep1D = true;
        const FlatParams k = randomDirection(w, o);
        for (std::size_t i = 0; i < w.tensorCount(); ++i)
            if (w.shapes[i].rank() == 1)
                QVERIFY(std::abs(rowNorms(k, i)[0] - rowNorms(w, i)[0]) <=
                        1e-5 * rowNorms(w, i)[0]);

        // Restricted to some tensors: the others are zero, and the chosen ones are unchanged.
        o.keep1D = false;
        o.seed = 42;
        o.tensorPattern = "^a\\.";
        const FlatParams r = randomDirection(w, o);
        for (std::size_t i = 0; i < w.tensorCount(); ++i) {
            const auto ri = r.tensor(i), di = d.tensor(i);
            const bool chosen = w.names[i].rfind("a.", 0) == 0 && w.shapes[i].rank() > 1;
            for (std::size_t k2 = 0; k2 < ri.size(); ++k2) QCOMPARE(ri[k2], chosen ? di[k2] : 0.0f);
        }
        o.tensorPattern = "nothing-matches";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, randomDirection(w, o));
        o.tensorPattern = "(";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, randomDirection(w, o));

        // Without filter normalisation, the direction as a whole has the weights' norm (over the
        // tensors it moves).
        o.tensorPattern.clear();
        o.filterNormalize = false;
        o.keep1D = true;
        QVERIFY(std::abs(norm(randomDirection(w, o)) - norm(w)) <= 1e-5 * norm(w));
    }

    // A trajectory built to lie in a known plane: PCA finds the plane, the explained variances
    // are the shares of the two coordinates' energy, and the coordinates rebuild the points.
    void pcaRecoversAKnownPlane() {
        const FlatParams final = randomParams(2);
        FlatParams u = randomParams(3), v = randomParams(4);
        const double nu = norm(u);
        for (float& x : u.values) x = float(x / nu);
        const double uv = dot(u, v);
        for (std::size_t k = 0; k < v.values.size(); ++k) v.values[k] -= float(uv * u.values[k]);
        const double nv = norm(v);
        for (float& x : v.values) x = float(x / nv);
        // Σ a b = 0, so u and v are the principal axes; Σa² = 28, Σb² = 4.
        const double a[] = {-3, -2, -1, 1, 2, 3}, b[] = {1, -1, 0, 0, -1, 1};
        std::vector<FlatParams> snaps;
        for (int i = 0; i < 6; ++i) {
            FlatParams s = final;
            perturb(final, u, a[i], &v, b[i], s);
            snaps.push_back(s);
        }
        snaps.push_back(final);
        const PcaDirections pca = pcaDirections(snaps, final);
        QVERIFY(std::abs(pca.explained[0] - 28.0 / 32.0) < 1e-5);
        QVERIFY(std::abs(pca.explained[1] - 4.0 / 32.0) < 1e-5);
        QVERIFY(std::abs(std::abs(dot(pca.first, u)) - 1.0) < 1e-5);
        QVERIFY(std::abs(std::abs(dot(pca.second, v)) - 1.0) < 1e-5);
        QVERIFY(std::abs(dot(pca.first, pca.second)) < 1e-5);
        QVERIFY(pca.coords[0][0] < 0 && pca.coords[1][0] < 0); // the start on the negative side
        for (int i = 0; i < 6; ++i) {
            QVERIFY(std::abs(std::abs(pca.coords[0][std::size_t(i)]) - std::abs(a[i])) < 1e-4);
            QVERIFY(std::abs(std::abs(pca.coords[1][std::size_t(i)]) - std::abs(b[i])) < 1e-4);
            double pa = 0, pb = 0;
            projectOnto(snaps[std::size_t(i)], final, pca.first, &pca.second, &pa, &pb);
            QVERIFY(std::abs(pa - pca.coords[0][std::size_t(i)]) < 1e-4);
            QVERIFY(std::abs(pb - pca.coords[1][std::size_t(i)]) < 1e-4);
        }
        // Too few snapshots, or a trajectory along one line only.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pcaDirections({snaps[0], snaps[1]}, final));
        std::vector<FlatParams> line;
        for (double t : {1.0, 2.0, 3.0}) {
            FlatParams s = final;
            perturb(final, u, t, nullptr, 0, s);
            line.push_back(s);
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pcaDirections(line, final));
    }

    void quadraticLandscapeMatchesTheAnalyticSurface() {
        QuadraticEvaluator eval;
        const FlatParams centre = QuadraticEvaluator::weights(11);
        const FlatParams d1 = QuadraticEvaluator::weights(12), d2 = QuadraticEvaluator::weights(13);
        const GridSpec spec{11, 9, -1.5, 1.0, -0.5, 2.0};
        const LandscapeGrid g = computeGrid(eval, centre, d1, &d2, spec, {});
        QVERIFY(g.complete());
        QCOMPARE(eval.calls, 99);
        FlatParams theta = centre;
        double worst = 0;
        for (int i = 0; i < spec.rows; ++i)
            for (int j = 0; j < spec.columns; ++j) {
                perturb(centre, d1, spec.alpha(j), &d2, spec.beta(i), theta);
                worst = std::max(worst, std::abs(g.lossAt(i, j) - eval.analytic(theta)));
            }
        QVERIFY2(worst <= 1e-5, qPrintable(QString::number(worst)));
        // The grid's own coordinates: corners where the spec says.
        QCOMPARE(spec.alpha(0), -1.5);
        QCOMPARE(spec.alpha(10), 1.0);
        QCOMPARE(spec.beta(8), 2.0);
        // Bilinear interpolation is exact at grid points.
        QVERIFY(std::abs(g.interpolateLoss(spec.alpha(3), spec.beta(5)) - g.lossAt(5, 3)) < 1e-9);
    }

    void aCancelledGridResumesWhereItStopped() {
        QTemporaryDir dir;
        const std::string csv = dir.filePath("grid.csv").toStdString();
        const FlatParams centre = QuadraticEvaluator::weights(21);
        const FlatParams d1 = QuadraticEvaluator::weights(22), d2 = QuadraticEvaluator::weights(23);
        const GridSpec spec{9, 9, -1, 1, -1, 1};

        QuadraticEvaluator first;
        CancelToken cancel;
        GridOptions o;
        o.csvPath = csv;
        o.cancel = &cancel;
        o.progress = [&](double, const std::string& what) {
            QVERIFY(what.find("left") != std::string::npos); // an ETA
            if (first.calls == 30) cancel.cancel();
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, computeGrid(first, centre, d1, &d2, spec, o));
        QCOMPARE(first.calls, 30);
        QCOMPARE(readGridCsv(csv, &spec).computedCount(), 30);
        // A kill mid-line leaves a torn last line: it is dropped, not misread.
        { std::ofstream(csv, std::ios::app) << "3,4,0.5"; }
        QCOMPARE(readGridCsv(csv, &spec).computedCount(), 30);

        QuadraticEvaluator second;
        o.cancel = nullptr;
        o.progress = nullptr;
        const LandscapeGrid resumed = computeGrid(second, centre, d1, &d2, spec, o);
        QCOMPARE(second.calls, 81 - 30);
        QVERIFY(resumed.complete());

        QuadraticEvaluator whole;
        const LandscapeGrid once = computeGrid(whole, centre, d1, &d2, spec, {});
        QCOMPARE(readAll(csv), gridToCsv(once));
        QCOMPARE(gridToCsv(readGridCsv(csv, &spec)), gridToCsv(once));
    }

    void slicesMergeToTheOneProcessCsv() {
        const FlatParams centre = QuadraticEvaluator::weights(31);
        const FlatParams d1 = QuadraticEvaluator::weights(32), d2 = QuadraticEvaluator::weights(33);
        const GridSpec spec{7, 10, -1, 1, -2, 2};
        QuadraticEvaluator eval;
        const std::string whole = gridToCsv(computeGrid(eval, centre, d1, &d2, spec, {}));
        QTemporaryDir dir;
        std::vector<LandscapeGrid> slices;
        for (int k = 1; k <= 4; ++k) {
            GridOptions o;
            o.slice = GridSlice::parse(std::to_string(k) + "/4");
            o.csvPath = dir.filePath(QString("slice%1.csv").arg(k)).toStdString();
            QuadraticEvaluator e;
            const LandscapeGrid s = computeGrid(e, centre, d1, &d2, spec, o);
            QCOMPARE(e.calls, 7 * (k <= 2 ? 3 : 2)); // rows k-1, k+3, k+7
            QVERIFY(!s.complete());
            slices.push_back(readGridCsv(o.csvPath, &spec)); // through the files, as on a cluster
        }
        QCOMPARE(gridToCsv(mergeGrids(slices)), whole);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, GridSlice::parse("5/4"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, GridSlice::parse("0/4"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, GridSlice::parse("2of4"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, (GridSpec{300, 300}).validate());
    }

    void aBrokenCsvIsNamedInTheError() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.csv").toStdString();
        { std::ofstream(path) << "x,y,z\n1,2,3\n"; }
        try {
            readGridCsv(path);
            QFAIL("a CSV with the wrong header was read");
        } catch (const std::runtime_error& e) {
            QVERIFY(std::string(e.what()).find(path) != std::string::npos);
        }
        { std::ofstream(path) << "i,j,alpha,beta,val_loss,val_acc\n50,2,0.1,0.2,1,0.5\n"; }
        const GridSpec spec{5, 5, -1, 1, -1, 1};
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, readGridCsv(path, &spec)); // outside the grid
    }

    // What a diverged run or a file from another system brings: NaN coordinates, a NaN
    // sharpness, CRLF line ends; and the cache key ignores options that change nothing.
    void awkwardValuesAndKeys() {
        LandscapeGrid g = LandscapeGrid::empty(GridSpec{3, 3, -1, 1, -1, 1}, {"val"});
        for (double& v : g.loss[0]) v = 1;
        QVERIFY(std::isnan(g.interpolateLoss(std::nan(""), 0)));
        QVERIFY(std::isnan(g.interpolateLoss(0, INFINITY)));
        QCOMPARE(g.interpolateLoss(0, 0), 1.0);

        QTemporaryDir dir;
        RunLandscape L;
        L.runDir = "run";
        L.gridSpec = g.spec;
        L.splits = {"val"};
        L.grid = g;
        L.sharpness = std::nan("");
        L.path = {{0, std::nan(""), 0.5, std::nan("")}};
        const std::string csv = dir.filePath("l.csv").toStdString();
        writeGridCsv(csv, g);
        writeFileAtomically(dir.filePath("l.json").toStdString(), landscapeHeaderJson(L));
        const RunLandscape back = readLandscape(csv);
        QVERIFY(std::isnan(back.sharpness));
        QVERIFY(std::isnan(back.path[0].alpha));
        QCOMPARE(back.path[0].beta, 0.5);

        std::string text = gridToCsv(g);
        std::string crlf;
        for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        { std::ofstream(csv, std::ios::binary) << crlf; }
        QCOMPARE(readGridCsv(csv, &g.spec).computedCount(), std::int64_t(9));

        LandscapeSpec a, b;
        b.lineFrom = 50; // not a line: the ends do not matter
        QCOMPARE(a.key(), b.key());
        b.random.seed = 2;
        QVERIFY(a.key() != b.key());
        a.directions = b.directions = DirectionKind::Pca;
        QCOMPARE(a.key(), b.key()); // PCA has no seed
    }

    // A run resumed from its checkpoint drops the snapshots of the steps it trains again.
    void resumedRunsKeepOneTrajectory() {
        QTemporaryDir dir;
        const std::string run = dir.filePath("run").toStdString();
        TrainConfig c = tinyConfig();
        c.maxSteps = 100;
        CpuBackend cpu;
        TrainingOptions to;
        to.runDir = run;
        runTraining(c, cpu, to);
        const RunStore store(run);
        // As if the run had gone on to step 130 and been killed before its next checkpoint.
        store.writeSnapshot(130, store.loadSnapshot(100));
        c.maxSteps = 150;
        runTraining(c, cpu, to);
        const std::vector<std::int64_t> steps = store.snapshotSteps();
        QVERIFY(std::find(steps.begin(), steps.end(), 130) == steps.end());
        QCOMPARE(steps.back(), std::int64_t(150));
    }

    void contoursOfAConeAreCircles() {
        const int n = 41;
        std::vector<double> v(std::size_t(n * n));
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                const double x = -1 + 2.0 * j / (n - 1), y = -1 + 2.0 * i / (n - 1);
                v[std::size_t(i * n + j)] = std::sqrt(x * x + y * y);
            }
        const auto lines = contourLines(v, n, n, -1, 1, -1, 1, {0.5, 0.8});
        QCOMPARE(lines.size(), std::size_t(2));
        for (const ContourLine& l : lines) {
            int points = 0;
            for (std::size_t k = 0; k < l.xs.size(); ++k) {
                if (std::isnan(l.xs[k])) continue;
                ++points;
                QVERIFY(std::abs(std::hypot(l.xs[k], l.ys[k]) - l.level) < 0.01);
            }
            QVERIFY(points > 40);
        }
        const auto levels = contourLevels(1, 100, 3, true);
        QCOMPARE(levels.size(), std::size_t(3));
        QVERIFY(std::abs(levels[1] - 10.0) < 1e-9); // evenly spaced in log10
    }

    // The evaluator of a landscape and the trainer's evaluation are the same function.
    void toyEvaluatorAgreesWithTheTrainer() {
        TrainConfig c = tinyConfig();
        CpuBackend cpu;
        Trainer trainer(c, cpu);
        for (int s = 0; s < 30; ++s) trainer.trainStep();
        const TrainMetrics m = trainer.evaluate();
        ToyLossEvaluator both(c, cpu, LandscapeSplit::Both);
        QCOMPARE(both.splits(), (std::vector<std::string>{"train", "val"}));
        const auto p = both.evaluate(FlatParams::fromToy(trainer.parameters()));
        QVERIFY(std::abs(p[0].loss - m.trainLoss) < 1e-5 * std::max(1.0, m.trainLoss));
        QVERIFY(std::abs(p[1].loss - m.valLoss) < 1e-5 * std::max(1.0, m.valLoss));
        QCOMPARE(p[0].accuracy, m.trainAcc);
        QCOMPARE(p[1].accuracy, m.valAcc);
        ToyLossEvaluator val(c, cpu, LandscapeSplit::Validation);
        QVERIFY(std::abs(val.evaluate(FlatParams::fromToy(trainer.parameters()))[0].loss -
                         m.valLoss) < 1e-5 * std::max(1.0, m.valLoss));
    }

    // Both backends: the landscape's points agree between the Vulkan device and the CPU.
    void vulkanAgreesWithTheCpu() {
        std::string why;
        auto vulkan = test::makeVulkanBackend(&why);
        if (!vulkan) {
            if (test::runningInCi()) QFAIL(why.c_str());
            QSKIP(why.c_str());
        }
        TrainConfig c = tinyConfig();
        CpuBackend cpu;
        const FlatParams centre = FlatParams::fromToy(initToyParams(c.model, 3));
        RandomDirectionOptions o;
        const FlatParams d1 = randomDirection(centre, o);
        o.seed = 2;
        const FlatParams d2 = randomDirection(centre, o);
        ToyLossEvaluator onCpu(c, cpu, LandscapeSplit::Both),
            onVulkan(c, *vulkan, LandscapeSplit::Both);
        const GridSpec spec{3, 3, -1, 1, -1, 1};
        const LandscapeGrid a = computeGrid(onCpu, centre, d1, &d2, spec, {});
        const LandscapeGrid b = computeGrid(onVulkan, centre, d1, &d2, spec, {});
        for (std::size_t s = 0; s < 2; ++s)
            for (std::size_t k = 0; k < a.loss[s].size(); ++k)
                QVERIFY(std::abs(a.loss[s][k] - b.loss[s][k]) <=
                        1e-4 * std::max(1.0, a.loss[s][k]));
        QCOMPARE(test::validationErrors(*vulkan), std::size_t(0));
    }

    // A grokking run end to end: its history, PCA directions with the path on the plane, the
    // cache, a line from init to final, and readable errors.
    void landscapeOfATrainingRun() {
        QTemporaryDir dir;
        const std::string run = dir.filePath("run").toStdString();
        CpuBackend cpu;
        TrainingOptions to;
        to.runDir = run;
        runTraining(tinyConfig(), cpu, to);
        const std::vector<std::int64_t> steps = RunStore(run).snapshotSteps();
        QVERIFY(steps.size() >= 5);
        QCOMPARE(steps.front(), std::int64_t(0));
        QCOMPARE(steps.back(), std::int64_t(200));

        LandscapeSpec spec;
        spec.directions = DirectionKind::Pca;
        spec.grid = 7;
        spec.range = 0; // fitted to the path
        LandscapeRunOptions o;
        int progressCalls = 0;
        o.progress = [&](double f, const std::string&) {
            QVERIFY(f >= 0 && f <= 1.0 + 1e-9);
            ++progressCalls;
        };
        const RunLandscape L = computeRunLandscape(run, spec, cpu, o);
        QVERIFY(progressCalls > 49);
        QVERIFY(L.grid.complete());
        QCOMPARE(L.centreStep, std::int64_t(200));
        QCOMPARE(L.path.size(), steps.size());
        QVERIFY(L.explained[0] > 0 && L.explained[0] + L.explained[1] <= 1.0 + 1e-9);
        QVERIFY(L.explained[0] >= L.explained[1]);
        // The final snapshot is the centre; every path point lies inside the fitted grid.
        QVERIFY(std::abs(L.path.back().alpha) < 1e-5 && std::abs(L.path.back().beta) < 1e-5);
        for (const PathPoint& p : L.path) {
            QVERIFY(p.alpha >= L.gridSpec.alphaMin && p.alpha <= L.gridSpec.alphaMax);
            QVERIFY(p.beta >= L.gridSpec.betaMin && p.beta <= L.gridSpec.betaMax);
            QVERIFY(std::isfinite(p.surfaceLoss) && p.surfaceLoss > 0);
        }
        QVERIFY(L.sharpnessRadius > 0);
        QVERIFY(QFileInfo::exists(QString::fromStdString(L.csvPath)));

        // Reopening is instant: read from the cache, the same values and path.
        const RunLandscape again = computeRunLandscape(run, spec, cpu, {});
        QVERIFY(again.fromCache);
        QCOMPARE(gridToCsv(again.grid), gridToCsv(L.grid));
        QCOMPARE(again.path.size(), L.path.size());
        QCOMPARE(again.sharpness, L.sharpness);

        // The line init -> final: alpha 0 at the first snapshot, 1 at the last.
        LandscapeSpec line;
        line.directions = DirectionKind::Line;
        line.grid = 7; // alpha -0.25, 0, 0.25, ..., 1.25
        line.split = LandscapeSplit::Both;
        const RunLandscape l = computeRunLandscape(run, line, cpu, {});
        QCOMPARE(l.grid.splits, (std::vector<std::string>{"train", "val"}));
        QCOMPARE(l.gridSpec.rows, 1);
        QVERIFY(std::abs(l.path.front().alpha) < 1e-6);
        QVERIFY(std::abs(l.path.back().alpha - 1.0) < 1e-5);
        // At alpha = 1 the line is the trained model: its train loss is the run's last one.
        const double trained = RunStore(run).loadMetrics().rows.back().trainLoss;
        QCOMPARE(l.gridSpec.alpha(5), 1.0);
        QVERIFY(std::abs(l.grid.lossAt(0, 5) - trained) < 1e-4 * trained + 1e-6);

        // A centre that is not a snapshot, and PCA on a run without history.
        spec.centreStep = 123;
        try {
            computeRunLandscape(run, spec, cpu, {});
            QFAIL("a missing snapshot was accepted");
        } catch (const std::runtime_error& e) {
            QVERIFY(std::string(e.what()).find("step 123") != std::string::npos);
        }
        QDir(QString::fromStdString(run + "/history")).removeRecursively();
        spec.centreStep = -1;
        try {
            computeRunLandscape(run, spec, cpu, {});
            QFAIL("PCA of one snapshot was accepted");
        } catch (const std::runtime_error& e) {
            QVERIFY(std::string(e.what()).find(run) != std::string::npos);
        }
        LandscapeSpec random;
        random.grid = 3;
        QVERIFY(computeRunLandscape(run, random, cpu, {}).grid.complete()); // the checkpoint serves
    }

    // An opened model: only the chosen tensors move; at the centre the loss is the model's own.
    void landscapeOfAnOpenedModel() {
        LLMLAB_REQUIRE_FIXTURE("gguf/stories260K.gguf", path);
        std::string error;
        std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
        QVERIFY2(model, error.c_str());
        const std::string text = "Once upon a time, there was a little girl named Lily.";
        const std::vector<std::int32_t> tokens = landscapeTokens(*model, text, 64);
        QVERIFY(tokens.size() > 5);

        // The loss the plain model gives, with every weight constant.
        CpuBackend cpu;
        double plain = 0;
        {
            InferenceSession s(model, cpu, int(tokens.size()));
            const std::vector<float> logits = s.prefill(tokens);
            const std::size_t V = std::size_t(s.spec().vocab);
            for (std::size_t t = 0; t + 1 < tokens.size(); ++t) {
                const float* row = logits.data() + t * V;
                double mx = row[0], sum = 0;
                for (std::size_t j = 1; j < V; ++j) mx = std::max(mx, double(row[j]));
                for (std::size_t j = 0; j < V; ++j) sum += std::exp(row[j] - mx);
                plain += mx + std::log(sum) - row[std::size_t(tokens[t + 1])];
            }
            plain /= double(tokens.size() - 1);
        }
        TextLossEvaluator eval(model, cpu, tokens, "blk\\.1\\.ffn_");
        const FlatParams& centre = eval.centre();
        QVERIFY(centre.tensorCount() >= 2);
        for (const std::string& name : centre.names) QVERIFY(name.rfind("blk.1.ffn_", 0) == 0);
        const double atCentre = eval.evaluate(centre)[0].loss;
        QVERIFY2(std::abs(atCentre - plain) < 1e-5, qPrintable(QString::number(atCentre - plain)));
        RandomDirectionOptions o;
        const FlatParams d = randomDirection(centre, o);
        FlatParams moved = centre;
        perturb(centre, d, 0.5, nullptr, 0, moved);
        const double away = eval.evaluate(moved)[0].loss;
        QVERIFY(std::abs(away - atCentre) > 1e-3);
        QCOMPARE(eval.evaluate(centre)[0].loss, atCentre); // setting the weights back restores it

        ModelLandscapeSpec spec;
        spec.random.tensorPattern = "blk\\.1\\.ffn_";
        spec.grid = 5;
        std::int64_t estimated = 0;
        ModelLandscapeOptions mo;
        mo.onEstimate = [&](std::int64_t passes, double perPass) {
            estimated = passes;
            QVERIFY(perPass > 0);
        };
        const RunLandscape L = computeModelLandscape(model, text, spec, cpu, mo);
        QCOMPARE(estimated, std::int64_t(25));
        QVERIFY(L.grid.complete());
        QVERIFY(std::abs(L.grid.lossAt(2, 2) - plain) < 1e-5); // alpha = beta = 0
        QVERIFY(std::abs(L.centreLoss - plain) < 1e-5);
        QCOMPARE(L.movedTensors, centre.names);
        QVERIFY(L.path.empty());

        // Vulkan: the same points.
        std::string why;
        if (auto vulkan = test::makeVulkanBackend(&why)) {
            TextLossEvaluator onVulkan(model, *vulkan, tokens, "blk\\.1\\.ffn_");
            QVERIFY(std::abs(onVulkan.evaluate(moved)[0].loss - away) < 1e-3);
            QCOMPARE(test::validationErrors(*vulkan), std::size_t(0));
        } else if (test::runningInCi()) {
            QFAIL(why.c_str());
        }

        // Readable refusals, naming the model.
        for (const char* bad : {"no_such_tensor", ""}) {
            try {
                TextLossEvaluator e(model, cpu, tokens, bad);
                QFAIL("a pattern choosing nothing was accepted");
            } catch (const std::invalid_argument& e) {
                QVERIFY(std::string(e.what()).find(path) != std::string::npos);
            }
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 TextLossEvaluator(model, cpu, {tokens[0]}, "ffn_"));
    }
};

QTEST_GUILESS_MAIN(TestLandscape)
#include "tst_landscape.moc"
