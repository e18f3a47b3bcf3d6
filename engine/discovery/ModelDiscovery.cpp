#include "ModelDiscovery.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace fs = std::filesystem;
using nlohmann::json;

namespace llmlab {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

// Manifests and configs are small; a bigger file is not one of them (and is not read whole).
constexpr std::uintmax_t kMaxJsonBytes = 4u << 20;

json readJson(const fs::path& p) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec) throw std::runtime_error("cannot read " + p.string() + " (" + ec.message() + ")");
    if (size > kMaxJsonBytes)
        throw std::runtime_error(p.string() + " is too large to be JSON metadata");
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return json::parse(ss.str());
    } catch (const json::exception&) {
        throw std::runtime_error(p.string() + " is not valid JSON");
    }
}

bool isRegularFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec); // follows symlinks: a dangling one is not a file
}

bool isDirectory(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

std::uint64_t fileSize(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec);
    return ec ? 0 : std::uint64_t(n);
}

bool hasGgufMagic(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::array<char, 4> magic{};
    return in.read(magic.data(), 4) && std::string_view(magic.data(), 4) == "GGUF";
}

// "sha256:<64 hex>" -> the blob's file in `blobs` (Ollama names it sha256-<hex>; very old
// versions kept the colon). Throws when the digest is malformed, so no path can escape blobs/.
fs::path blobPath(const fs::path& blobs, const std::string& digest) {
    const std::string hex = digest.starts_with("sha256:") ? digest.substr(7) : std::string();
    const bool ok = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                    });
    if (!ok)
        throw std::runtime_error("its layer digest '" + digest.substr(0, 80) + "' is malformed");
    const fs::path dash = blobs / ("sha256-" + hex);
    if (isRegularFile(dash)) return dash;
    const fs::path colon = blobs / ("sha256:" + hex);
    return isRegularFile(colon) ? colon : dash;
}

// The name Ollama's own CLI shows for manifests/<host>/<namespace>/<model>/<tag>.
std::string ollamaName(const std::string& host, const std::string& ns, const std::string& model,
                       const std::string& tag) {
    std::string name = model + ":" + tag;
    if (host == "registry.ollama.ai") return ns == "library" ? name : ns + "/" + name;
    return host + "/" + ns + "/" + name;
}

// "llama 494.03M Q4_K_M" from the manifest's config blob, or empty: it is only a description.
std::string ollamaConfigDetail(const fs::path& blobs, const json& manifest) {
    try {
        const json& cfg = manifest.at("config");
        const json c = readJson(blobPath(blobs, cfg.at("digest").get<std::string>()));
        std::string d;
        for (const char* key : {"model_family", "model_type", "file_type"})
            if (c.contains(key) && c[key].is_string() && !c[key].get<std::string>().empty())
                d += " " + c[key].get<std::string>();
        return d;
    } catch (const std::exception&) {
        return {};
    }
}

DiscoveredModel readOllamaManifest(const fs::path& root, const fs::path& file,
                                   const std::array<std::string, 4>& parts) {
    const json m = readJson(file);
    if (!m.is_object() || !m.contains("layers") || !m["layers"].is_array())
        throw std::runtime_error("it has no layers list");
    const fs::path blobs = root / "blobs";
    for (const json& layer : m["layers"]) {
        if (!layer.is_object() ||
            layer.value("mediaType", "") != "application/vnd.ollama.image.model")
            continue;
        const fs::path blob = blobPath(blobs, layer.value("digest", ""));
        if (!isRegularFile(blob))
            throw std::runtime_error("its model blob " + blob.filename().string() + " is missing");
        if (!hasGgufMagic(blob))
            throw std::runtime_error("its model blob " + blob.filename().string() +
                                     " is not a GGUF file");
        DiscoveredModel d;
        d.name = ollamaName(parts[0], parts[1], parts[2], parts[3]);
        d.source = "ollama";
        d.path = blob.string();
        d.bytes = fileSize(blob);
        d.detail = "GGUF" + ollamaConfigDetail(blobs, m);
        return d;
    }
    throw std::runtime_error("it names no model layer (application/vnd.ollama.image.model)");
}

// The snapshot to open: the one refs/main points at, else the most recently written.
fs::path chooseSnapshot(const fs::path& repo) {
    const fs::path snapshots = repo / "snapshots";
    std::ifstream ref(repo / "refs" / "main");
    std::string rev;
    if (ref && std::getline(ref, rev)) {
        while (!rev.empty() && std::isspace(static_cast<unsigned char>(rev.back()))) rev.pop_back();
        const bool plain = !rev.empty() && rev.find('/') == std::string::npos && rev != "..";
        if (plain && isDirectory(snapshots / rev)) return snapshots / rev;
    }
    fs::path best;
    fs::file_time_type bestTime{};
    std::error_code ec;
    for (fs::directory_iterator it(snapshots, ec), end; !ec && it != end; it.increment(ec)) {
        if (!isDirectory(it->path())) continue;
        std::error_code tec;
        const auto t = fs::last_write_time(it->path(), tec);
        if (!tec && (best.empty() || t > bestTime)) {
            best = it->path();
            bestTime = t;
        }
    }
    return best;
}

DiscoveredModel readHfRepo(const fs::path& repo, const std::string& repoId) {
    const fs::path snap = chooseSnapshot(repo);
    if (snap.empty()) throw std::runtime_error("it has no snapshot");
    if (!isRegularFile(snap / "config.json"))
        throw std::runtime_error("snapshot " + snap.filename().string() + " has no config.json");
    DiscoveredModel d;
    std::error_code ec;
    int shards = 0;
    for (fs::directory_iterator it(snap, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() != ".safetensors") continue;
        // The cache links snapshot files to blobs/; a dangling link is an interrupted download.
        if (!isRegularFile(it->path()))
            throw std::runtime_error(it->path().filename().string() +
                                     " is a dangling link (an unfinished download?)");
        d.bytes += fileSize(it->path());
        ++shards;
    }
    if (shards == 0)
        throw std::runtime_error("snapshot " + snap.filename().string() +
                                 " has no .safetensors weights");
    const json config = readJson(snap / "config.json");
    d.name = repoId;
    d.source = "huggingface";
    d.path = snap.string();
    d.detail = "safetensors";
    if (config.is_object() && config.contains("model_type") && config["model_type"].is_string())
        d.detail += ", " + config["model_type"].get<std::string>();
    d.detail += ", revision " + snap.filename().string().substr(0, 12);
    return d;
}

} // namespace

std::vector<fs::path> ollamaStoreRoots(const DiscoveryOptions& options) {
    if (const std::string dir = env("OLLAMA_MODELS"); !dir.empty()) return {fs::path(dir)};
    std::vector<fs::path> roots;
    if (const std::string home = env("HOME"); !home.empty())
        roots.push_back(fs::path(home) / ".ollama" / "models");
    if (options.systemStores) roots.emplace_back("/usr/share/ollama/.ollama/models");
    return roots;
}

fs::path huggingFaceCacheRoot() {
    if (const std::string d = env("HF_HUB_CACHE"); !d.empty()) return d;
    if (const std::string d = env("HF_HOME"); !d.empty()) return fs::path(d) / "hub";
    if (const std::string d = env("XDG_CACHE_HOME"); !d.empty())
        return fs::path(d) / "huggingface" / "hub";
    if (const std::string home = env("HOME"); !home.empty())
        return fs::path(home) / ".cache" / "huggingface" / "hub";
    return {};
}

void scanOllamaStore(const fs::path& root, DiscoveryResult& result) {
    const fs::path manifests = root / "manifests";
    if (!isDirectory(manifests)) return;
    std::error_code ec;
    fs::recursive_directory_iterator it(manifests, fs::directory_options::skip_permission_denied,
                                        ec);
    for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
        // A manifest sits exactly at manifests/<host>/<namespace>/<model>/<tag>.
        if (it.depth() != 3 || !isRegularFile(it->path())) continue;
        const fs::path rel = it->path().lexically_relative(manifests);
        std::array<std::string, 4> parts;
        std::size_t i = 0;
        for (const auto& p : rel) parts[std::min<std::size_t>(i++, 3)] = p.string();
        try {
            result.models.push_back(readOllamaManifest(root, it->path(), parts));
        } catch (const std::exception& e) {
            result.warnings.push_back("Ollama manifest " + rel.string() + " skipped: " + e.what() +
                                      ".");
        }
    }
    if (ec)
        result.warnings.push_back("Ollama store " + manifests.string() + " could not be read to " +
                                  "the end (" + ec.message() + ").");
}

void scanHuggingFaceCache(const fs::path& hub, DiscoveryResult& result) {
    if (hub.empty() || !isDirectory(hub)) return;
    std::error_code ec;
    for (fs::directory_iterator it(hub, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string dir = it->path().filename().string();
        if (!dir.starts_with("models--") || !isDirectory(it->path())) continue;
        // The cache writes repo "ORG/NAME" as "models--ORG--NAME".
        std::string repoId = dir.substr(8);
        if (const auto sep = repoId.find("--"); sep != std::string::npos)
            repoId.replace(sep, 2, "/");
        try {
            result.models.push_back(readHfRepo(it->path(), repoId));
        } catch (const std::exception& e) {
            result.warnings.push_back("Hugging Face model " + repoId + " skipped: " + e.what() +
                                      ".");
        }
    }
}

DiscoveryResult discoverModels(const DiscoveryOptions& options) {
    DiscoveryResult result;
    try {
        for (const fs::path& root : ollamaStoreRoots(options)) scanOllamaStore(root, result);
        scanHuggingFaceCache(huggingFaceCacheRoot(), result);
    } catch (const std::exception& e) { // e.g. bad_alloc: still hand back what was found
        result.warnings.push_back(std::string("model discovery stopped early: ") + e.what() + ".");
    }
    std::sort(result.models.begin(), result.models.end(),
              [](const DiscoveredModel& a, const DiscoveredModel& b) {
                  return std::tie(a.source, a.name, a.path) < std::tie(b.source, b.name, b.path);
              });
    return result;
}

std::string modelDisplayName(const std::string& path) {
    const fs::path p = fs::path(path).lexically_normal();
    std::vector<std::string> parts;
    for (const fs::path& part : p)
        if (!part.empty() && part != "/") parts.push_back(part.string());
    // …/models--ORG--NAME/snapshots/HASH[/…]: the repository, not the snapshot's hash.
    for (std::size_t i = 0; i + 2 < parts.size(); ++i) {
        if (parts[i].rfind("models--", 0) != 0 || parts[i + 1] != "snapshots") continue;
        std::string repo = parts[i].substr(8);
        if (const auto sep = repo.find("--"); sep != std::string::npos) repo.replace(sep, 2, "/");
        // A file picked inside the snapshot (one shard, a GGUF) keeps its name beside it.
        if (i + 3 < parts.size()) repo += " (" + parts.back() + ")";
        return repo;
    }
    // "folder/" names the folder.
    const std::string name =
        p.has_filename() ? p.filename().string() : p.parent_path().filename().string();
    return name.empty() ? path : name;
}

} // namespace llmlab
