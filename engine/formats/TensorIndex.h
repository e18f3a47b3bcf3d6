// The tensor index every reader fills: where each tensor lives and how it is stored.
#pragma once

#include "DType.h"
#include "MappedFile.h"
#include "Metadata.h"
#include "Shape.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmlab {

/// A readable problem with an input file; what() is one sentence starting with the file name.
class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TensorInfo {
    std::string name; ///< canonical (GGUF-style) name, e.g. "blk.3.attn_q.weight"
    std::string
        sourceName; ///< the name stored in the file ("model.layers.3.self_attn.q_proj.weight")
    DType dtype = DType::F32;
    Shape shape;              ///< row-major, last dimension fastest ([rows, cols] for matrices)
    std::uint64_t offset = 0; ///< absolute byte offset in its file
    std::uint64_t bytes = 0;
    int file = 0; ///< index into the model's files (shards of a Hugging Face folder)
    /// Stored [in, out] (GPT-2 Conv1D) instead of the usual [out, in]: transpose before use.
    bool transposed = false;
};

/// What a reader hands to ModelFile: mapped files, metadata and the raw (source-named) index.
struct RawModel {
    std::vector<std::shared_ptr<const MappedFile>> files;
    Metadata metadata;
    std::vector<TensorInfo> tensors; ///< name == sourceName until the names are mapped
    std::string tokenizerPath;       ///< a tokenizer file beside the model, if any
};

/// Builds a Shape from dims (row-major), throwing FormatError (prefixed with `where`) when the
/// rank is above 4, a dim is negative, or the element count overflows int64.
Shape checkedShape(const std::string& where, const std::vector<std::int64_t>& dims);

/// Throws FormatError when a tensor of `file` extends past its end or two tensors overlap.
void checkTensorRanges(const MappedFile& file, int fileIndex, const std::vector<TensorInfo>& ts);

/// `s` made safe to quote in a one-line message: control bytes become \xNN, and names longer
/// than 80 bytes are cut with "...".
std::string printable(std::string_view s);

/// True when `s` is well-formed UTF-8.
bool isValidUtf8(std::string_view s);

} // namespace llmlab
