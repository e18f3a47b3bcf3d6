// llmlab-cli landscape / landscape-merge / bench landscape: loss landscapes of grokking runs,
// headless, sliced across processes, MPI ranks or cluster jobs.
#include "BackendFactory.h"
#include "Cli.h"
#include "landscape/ModelLandscape.h"
#include "landscape/RunLandscape.h"
#include "train/RunStore.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>

#ifdef LLMLAB_HAVE_MPI
#include <mpi.h>
#endif

namespace llmlab::cli {

namespace {

namespace fs = std::filesystem;

CancelToken* g_cancel = nullptr;
void onSignal(int) {
    if (g_cancel) g_cancel->cancel();
}

// A grid computed at the terminal: Ctrl-C (or a TERM from a job scheduler) stops it where it
// is, the CSV keeping what was computed; progress goes to stderr every 5%.
class Console {
public:
    explicit Console(bool quiet) : m_quiet(quiet) {
        g_cancel = &m_cancel;
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    ~Console() { g_cancel = nullptr; }
    const CancelToken* cancel() const { return &m_cancel; }
    ProgressFn progress() {
        return [this](double f, const std::string& what) {
            const int percent = int(f * 100);
            if (m_quiet || percent == m_lastPercent || percent % 5 != 0) return;
            m_lastPercent = percent;
            std::fprintf(stderr, "\r%3d%%  %s   ", percent, what.c_str());
        };
    }
    void finish() const {
        if (!m_quiet) std::fputc('\n', stderr);
    }
    static int stopped() {
        std::fprintf(stderr, "\nllmlab-cli landscape: stopped; run the same command again to go "
                             "on where it stopped\n");
        return 130;
    }

private:
    CancelToken m_cancel;
    bool m_quiet;
    int m_lastPercent = -1;
};

long long integerOption(const Args& args, const std::string& name, long long fallback) {
    const std::string v = option(args, name);
    if (v.empty()) return fallback;
    std::size_t used = 0;
    long long x = 0;
    try {
        x = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size()) throw std::invalid_argument("--" + name + " takes a whole number");
    return x;
}

double numberOption(const Args& args, const std::string& name, double fallback) {
    const std::string v = option(args, name);
    if (v.empty()) return fallback;
    std::size_t used = 0;
    double x = 0;
    try {
        x = std::stod(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size()) throw std::invalid_argument("--" + name + " takes a number");
    return x;
}

LandscapeSpec specFrom(const Args& args) {
    LandscapeSpec s;
    const std::string dirs = option(args, "directions", "random");
    if (!parseDirectionKey(dirs, &s.directions))
        throw std::invalid_argument("--directions takes random, pca or line (got '" + dirs + "')");
    // A line is read as train and validation loss side by side; a plane on one split.
    const std::string split =
        option(args, "split", s.directions == DirectionKind::Line ? "both" : "val");
    if (!parseSplitKey(split, &s.split))
        throw std::invalid_argument("--split takes train, val or both (got '" + split + "')");
    const std::string centre = option(args, "checkpoint", "final");
    s.centreStep = centre == "final" ? -1 : integerOption(args, "checkpoint", -1);
    s.grid = int(integerOption(args, "grid", s.directions == DirectionKind::Line ? 61 : 41));
    // PCA fits its range to the trajectory unless one is given.
    s.range = numberOption(args, "range", s.directions == DirectionKind::Pca ? 0.0 : 1.0);
    s.random.seed = std::uint64_t(integerOption(args, "seed", 1));
    s.random.filterNormalize = !flag(args, "no-filter-norm");
    s.random.keep1D = flag(args, "keep-1d");
    s.random.tensorPattern = option(args, "tensors");
    s.lineFrom = integerOption(args, "from", -1);
    s.lineTo = integerOption(args, "to", -1);
    return s;
}

void printSummary(const RunLandscape& L) {
    const GridSpec& g = L.gridSpec;
    const std::string where =
        L.movedTensors.empty() ? "around step " + std::to_string(L.centreStep)
                               : "moving " + std::to_string(L.movedTensors.size()) + " tensors (" +
                                     std::to_string(L.movedParameters) + " parameters)";
    std::printf("# landscape of %s %s: %s directions, %d x %d grid, alpha [%g, %g], beta "
                "[%g, %g], %s\n",
                L.runDir.c_str(), where.c_str(), directionKey(L.spec.directions).c_str(), g.columns,
                g.rows, g.alphaMin, g.alphaMax, g.betaMin, g.betaMax,
                L.fromCache ? "from the cache" : ("on " + L.backend).c_str());
    std::printf("# direction norms %.6g, %.6g", L.directionNorms[0], L.directionNorms[1]);
    if (L.spec.directions == DirectionKind::Pca)
        std::printf("; explained variance %.4f, %.4f", L.explained[0], L.explained[1]);
    std::printf("\n");
    if (L.grid.computedCount() > 0 && !L.splits.empty()) {
        double lo = 0, hi = 0;
        L.grid.lossRange(&lo, &hi);
        std::printf("# %s loss over the grid: %.6g .. %.6g (%lld of %lld points)\n",
                    L.splits[0].c_str(), lo, hi, (long long)L.grid.computedCount(),
                    (long long)g.points());
    }
    if (!L.movedTensors.empty())
        std::printf("# loss on the text at the model's own weights: %.6g\n", L.centreLoss);
    if (L.sharpnessRadius > 0)
        std::printf("# loss at the centre %.6g; mean rise at radius %.2g: %.6g\n", L.centreLoss,
                    L.sharpnessRadius, L.sharpness);
    if (!L.path.empty()) std::printf("# path: %zu snapshots projected\n", L.path.size());
}

void copyOut(const RunLandscape& L, const std::string& out) {
    writeGridCsv(out, L.grid);
    fs::path json(out);
    json.replace_extension(".json");
    writeFileAtomically(json.string(), landscapeHeaderJson(L));
    std::printf("# written: %s (+ %s)\n", out.c_str(), json.string().c_str());
}

#ifdef LLMLAB_HAVE_MPI
// Each rank computes the rows of its slice (`compute`); rank 0 gathers the points and writes
// the grid to `out`.
int landscapeMpi(const std::function<RunLandscape(GridSlice)>& compute, const std::string& out,
                 const std::string& runDir = "") {
    MPI_Init(nullptr, nullptr);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int status = 0;
    RunLandscape L;
    try {
        L = compute(GridSlice{rank, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "llmlab-cli landscape (rank %d): %s\n", rank, e.what());
        status = 1;
    }
    int worst = 0;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst != 0) {
        MPI_Finalize();
        return 1;
    }
    // Points as (k, loss and accuracy per split) doubles.
    const std::size_t splits = L.splits.size();
    std::vector<double> mine;
    for (std::size_t k = 0; k < std::size_t(L.gridSpec.points()); ++k) {
        if (std::isnan(L.grid.loss[0][k])) continue;
        mine.push_back(double(k));
        for (std::size_t s = 0; s < splits; ++s)
            mine.insert(mine.end(), {L.grid.loss[s][k], L.grid.accuracy[s][k]});
    }
    int count = int(mine.size());
    const auto ranks = std::size_t(size);
    std::vector<int> counts(ranks), offsets(ranks);
    MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<double> all;
    if (rank == 0) {
        int total = 0;
        for (std::size_t r = 0; r < ranks; ++r) offsets[r] = total, total += counts[r];
        all.resize(std::size_t(total));
    }
    MPI_Gatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        const std::size_t stride = 1 + 2 * splits;
        for (std::size_t p = 0; p + stride <= all.size(); p += stride) {
            const auto k = std::size_t(all[p]);
            for (std::size_t s = 0; s < splits; ++s) {
                L.grid.loss[s][k] = all[p + 1 + 2 * s];
                L.grid.accuracy[s][k] = all[p + 2 + 2 * s];
            }
        }
        if (L.grid.complete())
            for (PathPoint& p : L.path) p.surfaceLoss = L.grid.interpolateLoss(p.alpha, p.beta);
        std::printf("# %d MPI ranks\n", size);
        printSummary(L);
        std::string target = out;
        if (target.empty()) {
            // Where the lab looks for it: the run's cache, under the resolved key.
            fs::create_directories(runDir + "/landscapes");
            target = runDir + "/landscapes/" + L.key + ".csv";
        }
        copyOut(L, target);
    }
    MPI_Finalize();
    return 0;
}
#endif

// A model file (GGUF, HF folder, llama2.c): next-token loss on a text, directions over the
// tensors --tensors picks.
int modelLandscape(const Args& args, Backend& backend) {
    const std::string path = args[0];
    std::string error;
    std::shared_ptr<const ModelFile> model = ModelFile::open(path, &error);
    if (!model) throw std::runtime_error(error);
    std::string text = option(args, "prompt");
    const std::string textFile = option(args, "text");
    if (!textFile.empty()) {
        std::ifstream in(textFile, std::ios::binary);
        if (!in) throw std::runtime_error(textFile + ": cannot be read");
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (text.empty())
        throw std::invalid_argument(
            "a model's landscape needs a text: --text FILE or --prompt TEXT");
    const std::string out = option(args, "out");
    if (out.empty())
        throw std::invalid_argument("a model file has no run folder to keep its landscape in: "
                                    "say where with --out FILE.csv");
    ModelLandscapeSpec spec;
    spec.random.tensorPattern = option(args, "tensors");
    spec.random.seed = std::uint64_t(integerOption(args, "seed", 1));
    spec.random.filterNormalize = !flag(args, "no-filter-norm");
    spec.random.keep1D = flag(args, "keep-1d");
    spec.grid = int(integerOption(args, "grid", 21));
    spec.range = numberOption(args, "range", 1.0);
    spec.maxTokens = int(integerOption(args, "tokens", 128));
    GridSpec{spec.grid, spec.grid, -spec.range, spec.range, -spec.range, spec.range}.validate();

    if (flag(args, "mpi")) {
#ifdef LLMLAB_HAVE_MPI
        return landscapeMpi(
            [&](GridSlice slice) {
                ModelLandscapeOptions o;
                o.slice = slice;
                return computeModelLandscape(model, text, spec, backend, o);
            },
            out);
#else
        throw std::runtime_error("this llmlab-cli was built without Open MPI (install "
                                 "libopenmpi-dev and rebuild)");
#endif
    }
    ModelLandscapeOptions o;
    const std::string slice = option(args, "slice");
    if (!slice.empty()) o.slice = GridSlice::parse(slice);
    o.csvPath = out; // appended as it goes: the same command again resumes
    Console console(flag(args, "quiet"));
    o.cancel = console.cancel();
    o.progress = console.progress();
    o.onEstimate = [&](std::int64_t passes, double perPass) {
        std::printf("# %lld forward passes x %.1f ms = about %.0f s\n", (long long)passes,
                    perPass * 1e3, double(passes) * perPass / double(o.slice.count));
        std::fflush(stdout);
    };
    RunLandscape L;
    try {
        L = computeModelLandscape(model, text, spec, backend, o);
    } catch (const Cancelled&) {
        return Console::stopped();
    }
    console.finish();
    printSummary(L);
    copyOut(L, out);
    return 0;
}

} // namespace

int landscape(const Args& args) {
    if (args.empty() || args[0].rfind("--", 0) == 0)
        throw std::invalid_argument(
            "say which run or model: llmlab-cli landscape RUN_FOLDER|MODEL [options]");
    const std::string runDir = args[0];
    std::string why;
    auto backend =
        createBackend(option(args, "backend", "cpu"), &why, int(integerOption(args, "device", -1)));
    if (!backend) throw std::runtime_error(why);
    if (!fs::exists(runDir + "/config.json")) {
        if (!fs::exists(runDir))
            throw std::runtime_error(runDir + ": no such run folder or model file");
        return modelLandscape(args, *backend);
    }
    const LandscapeSpec spec = specFrom(args);
    const std::string out = option(args, "out");

    if (flag(args, "mpi")) {
#ifdef LLMLAB_HAVE_MPI
        return landscapeMpi(
            [&](GridSlice slice) {
                LandscapeRunOptions o;
                o.cache = false;
                o.sharpness = false;
                o.slice = slice;
                return computeRunLandscape(runDir, spec, *backend, o);
            },
            out, runDir);
#else
        throw std::runtime_error("this llmlab-cli was built without Open MPI (install "
                                 "libopenmpi-dev and rebuild)");
#endif
    }
    LandscapeRunOptions o;
    const std::string slice = option(args, "slice");
    if (!slice.empty()) o.slice = GridSlice::parse(slice);
    o.cache = !flag(args, "no-cache");
    o.sharpness = !flag(args, "no-sharpness");
    Console console(flag(args, "quiet"));
    o.cancel = console.cancel();
    o.progress = console.progress();
    std::printf("# %lld forward passes\n", (long long)landscapePasses(spec, o.sharpness));
    RunLandscape L;
    try {
        L = computeRunLandscape(runDir, spec, *backend, o);
    } catch (const Cancelled&) {
        return Console::stopped();
    }
    console.finish();
    printSummary(L);
    if (!L.csvPath.empty()) std::printf("# cached: %s\n", L.csvPath.c_str());
    if (!out.empty()) copyOut(L, out);
    return 0;
}

int landscapeMerge(const Args& args) {
    if (args.size() < 2)
        throw std::invalid_argument("usage: llmlab-cli landscape-merge OUT.csv SLICE.csv ...");
    const std::string out = args[0];
    std::vector<LandscapeGrid> slices;
    RunLandscape header;
    for (std::size_t k = 1; k < args.size(); ++k) {
        RunLandscape L = readLandscape(args[k]);
        // The header says which landscape a slice belongs to (and where its grid lies): slices
        // of different landscapes must not be mixed.
        if (L.jsonPath.empty())
            throw std::runtime_error(args[k] + ": has no .json header beside it (llmlab-cli "
                                               "landscape writes one with each CSV)");
        if (k == 1) {
            header = L;
        } else if (L.key != header.key || L.gridSpec.alphaMin != header.gridSpec.alphaMin ||
                   L.gridSpec.alphaMax != header.gridSpec.alphaMax ||
                   L.gridSpec.betaMin != header.gridSpec.betaMin ||
                   L.gridSpec.betaMax != header.gridSpec.betaMax) {
            throw std::runtime_error(args[k] + ": is a slice of another landscape than " + args[1] +
                                     " (their headers differ)");
        }
        slices.push_back(std::move(L.grid));
    }
    header.grid = mergeGrids(slices);
    if (header.grid.complete())
        for (PathPoint& p : header.path)
            p.surfaceLoss = header.grid.interpolateLoss(p.alpha, p.beta);
    writeGridCsv(out, header.grid);
    if (!header.jsonPath.empty()) {
        fs::path json(out);
        json.replace_extension(".json");
        writeFileAtomically(json.string(), landscapeHeaderJson(header));
    }
    std::printf("# merged %zu slices: %lld of %lld points -> %s\n", slices.size(),
                (long long)header.grid.computedCount(), (long long)header.gridSpec.points(),
                out.c_str());
    return header.grid.complete() ? 0 : 3;
}

int benchLandscape(const Args& args) {
    TrainConfig config;
    const std::string preset = option(args, "preset", "nanda");
    if (!presetConfig(preset, &config))
        throw std::invalid_argument("unknown preset '" + preset + "' (quick, nanda)");
    const int n = int(integerOption(args, "grid", 41));
    LandscapeSplit split = LandscapeSplit::Validation;
    if (!parseSplitKey(option(args, "split", "val"), &split))
        throw std::invalid_argument("--split takes train, val or both");
    std::string why;
    auto backend = createBackend(option(args, "backend", "cpu"), &why);
    if (!backend) throw std::runtime_error(why);
    // The untrained model: the time per point does not depend on the weights' values.
    const FlatParams centre = FlatParams::fromToy(initToyParams(config.model, config.modelSeed));
    RandomDirectionOptions r;
    const FlatParams d1 = randomDirection(centre, r);
    r.seed = 2;
    const FlatParams d2 = randomDirection(centre, r);
    const auto t0 = std::chrono::steady_clock::now();
    ToyLossEvaluator evaluator(config, *backend, split);
    const auto t1 = std::chrono::steady_clock::now();
    GridSpec g{n, n, -1, 1, -1, 1};
    const LandscapeGrid grid = computeGrid(evaluator, centre, d1, &d2, g, {});
    const auto t2 = std::chrono::steady_clock::now();
    const double build = std::chrono::duration<double>(t1 - t0).count();
    const double seconds = std::chrono::duration<double>(t2 - t1).count();
    double lo = 0, hi = 0;
    grid.lossRange(&lo, &hi);
    std::printf("# landscape bench: %s preset, %s split, %d x %d grid on %s (%s)\n", preset.c_str(),
                splitKey(split).c_str(), n, n, backend->name().c_str(),
                backend->deviceName().c_str());
    std::printf("compile %.3f s  grid %.2f s  %.1f points/s  %.2f ms/point  (loss %.4g..%.4g)\n",
                build, seconds, double(g.points()) / seconds, 1e3 * seconds / double(g.points()),
                lo, hi);
    return 0;
}

} // namespace llmlab::cli
