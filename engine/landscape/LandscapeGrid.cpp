#include "LandscapeGrid.h"

#include "train/RunStore.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace llmlab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string header(const std::vector<std::string>& splits) {
    std::string h = "i,j,alpha,beta";
    for (const std::string& s : splits) h += "," + s + "_loss," + s + "_acc";
    return h + "\n";
}

std::string pointLine(const LandscapeGrid& g, int i, int j) {
    char buf[96];
    int n =
        std::snprintf(buf, sizeof buf, "%d,%d,%.9g,%.9g", i, j, g.spec.alpha(j), g.spec.beta(i));
    std::string line(buf, std::size_t(n));
    const std::size_t k = std::size_t(i) * std::size_t(g.spec.columns) + std::size_t(j);
    for (std::size_t s = 0; s < g.splits.size(); ++s) {
        n = std::snprintf(buf, sizeof buf, ",%.9g,%.6g", g.loss[s][k], g.accuracy[s][k]);
        line.append(buf, std::size_t(n));
    }
    return line + "\n";
}

std::vector<std::string> splitCells(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back(); // a file that went through Windows
    std::vector<std::string> cells;
    std::stringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) cells.push_back(cell);
    return cells;
}

bool parseDouble(const std::string& s, double* v) {
    char* end = nullptr;
    *v = std::strtod(s.c_str(), &end);
    return end != s.c_str() && *end == '\0';
}

std::string formatSeconds(double s) {
    char buf[32];
    if (s < 90)
        std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 5400)
        std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
}

} // namespace

double GridSpec::alpha(int j) const {
    return columns > 1 ? alphaMin + (alphaMax - alphaMin) * double(j) / double(columns - 1)
                       : alphaMin;
}

double GridSpec::beta(int i) const {
    return rows > 1 ? betaMin + (betaMax - betaMin) * double(i) / double(rows - 1) : betaMin;
}

void GridSpec::validate() const {
    if (columns < 2 || rows < 1 || columns > 201 || rows > 201)
        throw std::invalid_argument("a landscape grid takes 2 to 201 points a side (asked: " +
                                    std::to_string(columns) + " × " + std::to_string(rows) + ")");
    if (!(alphaMax > alphaMin) || (rows > 1 && !(betaMax > betaMin)))
        throw std::invalid_argument("the landscape's range is empty or inverted");
}

LandscapeGrid LandscapeGrid::empty(const GridSpec& spec, std::vector<std::string> splits) {
    LandscapeGrid g;
    g.spec = spec;
    g.splits = std::move(splits);
    g.loss.assign(g.splits.size(), std::vector<double>(std::size_t(spec.points()), kNaN));
    g.accuracy = g.loss;
    return g;
}

bool LandscapeGrid::has(int i, int j) const {
    return !loss.empty() && !std::isnan(loss[0][std::size_t(i * spec.columns + j)]);
}

std::int64_t LandscapeGrid::computedCount() const {
    if (loss.empty()) return 0;
    return std::int64_t(
        std::count_if(loss[0].begin(), loss[0].end(), [](double v) { return !std::isnan(v); }));
}

double LandscapeGrid::lossAt(int i, int j, std::size_t split) const {
    return loss.at(split)[std::size_t(i * spec.columns + j)];
}

double LandscapeGrid::interpolateLoss(double alpha, double beta, std::size_t split) const {
    // A diverged snapshot projects to NaN coordinates: it has no place on the surface.
    if (!std::isfinite(alpha) || !std::isfinite(beta) || loss.empty()) return kNaN;
    auto cell = [](double v, double lo, double hi, int n, int* k, double* f) {
        const double t = n > 1 ? (v - lo) / (hi - lo) * double(n - 1) : 0.0;
        const double c = std::clamp(t, 0.0, double(std::max(0, n - 1)));
        *k = std::min(int(c), std::max(0, n - 2));
        *f = n > 1 ? c - *k : 0.0;
    };
    int j = 0, i = 0;
    double fx = 0, fy = 0;
    cell(alpha, spec.alphaMin, spec.alphaMax, spec.columns, &j, &fx);
    cell(beta, spec.betaMin, spec.betaMax, spec.rows, &i, &fy);
    const int j1 = std::min(j + 1, spec.columns - 1), i1 = std::min(i + 1, spec.rows - 1);
    const double a = lossAt(i, j, split), b = lossAt(i, j1, split);
    const double c = lossAt(i1, j, split), d = lossAt(i1, j1, split);
    return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
}

void LandscapeGrid::lossRange(double* lo, double* hi, std::size_t split) const {
    *lo = std::numeric_limits<double>::infinity();
    *hi = -*lo;
    for (double v : loss.at(split))
        if (std::isfinite(v)) *lo = std::min(*lo, v), *hi = std::max(*hi, v);
    if (*lo > *hi) *lo = *hi = 0;
}

GridSlice GridSlice::parse(const std::string& text) {
    const auto slash = text.find('/');
    GridSlice s;
    try {
        if (slash == std::string::npos) throw std::invalid_argument("");
        std::size_t used = 0;
        const int k = std::stoi(text.substr(0, slash), &used);
        if (used != slash) throw std::invalid_argument("");
        const int n = std::stoi(text.substr(slash + 1), &used);
        if (used != text.size() - slash - 1 || n < 1 || k < 1 || k > n)
            throw std::invalid_argument("");
        s.index = k - 1;
        s.count = n;
    } catch (const std::exception&) {
        throw std::invalid_argument("--slice takes K/N with 1 <= K <= N (got '" + text + "')");
    }
    return s;
}

std::string gridToCsv(const LandscapeGrid& g) {
    std::string text = header(g.splits);
    for (int i = 0; i < g.spec.rows; ++i)
        for (int j = 0; j < g.spec.columns; ++j)
            if (g.has(i, j)) text += pointLine(g, i, j);
    return text;
}

void writeGridCsv(const std::string& path, const LandscapeGrid& g) {
    writeFileAtomically(path, gridToCsv(g));
}

LandscapeGrid readGridCsv(const std::string& path, const GridSpec* spec) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    std::string line;
    if (!std::getline(in, line)) throw std::runtime_error(path + ": empty, not a landscape CSV");
    const std::vector<std::string> head = splitCells(line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (head.size() < 6 || head[0] != "i" || head[1] != "j" || head[2] != "alpha" ||
        head[3] != "beta" || (head.size() - 4) % 2 != 0)
        throw std::runtime_error(path + ": not a landscape CSV (its header is '" + line + "')");
    std::vector<std::string> splits;
    for (std::size_t c = 4; c < head.size(); c += 2) {
        const std::string& name = head[c];
        if (name.size() < 6 || name.substr(name.size() - 5) != "_loss")
            throw std::runtime_error(path + ": column '" + name + "' is not a <split>_loss column");
        splits.push_back(name.substr(0, name.size() - 5));
        if (head[c + 1] != splits.back() + "_acc")
            throw std::runtime_error(path + ": column '" + head[c + 1] + "' should be '" +
                                     splits.back() + "_acc'");
    }
    struct Row {
        int i, j;
        double alpha, beta;
        std::vector<double> v;
    };
    std::vector<Row> rows;
    int maxI = -1, maxJ = -1;
    while (std::getline(in, line)) {
        const std::vector<std::string> cells = splitCells(line);
        if (cells.size() != head.size()) continue; // a torn line after a kill
        Row r{};
        double d = 0;
        bool ok = parseDouble(cells[0], &d) && d >= 0 && d <= 200 && d == std::floor(d);
        r.i = int(d);
        ok = ok && parseDouble(cells[1], &d) && d >= 0 && d <= 200 && d == std::floor(d);
        r.j = int(d);
        ok = ok && parseDouble(cells[2], &r.alpha) && parseDouble(cells[3], &r.beta);
        for (std::size_t c = 4; ok && c < cells.size(); ++c) {
            ok = parseDouble(cells[c], &d);
            r.v.push_back(d);
        }
        if (!ok) continue;
        maxI = std::max(maxI, r.i);
        maxJ = std::max(maxJ, r.j);
        rows.push_back(std::move(r));
    }
    GridSpec s;
    if (spec) {
        s = *spec;
    } else {
        if (rows.empty()) throw std::runtime_error(path + ": holds no landscape points");
        // Without a header beside it, the grid is the smallest one holding every point.
        s.columns = maxJ + 1;
        s.rows = maxI + 1;
        s.alphaMin = s.betaMin = std::numeric_limits<double>::infinity();
        s.alphaMax = s.betaMax = -s.alphaMin;
        for (const Row& r : rows) {
            s.alphaMin = std::min(s.alphaMin, r.alpha), s.alphaMax = std::max(s.alphaMax, r.alpha);
            s.betaMin = std::min(s.betaMin, r.beta), s.betaMax = std::max(s.betaMax, r.beta);
        }
        if (s.rows == 1) s.betaMin = s.betaMax = 0;
    }
    LandscapeGrid g = LandscapeGrid::empty(s, splits);
    for (const Row& r : rows) {
        if (r.i >= s.rows || r.j >= s.columns)
            throw std::runtime_error(path + ": point (" + std::to_string(r.i) + ", " +
                                     std::to_string(r.j) + ") lies outside its " +
                                     std::to_string(s.columns) + " × " + std::to_string(s.rows) +
                                     " grid");
        const std::size_t k = std::size_t(r.i * s.columns + r.j);
        for (std::size_t sp = 0; sp < splits.size(); ++sp) {
            g.loss[sp][k] = r.v[2 * sp];
            g.accuracy[sp][k] = r.v[2 * sp + 1];
        }
    }
    return g;
}

LandscapeGrid mergeGrids(const std::vector<LandscapeGrid>& slices) {
    if (slices.empty()) throw std::invalid_argument("nothing to merge");
    const LandscapeGrid& first = slices.front();
    LandscapeGrid out = LandscapeGrid::empty(first.spec, first.splits);
    for (const LandscapeGrid& s : slices) {
        if (s.splits != first.splits || s.spec.columns != first.spec.columns ||
            s.spec.rows != first.spec.rows)
            throw std::invalid_argument("the slices belong to different landscapes (their grids "
                                        "or columns differ)");
        for (std::size_t sp = 0; sp < s.splits.size(); ++sp)
            for (std::size_t k = 0; k < s.loss[sp].size(); ++k)
                if (!std::isnan(s.loss[sp][k])) {
                    out.loss[sp][k] = s.loss[sp][k];
                    out.accuracy[sp][k] = s.accuracy[sp][k];
                }
    }
    return out;
}

LandscapeGrid computeGrid(LossEvaluator& evaluator, const FlatParams& centre, const FlatParams& d1,
                          const FlatParams* d2, const GridSpec& spec, const GridOptions& o) {
    spec.validate();
    if (!d2 && spec.rows != 1) throw std::invalid_argument("a line landscape has one row");
    const std::vector<std::string> splits = evaluator.splits();
    LandscapeGrid grid = LandscapeGrid::empty(spec, splits);
    FILE* out = nullptr;
    if (!o.csvPath.empty()) {
        std::error_code ec;
        // A file that holds nothing (killed while it was being made) is started afresh.
        if (std::filesystem::exists(o.csvPath, ec) &&
            std::filesystem::file_size(o.csvPath, ec) == 0)
            std::filesystem::remove(o.csvPath, ec);
        if (std::ifstream(o.csvPath).good()) {
            const LandscapeGrid earlier = readGridCsv(o.csvPath, &spec);
            if (earlier.splits != splits)
                throw std::runtime_error(o.csvPath + ": holds other splits than asked for");
            grid = earlier;
            // The file is rewritten clean (sorted, no torn line) before appending to it.
            writeGridCsv(o.csvPath, grid);
        } else {
            writeFileAtomically(o.csvPath, header(splits));
        }
        out = std::fopen(o.csvPath.c_str(), "ab");
        if (!out) throw std::runtime_error(o.csvPath + ": cannot be appended to");
    }
    struct Closer {
        FILE* f;
        ~Closer() {
            if (f) std::fclose(f);
        }
    } closer{out};

    std::int64_t todo = 0, done = 0;
    if (o.computed) *o.computed = 0;
    for (int i = 0; i < spec.rows; ++i)
        if (o.slice.owns(i))
            for (int j = 0; j < spec.columns; ++j) todo += grid.has(i, j) ? 0 : 1;
    FlatParams theta = centre;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < spec.rows; ++i) {
        if (!o.slice.owns(i)) continue;
        for (int j = 0; j < spec.columns; ++j) {
            if (grid.has(i, j)) continue;
            if (o.cancel && o.cancel->cancelled()) throw Cancelled();
            perturb(centre, d1, spec.alpha(j), d2, spec.beta(i), theta);
            const std::vector<LossPoint> p = evaluator.evaluate(theta);
            const std::size_t k = std::size_t(i * spec.columns + j);
            for (std::size_t s = 0; s < splits.size(); ++s) {
                // A diverged point (overflow) is recorded as a very large loss, not as "missing".
                grid.loss[s][k] = std::isfinite(p[s].loss) ? p[s].loss : 1e30;
                grid.accuracy[s][k] = p[s].accuracy;
            }
            if (out) {
                const std::string line = pointLine(grid, i, j);
                if (std::fwrite(line.data(), 1, line.size(), out) != line.size())
                    throw std::runtime_error(o.csvPath + ": cannot be written (disk full?)");
                std::fflush(out);
            }
            ++done;
            if (o.computed) *o.computed = done;
            if (o.progress) {
                const double elapsed =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                const double eta = elapsed / double(done) * double(todo - done);
                o.progress(double(done) / double(std::max<std::int64_t>(1, todo)),
                           "point " + std::to_string(done) + " of " + std::to_string(todo) +
                               ", about " + formatSeconds(eta) + " left");
            }
        }
        if (out) ::fsync(fileno(out)); // a row at a time is safe on disk
    }
    if (out) {
        std::fclose(out);
        closer.f = nullptr;
        writeGridCsv(o.csvPath, grid);
    }
    return grid;
}

} // namespace llmlab
