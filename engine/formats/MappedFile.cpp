#include "MappedFile.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmlab {

namespace {
std::atomic<bool> readIntoMemory{false};

// Reads the whole file into a fresh anonymous mapping, made read-only afterwards.
void* readAll(int fd, std::size_t size, int* err) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        *err = errno;
        return nullptr;
    }
#ifdef MADV_HUGEPAGE
    ::madvise(p, size, MADV_HUGEPAGE); // fewer TLB misses when streaming GBs; a hint only
#endif
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, static_cast<char*>(p) + done, size - done, off_t(done));
        if (n <= 0) {
            *err = n < 0 ? errno : EIO;
            ::munmap(p, size);
            return nullptr;
        }
        done += std::size_t(n);
    }
    ::mprotect(p, size, PROT_READ);
    return p;
}
} // namespace

void MappedFile::setReadIntoMemory(bool on) {
    readIntoMemory = on;
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, std::string* error) {
    auto fail = [&](const std::string& what) -> std::shared_ptr<const MappedFile> {
        if (error) *error = path + ": " + what;
        return nullptr;
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(std::string("cannot open (") + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail("is not a regular file");
    }
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_path = path;
    file->m_size = std::uint64_t(st.st_size);
    if (file->m_size > 0) { // mmap of length 0 is an error; an empty file maps to nothing
        if (readIntoMemory) {
            int e = 0;
            void* p = readAll(fd, std::size_t(file->m_size), &e);
            ::close(fd);
            if (!p) return fail(std::string("cannot read into memory (") + std::strerror(e) + ")");
            file->m_data = static_cast<const std::byte*>(p);
            return file;
        }
        void* p = ::mmap(nullptr, std::size_t(file->m_size), PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            return fail(std::string("cannot map (") + std::strerror(e) + ")");
        }
#ifdef MADV_HUGEPAGE
        // Lets the kernel back the mapping with 2 MB page-cache folios mapped by one entry each
        // (file THP): a decode streams GBs of weights a token, and 4 KB pages cost a TLB miss
        // every 4 KB. A hint only: kernels or file systems without file THP ignore it.
        ::madvise(p, std::size_t(file->m_size), MADV_HUGEPAGE);
#endif
        file->m_data = static_cast<const std::byte*>(p);
    }
    ::close(fd); // the mapping stays valid without the descriptor
    return file;
}

MappedFile::~MappedFile() {
    if (m_data) ::munmap(const_cast<std::byte*>(m_data), std::size_t(m_size));
}

std::string MappedFile::displayName() const {
    return std::filesystem::path(m_path).filename().string();
}

bool MappedFile::lockInMemory() const {
    return m_size == 0 || mlock(m_data, std::size_t(m_size)) == 0;
}

} // namespace llmlab
