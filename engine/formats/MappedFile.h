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

    /// Process-wide: when on, open() reads files into anonymous memory (huge pages where the
    /// kernel gives them) instead of mapping them, as llama.cpp's --no-mmap. Decoding streams
    /// every weight once per token; from the page cache on this kind of VM that swung between
    /// 19 and 43 GB/s from pass to pass, from anonymous memory it held at ~45 GB/s.
    static void setReadIntoMemory(bool on);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::byte* data() const { return m_data; }
    std::uint64_t size() const { return m_size; }
    std::span<const std::byte> bytes() const { return {m_data, std::size_t(m_size)}; }
    const std::string& path() const { return m_path; }
    /// Reads the whole file in and pins it in RAM (mlock), so the kernel's reclaim can't drop
    /// pages that will be read again (benchmarks: a decode step reads every weight). False
    /// when the system refuses (RLIMIT_MEMLOCK), with the mapping left as it was.
    bool lockInMemory() const;
    /// The file name without folders, used to start error messages.
    std::string displayName() const;

private:
    MappedFile() = default;
    const std::byte* m_data = nullptr;
    std::uint64_t m_size = 0;
    std::string m_path;
};

} // namespace llmlab
