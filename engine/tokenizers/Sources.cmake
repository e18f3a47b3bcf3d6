# Tokenizers: byte-level BPE and SentencePiece BPE (see engine/tokenizers/Tokenizer.h).
list(APPEND LLMLAB_TOKENIZER_SOURCES
    tokenizers/Utf8.cpp
    tokenizers/PreTokenizer.cpp
    tokenizers/Normalizer.cpp
    tokenizers/BpeMerge.cpp
    tokenizers/Tokenizer.cpp
    tokenizers/TokenizerJson.cpp
    tokenizers/Llama2cTokenizer.cpp
    tokenizers/ChatTemplate.cpp
    tokenizers/GgufTokenizer.cpp
)
