// A read-only memory map of a whole file (POSIX), shared so borrowed tensors keep it alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace llmlab {

class MappedFile {
public:
    /// Maps `path` read-only; nullptr with `error` set (one sentence) when it cannot.
    /// Nothing is read or copied: pages come in on first touch.
    static std::shared_ptr<const MappedFile> open(const std::string& path, std::string* error);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::byte* data() const { return m_data; }
    std::uint64_t size() const { return m_size; }
    std::span<const std::byte> bytes() const { return {m_data, std::size_t(m_size)}; }
    const std::string& path() const { return m_path; }
    /// The file name without folders, used to start error messages.
    std::string displayName() const;

private:
    MappedFile() = default;
    const std::byte* m_data = nullptr;
    std::uint64_t m_size = 0;
    std::string m_path;
};

} // namespace llmlab
