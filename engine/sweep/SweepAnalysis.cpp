#include "SweepAnalysis.h"

#include "train/RunStore.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace llmlab {

using nlohmann::json;

namespace {

double valueOf(const SweepResult& r, const char* key) {
    const auto it = r.values.find(key);
    return it == r.values.end() ? NAN : it->second;
}

// Budgets that agree within 5% are one budget (the steps of a run are rounded).
bool sameBudget(double a, double b) {
    return std::abs(a - b) <= 0.05 * std::max(a, b);
}

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string intervalText(const Interval& i) {
    if (!i.finite()) return "no interval";
    return "95% [" + fmt("%.3f", i.lo) + ", " + fmt("%.3f", i.hi) + "]";
}

json intervalJson(const Interval& i) {
    if (!i.finite()) return nullptr;
    return json::array({i.lo, i.hi});
}

json powerJson(const PowerLawFit& f, const Interval& gamma) {
    if (!f.ok) return {{"error", f.error}};
    return {{"a", f.a}, {"gamma", f.gamma}, {"b", f.b}, {"rms_log", f.rmsLog},
            {"gamma_95", intervalJson(gamma)}};
}

} // namespace

ScalingAnalysis analyseScaling(const std::vector<SweepResult>& results) {
    ScalingAnalysis a;
    for (const SweepResult& r : results) {
        if (r.status != "done") continue;
        ScalingPoint p{valueOf(r, "params"), valueOf(r, "tokens"), valueOf(r, "flops"),
                       valueOf(r, "val_loss")};
        if (!(p.params > 0 && p.tokens > 0 && p.compute > 0 && p.loss > 0)) continue;
        a.points.push_back(p);
        a.runIndex.push_back(r.index);
    }
    // Frontiers: the best loss at each budget, and of each size.
    for (const ScalingPoint& p : a.points) {
        auto c = std::find_if(a.computeFrontier.begin(), a.computeFrontier.end(),
                              [&](const ScalingPoint& q) { return sameBudget(q.compute, p.compute); });
        if (c == a.computeFrontier.end())
            a.computeFrontier.push_back(p);
        else if (p.loss < c->loss)
            *c = p;
        auto n = std::find_if(a.sizeFrontier.begin(), a.sizeFrontier.end(),
                              [&](const ScalingPoint& q) { return q.params == p.params; });
        if (n == a.sizeFrontier.end())
            a.sizeFrontier.push_back(p);
        else if (p.loss < n->loss)
            *n = p;
    }
    auto byCompute = [](const ScalingPoint& x, const ScalingPoint& y) { return x.compute < y.compute; };
    auto byParams = [](const ScalingPoint& x, const ScalingPoint& y) { return x.params < y.params; };
    std::sort(a.computeFrontier.begin(), a.computeFrontier.end(), byCompute);
    std::sort(a.sizeFrontier.begin(), a.sizeFrontier.end(), byParams);
    std::vector<double> x, y;
    for (const ScalingPoint& p : a.computeFrontier) x.push_back(p.compute), y.push_back(p.loss);
    a.lossVsCompute = fitPowerLaw(x, y, true);
    if (a.lossVsCompute.ok) a.lossVsComputeGamma = bootstrapGamma(x, y, true);
    x.clear(), y.clear();
    for (const ScalingPoint& p : a.sizeFrontier) x.push_back(p.params), y.push_back(p.loss);
    a.lossVsParams = fitPowerLaw(x, y, true);
    if (a.lossVsParams.ok) a.lossVsParamsGamma = bootstrapGamma(x, y, true);
    a.optimal = fitComputeOptimal(a.points);
    a.chinchilla = fitChinchilla(a.points);
    return a;
}

std::vector<PhaseCell> classifySweepRuns(const SweepSpec& spec, const std::string& dir,
                                         const PhaseThresholds& thresholds) {
    std::vector<PhaseCell> cells;
    if (spec.kind != SweepKind::Grokking) return cells;
    std::ifstream probe;
    for (const SweepRun& run : spec.runs) {
        PhaseCell c;
        c.index = run.index;
        c.label = run.label;
        const std::string runDir = sweepRunDir(dir, run);
        const MetricsLog log = RunStore(runDir).loadMetrics();
        c.phase = classifyPhase(log.rows, thresholds);
        std::ifstream done(runDir + "/result.json");
        c.finished = bool(done);
        cells.push_back(std::move(c));
    }
    return cells;
}

std::vector<RandomFeaturesPoint> readFeaturesResults(const std::string& dir) {
    std::vector<RandomFeaturesPoint> out;
    std::ifstream in(dir + "/results.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        RandomFeaturesPoint p;
        double features = 0;
        if (std::sscanf(line.c_str(), "%lf,%lf,%lf,%lf,%lf", &p.ridge, &features, &p.trainError,
                        &p.testError, &p.weightNorm) == 5) {
            p.features = int(features);
            out.push_back(p);
        }
    }
    return out;
}

std::string sweepAnalysisJson(const SweepSpec& spec, const std::string& dir,
                              const std::vector<SweepResult>& results) {
    json j;
    j["sweep"] = spec.name;
    j["kind"] = sweepKindKey(spec.kind);
    if (spec.kind == SweepKind::Lm) {
        const ScalingAnalysis a = analyseScaling(results);
        j["points"] = a.points.size();
        j["loss_vs_compute"] = powerJson(a.lossVsCompute, a.lossVsComputeGamma);
        j["loss_vs_params"] = powerJson(a.lossVsParams, a.lossVsParamsGamma);
        json profiles = json::array();
        for (const IsoFlopProfile& p : a.optimal.profiles)
            profiles.push_back({{"compute", p.compute}, {"n_opt", p.nOpt},
                                {"loss_opt", p.lossOpt}, {"from_parabola", p.fromParabola}});
        j["isoflop"] = profiles;
        if (a.optimal.ok)
            j["compute_optimal"] = {{"n_exponent", a.optimal.nExponent},
                                    {"n_exponent_95", intervalJson(a.optimal.nExponentCI)},
                                    {"d_exponent", a.optimal.dExponent},
                                    {"d_exponent_95", intervalJson(a.optimal.dExponentCI)}};
        else
            j["compute_optimal"] = {{"error", a.optimal.error}};
        if (a.chinchilla.ok)
            j["chinchilla"] = {{"E", a.chinchilla.E},         {"A", a.chinchilla.A},
                               {"B", a.chinchilla.B},         {"alpha", a.chinchilla.alpha},
                               {"beta", a.chinchilla.beta},
                               {"n_opt_exponent", a.chinchilla.nOptExponent()}};
        else
            j["chinchilla"] = {{"error", a.chinchilla.error}};
    } else if (spec.kind == SweepKind::Grokking) {
        json runs = json::array();
        std::map<std::string, int> counts;
        for (const PhaseCell& c : classifySweepRuns(spec, dir)) {
            runs.push_back({{"index", c.index},
                            {"label", c.label},
                            {"phase", phaseName(c.phase.phase)},
                            {"train_step", c.phase.trainStep},
                            {"val_step", c.phase.valStep}});
            ++counts[phaseName(c.phase.phase)];
        }
        j["runs"] = runs;
        j["phases"] = counts;
    } else {
        const std::vector<RandomFeaturesPoint> curve = readFeaturesResults(dir);
        json peaks = json::object();
        for (double ridge : spec.features.ridges)
            peaks[fmt("%g", ridge)] = doubleDescentPeak(curve, ridge);
        j["samples"] = spec.features.samples;
        j["peak_features"] = peaks;
    }
    return j.dump(2);
}

std::string sweepAnalysisText(const SweepSpec& spec, const std::string& dir,
                              const std::vector<SweepResult>& results) {
    std::ostringstream out;
    if (spec.kind == SweepKind::Lm) {
        const ScalingAnalysis a = analyseScaling(results);
        out << "# " << a.points.size() << " finished runs\n";
        auto law = [&](const char* what, const char* x, const PowerLawFit& f, const Interval& g) {
            out << "# " << what << ": ";
            if (!f.ok) {
                out << f.error << "\n";
                return;
            }
            out << "L = " << fmt("%.4g", f.a) << " " << x << "^-" << fmt("%.3f", f.gamma)
                << " + " << fmt("%.3f", f.b) << "  (gamma " << intervalText(g) << ")\n";
        };
        law("loss vs compute", "C", a.lossVsCompute, a.lossVsComputeGamma);
        law("loss vs params", "N", a.lossVsParams, a.lossVsParamsGamma);
        for (const IsoFlopProfile& p : a.optimal.profiles)
            out << "# IsoFLOP C=" << fmt("%.3g", p.compute) << ": N_opt " << fmt("%.4g", p.nOpt)
                << " (loss " << fmt("%.4f", p.lossOpt) << (p.fromParabola ? ", parabola" : ", best run")
                << ")\n";
        if (a.optimal.ok)
            out << "# N_opt ~ C^" << fmt("%.3f", a.optimal.nExponent) << " ("
                << intervalText(a.optimal.nExponentCI) << "), D_opt ~ C^"
                << fmt("%.3f", a.optimal.dExponent) << " (" << intervalText(a.optimal.dExponentCI)
                << "); Chinchilla found ~0.5 for both\n";
        else
            out << "# compute-optimal: " << a.optimal.error << "\n";
        if (a.chinchilla.ok)
            out << "# L(N, D) = " << fmt("%.3f", a.chinchilla.E) << " + "
                << fmt("%.4g", a.chinchilla.A) << "/N^" << fmt("%.3f", a.chinchilla.alpha) << " + "
                << fmt("%.4g", a.chinchilla.B) << "/D^" << fmt("%.3f", a.chinchilla.beta)
                << "  (N_opt ~ C^" << fmt("%.3f", a.chinchilla.nOptExponent()) << ")\n";
        else
            out << "# Chinchilla fit: " << a.chinchilla.error << "\n";
    } else if (spec.kind == SweepKind::Grokking) {
        std::map<std::string, int> counts;
        for (const PhaseCell& c : classifySweepRuns(spec, dir)) {
            out << "# " << c.label << ": " << phaseName(c.phase.phase) << " (" << c.phase.reason
                << ")\n";
            ++counts[phaseName(c.phase.phase)];
        }
        out << "# phases:";
        for (const auto& [name, n] : counts) out << " " << name << " " << n;
        out << "\n";
    } else {
        const std::vector<RandomFeaturesPoint> curve = readFeaturesResults(dir);
        for (double ridge : spec.features.ridges)
            out << "# ridge " << fmt("%g", ridge) << ": test error peaks at "
                << doubleDescentPeak(curve, ridge) << " features (" << spec.features.samples
                << " training samples)\n";
    }
    return out.str();
}

} // namespace llmlab
