// `llmlab-cli sweep`: a grid of training runs in one folder — over local cores, under Open MPI
// (`mpirun -n N ... --mpi`: ranks take runs round-robin, rank 0 writes results.csv) or as a
// Slurm job array (`--emit-slurm` writes the scripts; each array task runs `--run-index I`,
// a dependent job merges). Then the fits: scaling laws, IsoFLOP, Chinchilla; phases; the peak.
#include "Cli.h"
#include "sweep/SweepAnalysis.h"
#include "sweep/SweepRunner.h"
#include "train/RunStore.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#ifdef LLMLAB_HAVE_MPI
#include <mpi.h>
#endif

namespace llmlab::cli {

namespace fs = std::filesystem;

namespace {

CancelToken* g_cancel = nullptr;
void onSignal(int) {
    if (g_cancel) g_cancel->cancel();
}

std::string defaultText() {
    if (const char* env = std::getenv("LLMLAB_TEXT")) return env;
#ifdef LLMLAB_DEFAULT_TEXT
    return LLMLAB_DEFAULT_TEXT;
#else
    return "";
#endif
}

// SPEC.json, preset:NAME, or nothing when DIR already holds a sweep.json.
SweepSpec resolveSpec(const Args& args, const std::string& dir) {
    // The spec is the one positional argument, before the options.
    const std::string source = !args.empty() && args[0].rfind("--", 0) != 0 ? args[0] : "";
    if (source.empty()) {
        if (fs::exists(dir + "/sweep.json")) return loadSweepSpec(dir + "/sweep.json");
        throw std::invalid_argument("name a sweep: SPEC.json or preset:NAME (" + [] {
            std::string s;
            for (const std::string& n : sweepPresetNames()) s += (s.empty() ? "" : ", ") + n;
            return s;
        }() + ")");
    }
    if (source.rfind("preset:", 0) == 0) {
        const std::string name = source.substr(7);
        const std::string text = sweepPresetText(name, option(args, "text", defaultText()));
        if (text.empty()) throw std::invalid_argument("unknown sweep preset '" + name + "'");
        return parseSweepSpec(text, source);
    }
    return loadSweepSpec(source);
}

void printStates(const SweepSpec& spec, const SweepRunState& s, bool quiet) {
    using S = SweepRunState::State;
    if (quiet && s.state != S::Failed) return;
    const SweepRun& run = spec.runs[std::size_t(s.index)];
    const char* what = s.state == S::Running ? "start"
                       : s.state == S::Done  ? "done"
                       : s.state == S::Failed ? "FAILED"
                                              : "stopped";
    std::printf("# run %d/%zu %-7s %s%s%s\n", s.index, spec.runs.size(), what, run.label.c_str(),
                s.error.empty() ? "" : ": ", s.error.c_str());
    std::fflush(stdout);
}

void writeSlurm(const SweepSpec& spec, const std::string& dir, const std::string& cli,
                int threads) {
    const std::string abs = fs::absolute(dir).string();
    std::ofstream a(dir + "/sweep.sbatch");
    a << "#!/bin/bash\n"
      << "# One array task per run of sweep '" << spec.name << "' (" << spec.runs.size()
      << " runs). Submit with: sbatch " << abs << "/sweep.sbatch\n"
      << "#SBATCH --job-name=llmlab-" << spec.name << "\n"
      << "#SBATCH --array=0-" << spec.runs.size() - 1 << "\n"
      << "#SBATCH --cpus-per-task=" << threads << "\n"
      << "#SBATCH --output=" << abs << "/slurm-%A_%a.out\n"
      << "set -euo pipefail\n"
      << "\"" << cli << "\" sweep \"" << abs << "/sweep.json\" --out \"" << abs
      << "\" --run-index \"$SLURM_ARRAY_TASK_ID\" --threads " << threads << "\n"
      << "# When the array is done, the merge job writes results.csv:\n"
      << "#   sbatch --dependency=afterany:$SLURM_ARRAY_JOB_ID " << abs << "/merge.sbatch\n";
    std::ofstream m(dir + "/merge.sbatch");
    m << "#!/bin/bash\n"
      << "# Gathers the runs of sweep '" << spec.name << "' into results.csv and fits.\n"
      << "#SBATCH --job-name=llmlab-" << spec.name << "-merge\n"
      << "#SBATCH --output=" << abs << "/slurm-merge-%j.out\n"
      << "set -euo pipefail\n"
      << "\"" << cli << "\" sweep \"" << abs << "/sweep.json\" --out \"" << abs << "\" --merge\n";
    std::ofstream s(dir + "/submit.sh");
    s << "#!/bin/bash\n"
      << "# Submits the array, then the merge after it (afterany: a failed run is a row too).\n"
      << "set -euo pipefail\n"
      << "array=$(sbatch --parsable \"" << abs << "/sweep.sbatch\")\n"
      << "sbatch --dependency=afterany:${array%%;*} \"" << abs << "/merge.sbatch\"\n";
    s.close();
    fs::permissions(dir + "/submit.sh", fs::perms::owner_exec | fs::perms::group_exec,
                    fs::perm_options::add);
}

void printSummary(const SweepSpec& spec, const std::string& dir, bool json) {
    const std::vector<SweepResult> results = readSweepResults(spec, dir);
    const std::string fits = sweepAnalysisJson(spec, dir, results);
    writeFileAtomically(dir + "/fits.json", fits);
    if (json)
        std::puts(fits.c_str());
    else
        std::fputs(sweepAnalysisText(spec, dir, results).c_str(), stdout);
}

} // namespace

int sweep(const Args& args) {
    const std::string dir = option(args, "out");
    if (dir.empty()) throw std::invalid_argument("--out DIR is required (the sweep's folder)");
    const SweepSpec spec = resolveSpec(args, dir);
    const bool quiet = flag(args, "quiet"), json = flag(args, "json");
    auto whole = [&](const char* name, int fallback) {
        const std::string v = option(args, name);
        return v.empty() ? fallback : std::stoi(v);
    };
    SweepOptions o;
    o.jobs = whole("jobs", int(std::max(1u, std::thread::hardware_concurrency())));
    o.threadsPerRun = whole("threads", 1);
    o.backend = option(args, "backend", "cpu");
    if (o.jobs < 1 || o.threadsPerRun < 1)
        throw std::invalid_argument("--jobs and --threads must be at least 1");

    if (flag(args, "list")) {
        std::printf("# sweep '%s' (%s): %zu runs\n", spec.name.c_str(), sweepKindKey(spec.kind),
                    spec.runs.size());
        for (const SweepRun& r : spec.runs)
            std::printf("%4d  %s  %s\n", r.index, r.folderName().c_str(), r.label.c_str());
        return 0;
    }
    if (flag(args, "emit-slurm")) {
        prepareSweepFolder(spec, dir);
        const std::string cli = fs::canonical("/proc/self/exe").string();
        writeSlurm(spec, dir, cli, o.threadsPerRun);
        std::printf("# wrote %s/sweep.sbatch (array 0-%zu), merge.sbatch and submit.sh\n",
                    dir.c_str(), spec.runs.size() - 1);
        return 0;
    }
    if (flag(args, "merge")) {
        prepareSweepFolder(spec, dir);
        std::printf("# wrote %s\n", writeSweepResults(spec, dir).c_str());
        printSummary(spec, dir, json);
        return 0;
    }

    CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    o.onRunState = [&](const SweepRunState& s) { printStates(spec, s, quiet || json); };
    const std::string index = option(args, "run-index");
    if (!index.empty()) {
        // One run (a Slurm array task): no results.csv, the merge step writes it.
        o.only = {std::stoi(index)};
        o.jobs = 1;
        o.writeResults = false;
    }

    int rank = 0, ranks = 1;
    const bool mpi = flag(args, "mpi");
    if (mpi) {
#ifdef LLMLAB_HAVE_MPI
        MPI_Init(nullptr, nullptr);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
        if (rank == 0) prepareSweepFolder(spec, dir);
        MPI_Barrier(MPI_COMM_WORLD); // sweep.json is there before any rank checks it
        o.only.clear();
        for (const SweepRun& r : spec.runs)
            if (r.index % ranks == rank) o.only.push_back(r.index);
        o.jobs = 1;
        o.writeResults = false;
#else
        throw std::runtime_error("this llmlab-cli was built without Open MPI (install "
                                 "libopenmpi-dev and rebuild)");
#endif
    }
    if (!mpi) prepareSweepFolder(spec, dir); // a folder of another sweep: refused up front
    if (!mpi || rank == 0)
        std::printf("# sweep '%s' (%s): %zu runs in %s, %d at once, %d thread(s) each%s\n",
                    spec.name.c_str(), sweepKindKey(spec.kind), spec.runs.size(), dir.c_str(),
                    o.jobs, o.threadsPerRun,
                    mpi ? (", " + std::to_string(ranks) + " MPI ranks").c_str() : "");
    SweepOutcome outcome;
    int status = 0;
    try {
        if (!mpi || !o.only.empty()) outcome = runSweep(spec, dir, o, &cancel);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "llmlab-cli sweep%s: %s\n",
                     mpi ? (" (rank " + std::to_string(rank) + ")").c_str() : "", e.what());
        status = 1;
    }
#ifdef LLMLAB_HAVE_MPI
    if (mpi) {
        int worst = 0, stopped = outcome.cancelled ? 1 : 0, anyStopped = 0;
        MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        MPI_Allreduce(&stopped, &anyStopped, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0 && worst == 0) {
            writeSweepResults(spec, dir);
            if (!anyStopped) printSummary(spec, dir, json);
        }
        MPI_Finalize();
        return worst ? 1 : anyStopped ? 130 : 0;
    }
#endif
    if (status) return status;
    for (const std::string& e : outcome.errors) std::fprintf(stderr, "# %s\n", e.c_str());
    if (outcome.cancelled) {
        std::printf("# stopped: %d runs done; run the same command again to go on\n",
                    outcome.done);
        return 130;
    }
    if (o.writeResults) {
        if (!json) std::printf("# wrote %s/results.csv\n", dir.c_str());
        printSummary(spec, dir, json);
    }
    return outcome.failed ? 1 : 0;
}

} // namespace llmlab::cli
