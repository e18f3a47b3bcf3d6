# Tests of the vulkan area: llmlab_add_test(...) calls.
llmlab_add_test(tst_vulkan_backend SOURCES tst_vulkan_backend.cpp LABELS vulkan)
