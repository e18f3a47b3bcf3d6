#include "TextFile.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace llmlab {

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace llmlab
