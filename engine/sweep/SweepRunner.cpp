#include "SweepRunner.h"

#include "BackendFactory.h"
#include "cpu/CpuBackend.h"
#include "lm/LmRun.h"
#include "lm/LmTokenizer.h"
#include "sweep/Phases.h"
#include "train/RunStore.h"
#include "train/TrainingRun.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace llmlab {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string number(double v) {
    if (std::isnan(v)) return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string csvCell(std::string s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::unique_ptr<Backend> makeRunBackend(const SweepOptions& options) {
    if (options.backend == "cpu") return std::make_unique<CpuBackend>(options.threadsPerRun);
    std::string error;
    auto b = createBackend(options.backend, &error);
    if (!b) throw std::runtime_error(error);
    return b;
}

// Trains one grokking run to its last step and returns its result figures.
json grokkingRun(const SweepRun& run, const std::string& dir, Backend& backend,
                 const SweepOptions& options, const CancelToken* cancel, bool* stopped) {
    const TrainConfig config = configFromJson(run.configJson);
    TrainingOptions t;
    t.runDir = dir;
    t.onMetrics = [&](const TrainMetrics& m) {
        if (options.onMetrics) options.onMetrics(run.index, m);
    };
    const TrainingSummary s = runTraining(config, backend, t, cancel);
    *stopped = s.cancelled;
    const MetricsLog log = RunStore(dir).loadMetrics();
    double bestAcc = 0, bestLoss = INFINITY;
    for (const TrainMetrics& m : log.rows) {
        bestAcc = std::max(bestAcc, m.valAcc);
        bestLoss = std::min(bestLoss, m.valLoss);
    }
    const TrainMetrics last = log.rows.empty() ? TrainMetrics{} : log.rows.back();
    const TaskData task = makeTask(config.task);
    const int batch = config.optim.batchSize > 0
                          ? std::min<int>(config.optim.batchSize, int(task.train.size()))
                          : int(task.train.size());
    const double params = double(s.params.count());
    const double tokens = double(s.steps) * batch * config.model.seqLen;
    const PhaseResult phase = classifyPhase(log.rows);
    json r;
    r["values"] = {{"steps", s.steps},
                   {"train_loss", last.trainLoss},
                   {"train_acc", last.trainAcc},
                   {"val_loss", last.valLoss},
                   {"val_acc", last.valAcc},
                   {"best_val_acc", bestAcc},
                   {"best_val_loss", bestLoss},
                   {"memorised_step", log.memorisedStep},
                   {"grokked_step", log.grokkedStep},
                   {"params", params},
                   {"tokens", tokens},
                   {"flops", 6.0 * params * tokens},
                   {"wall_s", s.seconds}};
    r["phase"] = phaseName(phase.phase);
    return r;
}

json lmRun(const SweepRun& run, const SweepSpec& spec, const std::string& dir, Backend& backend,
           const SweepOptions& options, const CancelToken* cancel, bool* stopped) {
    const LmTrainConfig config = lmConfigFromJson(run.configJson);
    LmRunOptions o;
    o.runDir = dir;
    o.evalEvery = spec.evalEvery;
    o.evalBatches = spec.evalBatches;
    o.onMetrics = [&](const TrainMetrics& m) {
        if (options.onMetrics) options.onMetrics(run.index, m);
    };
    const LmRunSummary s = runLmTraining(config, backend, o, cancel);
    *stopped = s.cancelled;
    LmConfig m = config.model;
    m.vocab = lmTokenizer(config.tokenizer, config.bpeVocab, config.textPath).vocabSize();
    const double n = double(lmNonEmbeddingParams(config));
    const double tokens = double(s.steps) * config.batch * config.seqLen;
    json r;
    r["values"] = {{"steps", s.steps},
                   {"params", n},
                   {"params_total", double(m.parameterCount())},
                   {"tokens", tokens},
                   {"flops", 6.0 * n * tokens},
                   {"train_loss", s.last.trainLoss},
                   {"val_loss", s.last.valLoss},
                   {"val_acc", s.last.valAcc},
                   {"best_val_loss", s.bestValLoss},
                   {"best_step", s.bestStep},
                   {"wall_s", s.seconds}};
    return r;
}

} // namespace

std::string sweepRunDir(const std::string& dir, const SweepRun& run) {
    return dir + "/" + run.folderName();
}

std::vector<std::string> sweepMetricColumns(SweepKind kind) {
    switch (kind) {
    case SweepKind::Grokking:
        return {"steps",         "train_loss",     "train_acc",   "val_loss", "val_acc",
                "best_val_acc",  "best_val_loss",  "memorised_step", "grokked_step", "phase",
                "params",        "tokens",         "flops",       "wall_s"};
    case SweepKind::Lm:
        return {"steps",    "params",   "params_total",  "tokens",    "flops", "train_loss",
                "val_loss", "val_acc",  "best_val_loss", "best_step", "wall_s"};
    case SweepKind::RandomFeatures:
        return {"train_error", "test_error", "weight_norm"};
    }
    return {};
}

void prepareSweepFolder(const SweepSpec& spec, const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error(dir + ": cannot be created (" + ec.message() + ")");
    const std::string path = dir + "/sweep.json";
    if (fs::exists(path)) {
        // The same runs in the same order: a folder resumes only the sweep that made it.
        const SweepSpec held = parseSweepSpec(readText(path), path);
        bool same = held.kind == spec.kind && held.runs.size() == spec.runs.size();
        for (std::size_t i = 0; same && i < spec.runs.size(); ++i)
            same = held.runs[i].configJson == spec.runs[i].configJson;
        if (!same || (spec.kind == SweepKind::RandomFeatures && held.text != spec.text))
            throw std::invalid_argument(dir + " holds another sweep (" + held.name +
                                        "); choose an empty folder or resume that one");
        return;
    }
    writeFileAtomically(path, spec.text);
}

SweepOutcome runSweep(const SweepSpec& spec, const std::string& dir, const SweepOptions& options,
                      const CancelToken* cancel) {
    SweepOutcome outcome;
    if (spec.kind == SweepKind::RandomFeatures) {
        runFeaturesSweep(spec, dir, cancel);
        outcome.done = 1;
        return outcome;
    }
    prepareSweepFolder(spec, dir);
    std::vector<int> todo;
    if (options.only.empty())
        for (const SweepRun& r : spec.runs) todo.push_back(r.index);
    else
        for (int i : options.only) {
            if (i < 0 || i >= int(spec.runs.size()))
                throw std::invalid_argument("run index " + std::to_string(i) +
                                            " is outside the sweep (0.." +
                                            std::to_string(spec.runs.size() - 1) + ")");
            todo.push_back(i);
        }

    std::atomic<std::size_t> next{0};
    std::mutex lock;
    auto report = [&](const SweepRunState& s) {
        if (options.onRunState) options.onRunState(s);
    };
    auto worker = [&] {
        std::unique_ptr<Backend> backend;
        for (;;) {
            const std::size_t slot = next.fetch_add(1);
            if (slot >= todo.size()) return;
            const SweepRun& run = spec.runs[std::size_t(todo[slot])];
            const std::string runDir = sweepRunDir(dir, run);
            SweepRunState state;
            state.index = run.index;
            const json previous = json::parse(readText(runDir + "/result.json"), nullptr, false);
            if (previous.is_object() && previous.value("status", "") == "done") {
                state.state = SweepRunState::State::Done;
                std::lock_guard<std::mutex> g(lock);
                ++outcome.done;
                report(state);
                continue;
            }
            if (cancel && cancel->cancelled()) {
                std::lock_guard<std::mutex> g(lock);
                outcome.cancelled = true;
                return;
            }
            state.state = SweepRunState::State::Running;
            report(state);
            json result;
            bool stopped = false;
            try {
                if (!backend) backend = makeRunBackend(options);
                result = spec.kind == SweepKind::Grokking
                             ? grokkingRun(run, runDir, *backend, options, cancel, &stopped)
                             : lmRun(run, spec, runDir, *backend, options, cancel, &stopped);
                result["status"] = "done";
            } catch (const std::exception& e) {
                result = json::object();
                result["status"] = "failed";
                result["error"] = e.what();
            }
            result["index"] = run.index;
            result["label"] = run.label;
            std::lock_guard<std::mutex> g(lock);
            if (stopped) {
                // Its checkpoint is on disk; the next call goes on from there.
                ++outcome.stopped;
                outcome.cancelled = true;
                state.state = SweepRunState::State::Stopped;
            } else {
                try {
                    fs::create_directories(runDir);
                    writeFileAtomically(runDir + "/result.json", result.dump(2));
                } catch (const std::exception& e) {
                    result["status"] = "failed";
                    result["error"] = e.what();
                }
                if (result["status"] == "done") {
                    ++outcome.done;
                    state.state = SweepRunState::State::Done;
                } else {
                    ++outcome.failed;
                    state.error = result.value("error", "");
                    outcome.errors.push_back("run " + std::to_string(run.index) + " (" +
                                             run.label + "): " + state.error);
                    state.state = SweepRunState::State::Failed;
                }
            }
            report(state);
        }
    };
    const int jobs = std::max(1, std::min<int>(options.jobs, int(todo.size())));
    std::vector<std::thread> threads;
    for (int i = 1; i < jobs; ++i) threads.emplace_back(worker);
    worker();
    for (std::thread& t : threads) t.join();
    if (options.writeResults) writeSweepResults(spec, dir);
    return outcome;
}

std::vector<SweepResult> readSweepResults(const SweepSpec& spec, const std::string& dir) {
    std::vector<SweepResult> out;
    for (const SweepRun& run : spec.runs) {
        SweepResult r;
        r.index = run.index;
        r.label = run.label;
        r.status = "pending";
        for (const auto& [axis, text] : run.values) {
            const json v = json::parse(text, nullptr, false);
            if (v.is_number()) r.values[axis] = v.get<double>();
        }
        const json j = json::parse(readText(sweepRunDir(dir, run) + "/result.json"), nullptr,
                                   false);
        if (j.is_object()) {
            r.status = j.value("status", "pending");
            r.error = j.value("error", "");
            r.phase = j.value("phase", "");
            if (j.contains("values"))
                for (auto it = j.at("values").begin(); it != j.at("values").end(); ++it)
                    if (it->is_number()) r.values[it.key()] = it->get<double>();
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::string writeSweepResults(const SweepSpec& spec, const std::string& dir) {
    if (spec.kind == SweepKind::RandomFeatures) return dir + "/results.csv";
    const std::vector<std::string> metrics = sweepMetricColumns(spec.kind);
    std::string csv = "index,label,status";
    for (const std::string& a : spec.axes) csv += "," + csvCell(a);
    for (const std::string& m : metrics) csv += "," + m;
    csv += ",error\n";
    const std::vector<SweepResult> results = readSweepResults(spec, dir);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const SweepResult& r = results[i];
        const SweepRun& run = spec.runs[i];
        csv += std::to_string(r.index) + "," + csvCell(r.label) + "," + r.status;
        for (const std::string& a : spec.axes) {
            std::string cell;
            for (const auto& [axis, text] : run.values)
                if (axis == a) {
                    const json v = json::parse(text, nullptr, false);
                    cell = v.is_string() ? v.get<std::string>()
                           : v.is_number() ? number(v.get<double>())
                                           : text;
                }
            csv += "," + csvCell(cell);
        }
        for (const std::string& m : metrics) {
            csv += ",";
            if (m == "phase") {
                csv += r.phase;
                continue;
            }
            const auto it = r.values.find(m);
            if (r.status == "done" && it != r.values.end()) csv += number(it->second);
        }
        csv += "," + csvCell(r.error) + "\n";
    }
    const std::string path = dir + "/results.csv";
    writeFileAtomically(path, csv);
    return path;
}

std::string runFeaturesSweep(const SweepSpec& spec, const std::string& dir,
                             const CancelToken* cancel) {
    prepareSweepFolder(spec, dir);
    (void)cancel; // one computation of a few seconds
    const std::vector<RandomFeaturesPoint> curve = randomFeaturesCurve(spec.features);
    std::string csv = "ridge,features,train_error,test_error,weight_norm\n";
    for (const RandomFeaturesPoint& p : curve)
        csv += number(p.ridge) + "," + std::to_string(p.features) + "," + number(p.trainError) +
               "," + number(p.testError) + "," + number(p.weightNorm) + "\n";
    const std::string path = dir + "/results.csv";
    writeFileAtomically(path, csv);
    return path;
}

} // namespace llmlab
