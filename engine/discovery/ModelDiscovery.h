// Finds the models already on this machine: Ollama's store and the Hugging Face hub cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace llmlab {

/// One model found on disk, ready for ModelFile::open(path).
struct DiscoveredModel {
    std::string name;        ///< "qwen2.5:0.5b", "someone/model:tag", "Qwen/Qwen2.5-0.5B"
    std::string source;      ///< "ollama" or "huggingface"
    std::string path;        ///< the GGUF blob (Ollama) or the snapshot folder (Hugging Face)
    std::uint64_t bytes = 0; ///< size of the weights on disk
    std::string detail;      ///< a short description: format, family, quantization, revision
};

struct DiscoveryResult {
    std::vector<DiscoveredModel> models; ///< sorted by source, then name
    std::vector<std::string> warnings;   ///< one sentence per skipped, broken entry
};

struct DiscoveryOptions {
    /// Also look in the store of a system-wide Ollama service
    /// (/usr/share/ollama/.ollama/models) when OLLAMA_MODELS is not set.
    bool systemStores = true;
};

/// The Ollama stores to scan: $OLLAMA_MODELS, else ~/.ollama/models (and the service's store).
std::vector<std::filesystem::path> ollamaStoreRoots(const DiscoveryOptions& options = {});
/// The Hugging Face hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else
/// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. Empty when none applies.
std::filesystem::path huggingFaceCacheRoot();

/// Models of one Ollama store (the folder holding manifests/ and blobs/). Never throws.
void scanOllamaStore(const std::filesystem::path& root, DiscoveryResult& result);
/// Models of one Hugging Face hub cache (the folder holding models--ORG--NAME). Never throws.
void scanHuggingFaceCache(const std::filesystem::path& hub, DiscoveryResult& result);

/// Every model in the stores named by the environment (HOME, OLLAMA_MODELS, HF_HUB_CACHE,
/// HF_HOME, XDG_CACHE_HOME). A store that does not exist is not an error; a broken entry is
/// skipped with a warning. Never throws.
DiscoveryResult discoverModels(const DiscoveryOptions& options = {});

/// What a person calls the model at `path`: "ORG/NAME" for a folder or file inside Hugging
/// Face's cache (…/models--ORG--NAME/snapshots/HASH[/file]), else the file or folder name.
std::string modelDisplayName(const std::string& path);

} // namespace llmlab
