// Reading a whole text file, with the one error sentence every caller wants.
#pragma once

#include <string>

namespace llmlab {

/// The file's bytes; throws std::runtime_error("<path>: cannot be read") when it cannot be.
std::string readTextFile(const std::string& path);

} // namespace llmlab
