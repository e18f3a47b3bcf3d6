#include "MappedFile.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmlab {

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
        void* p = ::mmap(nullptr, std::size_t(file->m_size), PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            return fail(std::string("cannot map (") + std::strerror(e) + ")");
        }
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

} // namespace llmlab
