# Tokenizer tests: llama.cpp's conformance suites, round trips, streaming, bad files.
llmlab_add_test(tst_tokenizers SOURCES tst_tokenizers.cpp FORMATS_ONLY)
llmlab_add_test(tst_tokenizers_gguf SOURCES tst_tokenizers_gguf.cpp FORMATS_ONLY)
