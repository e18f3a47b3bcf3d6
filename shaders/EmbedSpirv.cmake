# Turns a SPIR-V binary into a C++ source holding it as a uint32_t array.
# cmake -DSPV=in.spv -DOUT=out.cpp -DNAME=matmul_transb -P EmbedSpirv.cmake
file(READ "${SPV}" hex HEX)
string(LENGTH "${hex}" chars)
math(EXPR rem "${chars} % 8")
if(chars EQUAL 0 OR NOT rem EQUAL 0)
    message(FATAL_ERROR "${SPV}: not a SPIR-V binary (${chars} hex digits)")
endif()
# SPIR-V words are little-endian in the file: bytes aa bb cc dd make the word 0xddccbbaa.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," words "${hex}")
string(REGEX REPLACE "(0x........u,0x........u,0x........u,0x........u,0x........u,0x........u,)"
       "\\1\n    " words "${words}")
file(WRITE "${OUT}.tmp"
"// Generated from ${SPV} by EmbedSpirv.cmake; do not edit.
#include <cstddef>
#include <cstdint>

namespace llmlab::shaders {
extern const std::uint32_t spv_${NAME}[];
extern const std::size_t spv_${NAME}_words;
const std::uint32_t spv_${NAME}[] = {
    ${words}
};
const std::size_t spv_${NAME}_words = sizeof(spv_${NAME}) / sizeof(std::uint32_t);
} // namespace llmlab::shaders
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
