#include "RunStore.h"

#include "TextFile.h"
#include "formats/MappedFile.h"
#include "formats/SafetensorsReader.h"
#include "formats/SafetensorsWriter.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace llmlab {

namespace fs = std::filesystem;

namespace {

const char* kMetricsHeader = "step,train_loss,train_acc,val_loss,val_acc,weight_norm,lr,seconds,"
                             "norm_embed,norm_attn,norm_mlp,norm_unembed,norm_norms,"
                             "restricted_loss,excluded_loss,fourier_gini\n";
const char* kComponents[] = {"embed", "attn", "mlp", "unembed", "norms"};

void syncFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

void renameInto(const std::string& tmp, const std::string& path) {
    syncFile(tmp);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw std::runtime_error(path + ": cannot be written (" + ec.message() + ")");
}


std::string metricsLine(const TrainMetrics& m) {
    char buf[512];
    int n =
        std::snprintf(buf, sizeof buf, "%lld,%.9g,%.6g,%.9g,%.6g,%.9g,%.6g,%.3f", (long long)m.step,
                      m.trainLoss, m.trainAcc, m.valLoss, m.valAcc, m.weightNorm, m.lr, m.seconds);
    std::string line(buf, std::size_t(n));
    for (const char* c : kComponents) {
        double v = 0;
        for (const auto& [name, norm] : m.componentNorms)
            if (name == c) v = norm;
        n = std::snprintf(buf, sizeof buf, ",%.9g", v);
        line.append(buf, std::size_t(n));
    }
    // Progress measures: "nan" where the task has none.
    n = std::snprintf(buf, sizeof buf, ",%.9g,%.9g,%.6g", m.restrictedLoss, m.excludedLoss,
                      m.fourierGini);
    line.append(buf, std::size_t(n));
    return line + "\n";
}

bool parseMetricsLine(const std::string& line, TrainMetrics* m) {
    std::vector<double> v;
    std::stringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) {
        char* end = nullptr;
        v.push_back(std::strtod(cell.c_str(), &end));
        if (end == cell.c_str()) return false;
    }
    // 13 columns before the progress measures were logged, 16 since; a torn last line after
    // a crash has neither and is dropped.
    if (v.size() != 13 && v.size() != 16) return false;
    *m = {};
    m->step = std::int64_t(v[0]);
    m->trainLoss = v[1], m->trainAcc = v[2], m->valLoss = v[3], m->valAcc = v[4];
    m->weightNorm = v[5], m->lr = v[6], m->seconds = v[7];
    // A component the model does not have (norms without LayerNorm, a tied unembedding) is
    // written as 0; leaving it out matches what the trainer reports live.
    for (int i = 0; i < 5; ++i)
        if (v[std::size_t(8 + i)] != 0)
            m->componentNorms.emplace_back(kComponents[i], v[std::size_t(8 + i)]);
    if (v.size() == 16) {
        m->restrictedLoss = v[13];
        m->excludedLoss = v[14];
        m->fourierGini = v[15];
    }
    return true;
}

} // namespace

void writeFileAtomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error(path + ": cannot be written");
        out << text;
        if (!out.flush()) throw std::runtime_error(path + ": cannot be written (disk full?)");
    }
    renameInto(tmp, path);
}

void RunStore::create(const TrainConfig& config) const {
    fs::create_directories(m_dir);
    writeFileAtomically(m_dir + "/config.json", configToJson(config));
    writeFileAtomically(m_dir + "/metrics.csv", kMetricsHeader);
}

TrainConfig RunStore::loadConfig() const {
    try {
        return configFromJson(readTextFile(m_dir + "/config.json"));
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(m_dir + "/config.json: " + e.what());
    }
}

void RunStore::appendMetrics(const TrainMetrics& m) const {
    const std::string path = m_dir + "/metrics.csv";
    FILE* f = std::fopen(path.c_str(), "ab");
    if (!f) throw std::runtime_error(path + ": cannot be appended to");
    const std::string line = metricsLine(m);
    const bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
    std::fflush(f);
    ::fsync(fileno(f));
    std::fclose(f);
    if (!ok) throw std::runtime_error(path + ": cannot be appended to (disk full?)");
}

MetricsLog RunStore::loadMetrics() const {
    MetricsLog log;
    std::ifstream in(m_dir + "/metrics.csv");
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        TrainMetrics m;
        if (!parseMetricsLine(line, &m)) continue;
        if (log.memorisedStep < 0 && m.trainAcc >= 0.99) log.memorisedStep = m.step;
        if (log.grokkedStep < 0 && m.valAcc >= 0.99) log.grokkedStep = m.step;
        log.rows.push_back(std::move(m));
    }
    return log;
}

void RunStore::truncateMetrics(std::int64_t step) const {
    std::string text = kMetricsHeader;
    for (const TrainMetrics& m : loadMetrics().rows)
        if (m.step <= step) text += metricsLine(m);
    writeFileAtomically(m_dir + "/metrics.csv", text);
}

std::string RunStore::checkpointPath() const {
    return m_dir + "/checkpoint.safetensors";
}

namespace {

void writeParams(const std::string& path, const char* format, std::int64_t step,
                 const double* seconds, std::initializer_list<const ToyParams*> sets) {
    SafetensorsWriter w;
    w.addMetadata("format", format);
    w.addMetadata("step", std::to_string(step));
    if (seconds) w.addMetadata("seconds", std::to_string(*seconds));
    for (const ToyParams* set : sets)
        for (const auto& [name, values] : set->values)
            w.addTensor(name, DType::F32, set->shapes.at(name), values.data());
    const std::string tmp = path + ".tmp";
    std::string error;
    if (!w.write(tmp, &error)) throw std::runtime_error(error);
    renameInto(tmp, path);
}

// The F32 tensors of a params file, with its "step" metadata.
RawModel readParams(const std::string& path, std::shared_ptr<const MappedFile>* keep) {
    std::string error;
    auto file = MappedFile::open(path, &error);
    if (!file) throw std::runtime_error(error);
    RawModel raw;
    readSafetensors(file, 0, raw);
    const MetaValue* step = raw.metadata.find("safetensors.step");
    if (!step || !step->asString())
        throw std::runtime_error(path + ": not an llmlab checkpoint (no step)");
    for (const TensorInfo& t : raw.tensors)
        if (t.dtype != DType::F32)
            throw std::runtime_error(path + ": tensor '" + t.sourceName + "' is not F32");
    *keep = file;
    return raw;
}

} // namespace

void RunStore::writeCheckpoint(const Checkpoint& c) const {
    writeParams(checkpointPath(), "llmlab-checkpoint", c.step, &c.seconds, {&c.params, &c.state});
}

std::string RunStore::snapshotPath(std::int64_t step) const {
    char name[48];
    std::snprintf(name, sizeof name, "/history/step-%08lld.safetensors", (long long)step);
    return m_dir + name;
}

void RunStore::writeSnapshot(std::int64_t step, const ToyParams& params) const {
    fs::create_directories(m_dir + "/history");
    writeParams(snapshotPath(step), "llmlab-snapshot", step, nullptr, {&params});
}

std::vector<std::int64_t> RunStore::snapshotSteps() const {
    std::vector<std::int64_t> steps;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(m_dir + "/history", ec)) {
        const std::string name = entry.path().filename().string();
        long long step = -1;
        char tail[32] = {};
        if (std::sscanf(name.c_str(), "step-%lld.%31s", &step, tail) == 2 && step >= 0 &&
            std::string(tail) == "safetensors")
            steps.push_back(step);
    }
    std::sort(steps.begin(), steps.end());
    return steps;
}

void RunStore::dropSnapshotsAfter(std::int64_t step) const {
    for (std::int64_t s : snapshotSteps())
        if (s > step) {
            std::error_code ec;
            fs::remove(snapshotPath(s), ec);
        }
}

ToyParams RunStore::loadSnapshot(std::int64_t step) const {
    std::shared_ptr<const MappedFile> file;
    const RawModel raw = readParams(snapshotPath(step), &file);
    ToyParams p;
    for (const TensorInfo& t : raw.tensors) {
        const auto* v = reinterpret_cast<const float*>(file->data() + t.offset);
        p.shapes[t.sourceName] = t.shape;
        p.values[t.sourceName].assign(v, v + t.shape.numel());
    }
    return p;
}

bool RunStore::hasCheckpoint() const {
    return fs::exists(checkpointPath());
}

Checkpoint RunStore::loadCheckpoint() const {
    std::shared_ptr<const MappedFile> file;
    const RawModel raw = readParams(checkpointPath(), &file);
    Checkpoint c;
    const MetaValue* step = raw.metadata.find("safetensors.step");
    const MetaValue* seconds = raw.metadata.find("safetensors.seconds");
    c.step = std::stoll(*step->asString());
    c.seconds = seconds && seconds->asString() ? std::stod(*seconds->asString()) : 0.0;
    for (const TensorInfo& t : raw.tensors) {
        const auto* p = reinterpret_cast<const float*>(file->data() + t.offset);
        ToyParams& set =
            t.sourceName.find('.') != std::string::npos &&
                    (t.sourceName.rfind("adam_", 0) == 0 || t.sourceName.rfind("grokfast.", 0) == 0)
                ? c.state
                : c.params;
        set.shapes[t.sourceName] = t.shape;
        set.values[t.sourceName].assign(p, p + t.shape.numel());
    }
    return c;
}

std::string RunStore::defaultRunsRoot() {
    if (const char* dir = std::getenv("LLMLAB_RUNS_DIR")) return dir;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.local/share/llmlab/runs";
}

std::vector<RunInfo> RunStore::listRuns(const std::string& root) {
    std::vector<RunInfo> runs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        if (!entry.is_directory() || !fs::exists(entry.path() / "config.json")) continue;
        try {
            RunStore store(entry.path().string());
            RunInfo info;
            info.dir = store.dir();
            info.config = store.loadConfig();
            info.metrics = store.loadMetrics();
            info.lastStep = info.metrics.rows.empty() ? 0 : info.metrics.rows.back().step;
            runs.push_back(std::move(info));
        } catch (const std::exception&) {
            continue; // a broken folder is not a run
        }
    }
    std::sort(runs.begin(), runs.end(),
              [](const RunInfo& a, const RunInfo& b) { return a.dir < b.dir; });
    return runs;
}

} // namespace llmlab
