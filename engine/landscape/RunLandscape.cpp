#include "RunLandscape.h"

#include "train/RunStore.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace llmlab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kSharpnessDirections = 8;
constexpr double kSharpnessRadius = 0.2;
constexpr std::uint64_t kSharpnessSeed = 977;

std::string hex64(std::uint64_t v) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
    return buf;
}

std::uint64_t fnv1a(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
    return h;
}

json specJson(const LandscapeSpec& s) {
    return {{"directions", directionKey(s.directions)},
            {"centre_step", s.centreStep},
            {"seed", s.random.seed},
            {"filter_normalize", s.random.filterNormalize},
            {"keep_1d", s.random.keep1D},
            {"tensors", s.random.tensorPattern},
            {"line_from", s.lineFrom},
            {"line_to", s.lineTo},
            {"grid", s.grid},
            {"range", s.range},
            {"split", splitKey(s.split)}};
}

LandscapeSpec specFromJson(const json& j) {
    LandscapeSpec s;
    if (!parseDirectionKey(j.at("directions").get<std::string>(), &s.directions))
        throw std::invalid_argument("unknown directions");
    s.centreStep = j.at("centre_step").get<std::int64_t>();
    s.random.seed = j.at("seed").get<std::uint64_t>();
    s.random.filterNormalize = j.at("filter_normalize").get<bool>();
    s.random.keep1D = j.at("keep_1d").get<bool>();
    s.random.tensorPattern = j.at("tensors").get<std::string>();
    s.lineFrom = j.at("line_from").get<std::int64_t>();
    s.lineTo = j.at("line_to").get<std::int64_t>();
    s.grid = j.at("grid").get<int>();
    s.range = j.at("range").get<double>();
    if (!parseSplitKey(j.at("split").get<std::string>(), &s.split))
        throw std::invalid_argument("unknown split");
    return s;
}

std::string stepList(const std::vector<std::int64_t>& steps) {
    std::string out;
    for (std::size_t k = 0; k < steps.size() && k < 12; ++k)
        out += (k ? ", " : "") + std::to_string(steps[k]);
    if (steps.size() > 12) out += ", …";
    return out;
}

// Resolves "-1" steps to real snapshots, so the cache key names what was computed.
std::int64_t resolveStep(std::int64_t asked, const std::vector<std::int64_t>& steps, bool first,
                         const std::string& runDir) {
    if (asked < 0) return first ? steps.front() : steps.back();
    if (!std::binary_search(steps.begin(), steps.end(), asked))
        throw std::runtime_error(runDir + ": has no snapshot at step " + std::to_string(asked) +
                                 " (it has " + stepList(steps) + ")");
    return asked;
}

GridSpec fitToPath(const std::vector<PathPoint>& path, int grid) {
    double lo[2] = {0, 0}, hi[2] = {0, 0};
    for (const PathPoint& p : path) {
        lo[0] = std::min(lo[0], p.alpha), hi[0] = std::max(hi[0], p.alpha);
        lo[1] = std::min(lo[1], p.beta), hi[1] = std::max(hi[1], p.beta);
    }
    GridSpec g;
    g.columns = g.rows = grid;
    double* bounds[2][2] = {{&g.alphaMin, &g.alphaMax}, {&g.betaMin, &g.betaMax}};
    for (int k = 0; k < 2; ++k) {
        // A 20% margin, and never thinner than a fifth of the other axis (the second principal
        // direction of a grokking run is often much shorter than the first).
        const double span = std::max({hi[k] - lo[k], 0.2 * (hi[1 - k] - lo[1 - k]), 1e-3});
        const double mid = (hi[k] + lo[k]) / 2, half = span * 0.6;
        *bounds[k][0] = mid - half;
        *bounds[k][1] = mid + half;
    }
    return g;
}

} // namespace

std::string directionKey(DirectionKind k) {
    switch (k) {
    case DirectionKind::Random:
        return "random";
    case DirectionKind::Pca:
        return "pca";
    case DirectionKind::Line:
        return "line";
    }
    return "random";
}

bool parseDirectionKey(const std::string& key, DirectionKind* k) {
    if (key == "random")
        *k = DirectionKind::Random;
    else if (key == "pca")
        *k = DirectionKind::Pca;
    else if (key == "line")
        *k = DirectionKind::Line;
    else
        return false;
    return true;
}

std::string hashKey(const std::string& text) {
    return hex64(fnv1a(text));
}

std::string LandscapeSpec::key() const {
    // Only what decides the values: the random options for random directions, the line's ends
    // for a line; the rest is set to its default so changing it finds the same cache.
    LandscapeSpec s = *this;
    if (s.directions != DirectionKind::Random) s.random = RandomDirectionOptions{};
    if (s.directions != DirectionKind::Line) s.lineFrom = s.lineTo = -1;
    if (s.directions == DirectionKind::Line) s.centreStep = -1;
    return hex64(fnv1a(specJson(s).dump()));
}

std::int64_t landscapePasses(const LandscapeSpec& spec, bool sharpness) {
    const std::int64_t grid = spec.directions == DirectionKind::Line
                                  ? std::int64_t(spec.grid)
                                  : std::int64_t(spec.grid) * spec.grid;
    return grid +
           (sharpness && spec.directions != DirectionKind::Line ? 2 * kSharpnessDirections + 1 : 0);
}

double meanLossRise(LossEvaluator& evaluator, const FlatParams& centre, double radius, int count,
                    std::uint64_t seed, double* centreLoss) {
    const double base = evaluator.evaluate(centre).at(0).loss;
    if (centreLoss) *centreLoss = base;
    FlatParams theta = centre;
    double rise = 0;
    for (int k = 0; k < count; ++k) {
        RandomDirectionOptions o;
        o.seed = seed + std::uint64_t(k);
        const FlatParams d = randomDirection(centre, o);
        for (double sign : {1.0, -1.0}) {
            perturb(centre, d, sign * radius, nullptr, 0, theta);
            const double l = evaluator.evaluate(theta).at(0).loss;
            rise += (std::isfinite(l) ? l : 1e30) - base; // diverged: as the grid records it
        }
    }
    return rise / (2.0 * count);
}

namespace {
// JSON has no NaN or infinity: such values (a diverged run's) are written as null and read
// back as NaN.
json finite(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}
double number(const json& j, const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::nan("") : it->get<double>();
}
double numberAt(const json& j, std::size_t k) {
    return j.at(k).is_null() ? std::nan("") : j.at(k).get<double>();
}
} // namespace

std::string landscapeHeaderJson(const RunLandscape& L) {
    json path = json::array();
    for (const PathPoint& p : L.path)
        path.push_back({{"step", p.step},
                        {"alpha", finite(p.alpha)},
                        {"beta", finite(p.beta)},
                        {"surface_loss", finite(p.surfaceLoss)}});
    const GridSpec& g = L.gridSpec;
    json j = {{"format", "llmlab-landscape"},
              {"version", 1},
              {"key", L.key.empty() ? L.spec.key() : L.key},
              {"run", L.runDir},
              {"spec", specJson(L.spec)},
              {"centre_step", L.centreStep},
              {"memorised_step", L.memorisedStep},
              {"grokked_step", L.grokkedStep},
              {"grid",
               {{"columns", g.columns},
                {"rows", g.rows},
                {"alpha_min", g.alphaMin},
                {"alpha_max", g.alphaMax},
                {"beta_min", g.betaMin},
                {"beta_max", g.betaMax}}},
              {"splits", L.splits},
              {"direction_norms", {finite(L.directionNorms[0]), finite(L.directionNorms[1])}},
              {"explained_variance", {finite(L.explained[0]), finite(L.explained[1])}},
              {"path", path},
              {"sharpness", finite(L.sharpness)},
              {"sharpness_radius", L.sharpnessRadius},
              {"centre_loss", finite(L.centreLoss)},
              {"backend", L.backend},
              {"moved_tensors", L.movedTensors},
              {"moved_parameters", L.movedParameters}};
    return j.dump(2) + "\n";
}

RunLandscape readLandscape(const std::string& csvPath) {
    RunLandscape L;
    L.csvPath = csvPath;
    fs::path jp(csvPath);
    jp.replace_extension(".json");
    if (fs::exists(jp)) {
        L.jsonPath = jp.string();
        std::ifstream in(jp);
        std::stringstream text;
        text << in.rdbuf();
        try {
            const json j = json::parse(text.str());
            if (j.value("format", "") != "llmlab-landscape")
                throw std::invalid_argument("not an llmlab landscape header");
            L.runDir = j.at("run").get<std::string>();
            L.key = j.value("key", "");
            L.spec = specFromJson(j.at("spec"));
            L.centreStep = j.at("centre_step").get<std::int64_t>();
            L.memorisedStep = j.value("memorised_step", std::int64_t(-1));
            L.grokkedStep = j.value("grokked_step", std::int64_t(-1));
            const json& g = j.at("grid");
            L.gridSpec.columns = g.at("columns").get<int>();
            L.gridSpec.rows = g.at("rows").get<int>();
            L.gridSpec.alphaMin = g.at("alpha_min").get<double>();
            L.gridSpec.alphaMax = g.at("alpha_max").get<double>();
            L.gridSpec.betaMin = g.at("beta_min").get<double>();
            L.gridSpec.betaMax = g.at("beta_max").get<double>();
            L.gridSpec.validate();
            L.splits = j.at("splits").get<std::vector<std::string>>();
            for (int k = 0; k < 2; ++k) {
                L.directionNorms[k] = numberAt(j.at("direction_norms"), std::size_t(k));
                L.explained[k] = numberAt(j.at("explained_variance"), std::size_t(k));
            }
            for (const json& p : j.at("path"))
                L.path.push_back({p.at("step").get<std::int64_t>(), number(p, "alpha"),
                                  number(p, "beta"), number(p, "surface_loss")});
            L.sharpness = number(j, "sharpness");
            L.sharpnessRadius = j.value("sharpness_radius", 0.0);
            L.centreLoss = number(j, "centre_loss");
            L.backend = j.value("backend", "");
            L.movedTensors = j.value("moved_tensors", std::vector<std::string>{});
            L.movedParameters = j.value("moved_parameters", std::int64_t(0));
        } catch (const std::exception& e) {
            throw std::runtime_error(L.jsonPath + ": not a readable landscape header (" + e.what() +
                                     ")");
        }
        L.grid = readGridCsv(csvPath, &L.gridSpec);
    } else {
        L.grid = readGridCsv(csvPath);
        L.gridSpec = L.grid.spec;
        L.splits = L.grid.splits;
        L.spec.grid = L.gridSpec.columns;
    }
    L.fromCache = true;
    return L;
}

RunLandscape computeRunLandscape(const std::string& runDir, const LandscapeSpec& asked,
                                 Backend& backend, const LandscapeRunOptions& o) {
    const RunStore store(runDir);
    RunLandscape L;
    L.runDir = runDir;
    L.backend = backend.name();
    const TrainConfig config = store.loadConfig();
    const MetricsLog log = store.loadMetrics();
    L.memorisedStep = log.memorisedStep;
    L.grokkedStep = log.grokkedStep;

    // The snapshots: the run's history, or its checkpoint alone for a run trained before
    // llmlab kept one. Their steps decide the spec and the cache key; their values are read
    // only when the cache cannot answer.
    std::vector<std::int64_t> steps = store.snapshotSteps();
    const bool fromHistory = !steps.empty();
    std::unique_ptr<Checkpoint> checkpoint;
    if (!fromHistory) {
        if (!store.hasCheckpoint())
            throw std::runtime_error(runDir + ": has no checkpoint yet (train it first)");
        checkpoint = std::make_unique<Checkpoint>(store.loadCheckpoint());
        steps = {checkpoint->step};
    }

    LandscapeSpec spec = asked;
    const bool plane = spec.directions != DirectionKind::Line;
    switch (spec.directions) {
    case DirectionKind::Random:
        spec.centreStep = resolveStep(spec.centreStep, steps, false, runDir);
        break;
    case DirectionKind::Pca:
        if (steps.size() < 3)
            throw std::runtime_error(
                runDir + ": PCA directions need at least 3 snapshots of the run, and it has " +
                std::to_string(steps.size()) +
                " (runs trained before llmlab kept a history have only their last checkpoint)");
        spec.centreStep = resolveStep(spec.centreStep, steps, false, runDir);
        break;
    case DirectionKind::Line:
        if (steps.size() < 2)
            throw std::runtime_error(runDir + ": a line between checkpoints needs two snapshots");
        spec.lineFrom = resolveStep(spec.lineFrom, steps, true, runDir);
        spec.lineTo = resolveStep(spec.lineTo, steps, false, runDir);
        if (spec.lineFrom == spec.lineTo)
            throw std::runtime_error(runDir + ": the line's two ends are the same snapshot");
        spec.centreStep = spec.lineFrom;
        break;
    }
    L.spec = spec;
    L.centreStep = spec.centreStep;

    // The key also names the trajectory's end for PCA: a resumed run has other directions.
    std::string key = spec.key();
    if (spec.directions == DirectionKind::Pca)
        key = hex64(fnv1a(key + "/" + std::to_string(steps.back())));
    L.key = key;
    if (o.cache) {
        fs::create_directories(runDir + "/landscapes");
        std::string base = runDir + "/landscapes/" + key;
        if (o.slice.count > 1)
            base += ".slice-" + std::to_string(o.slice.index + 1) + "-of-" +
                    std::to_string(o.slice.count);
        L.csvPath = base + ".csv";
        L.jsonPath = base + ".json";
    }

    const bool wantSharpness = o.sharpness && o.slice.count == 1 && plane;
    if (o.cache && fs::exists(L.jsonPath) && fs::exists(L.csvPath)) {
        try {
            RunLandscape cached = readLandscape(L.csvPath);
            // Complete for this slice of the grid its header describes (the grid this spec
            // gives: the key names everything it depends on).
            std::int64_t expected = 0;
            for (int i = 0; i < cached.gridSpec.rows; ++i)
                if (o.slice.owns(i)) expected += cached.gridSpec.columns;
            if (cached.grid.computedCount() >= expected &&
                (!wantSharpness || cached.sharpnessRadius > 0)) {
                cached.csvPath = L.csvPath;
                cached.jsonPath = L.jsonPath;
                return cached;
            }
        } catch (const std::exception&) {
            // A damaged cache (a hand-edited or torn header) is computed again, not a dead end.
            fs::remove(L.jsonPath);
            fs::remove(L.csvPath);
        }
    }

    std::vector<FlatParams> snapshots;
    if (fromHistory)
        for (std::int64_t st : steps)
            snapshots.push_back(FlatParams::fromToy(store.loadSnapshot(st)));
    else
        snapshots.push_back(FlatParams::fromToy(checkpoint->params));
    auto snapshotAt = [&](std::int64_t step) -> const FlatParams& {
        return snapshots[std::size_t(std::lower_bound(steps.begin(), steps.end(), step) -
                                     steps.begin())];
    };
    const FlatParams& centre = snapshotAt(spec.centreStep);
    FlatParams d1, d2;
    switch (spec.directions) {
    case DirectionKind::Random: {
        RandomDirectionOptions second = spec.random;
        second.seed = spec.random.seed + 1;
        d1 = randomDirection(centre, spec.random);
        d2 = randomDirection(centre, second);
        break;
    }
    case DirectionKind::Pca:
        try {
            PcaDirections pca = pcaDirections(snapshots, snapshots.back());
            d1 = std::move(pca.first);
            d2 = std::move(pca.second);
            L.explained[0] = pca.explained[0];
            L.explained[1] = pca.explained[1];
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error(runDir + ": " + e.what());
        }
        break;
    case DirectionKind::Line:
        d1 = difference(snapshotAt(spec.lineTo), snapshotAt(spec.lineFrom));
        break;
    }
    L.directionNorms[0] = norm(d1);
    L.directionNorms[1] = plane ? norm(d2) : 0.0;
    for (std::size_t k = 0; k < snapshots.size(); ++k) {
        PathPoint p;
        p.step = steps[k];
        projectOnto(snapshots[k], centre, d1, plane ? &d2 : nullptr, &p.alpha, &p.beta);
        L.path.push_back(p);
    }

    if (spec.directions == DirectionKind::Line) {
        L.gridSpec.columns = spec.grid;
        L.gridSpec.rows = 1;
        L.gridSpec.alphaMin = -spec.range / 4;
        L.gridSpec.alphaMax = 1 + spec.range / 4;
        L.gridSpec.betaMin = L.gridSpec.betaMax = 0;
    } else if (spec.directions == DirectionKind::Pca && spec.range <= 0) {
        L.gridSpec = fitToPath(L.path, spec.grid);
    } else {
        if (!(spec.range > 0)) throw std::invalid_argument("the landscape's range must be > 0");
        L.gridSpec = {spec.grid, spec.grid, -spec.range, spec.range, -spec.range, spec.range};
    }
    L.gridSpec.validate();

    ToyLossEvaluator evaluator(config, backend, spec.split);
    L.splits = evaluator.splits();
    GridOptions go;
    go.slice = o.slice;
    go.csvPath = L.csvPath;
    go.cancel = o.cancel;
    const double gridShare =
        wantSharpness ? double(L.gridSpec.points()) / double(landscapePasses(spec, true)) : 1.0;
    if (o.progress)
        go.progress = [&](double f, const std::string& what) { o.progress(f * gridShare, what); };
    if (o.cache) writeFileAtomically(L.jsonPath, landscapeHeaderJson(L)); // says what is coming
    go.computed = &L.passesComputed;
    L.grid = computeGrid(evaluator, centre, d1, plane ? &d2 : nullptr, L.gridSpec, go);
    if (L.grid.complete())
        for (PathPoint& p : L.path) p.surfaceLoss = L.grid.interpolateLoss(p.alpha, p.beta);
    if (wantSharpness) {
        if (o.cancel && o.cancel->cancelled()) throw Cancelled();
        if (o.progress) o.progress(gridShare, "sharpness: loss at radius 0.2 in 8 directions");
        L.sharpnessRadius = kSharpnessRadius;
        L.sharpness = meanLossRise(evaluator, centre, kSharpnessRadius, kSharpnessDirections,
                                   kSharpnessSeed, &L.centreLoss);
        L.passesComputed += 2 * kSharpnessDirections + 1;
    }
    if (o.cache) writeFileAtomically(L.jsonPath, landscapeHeaderJson(L));
    return L;
}

} // namespace llmlab
