# Engine tests: graph and CPU reference, per-op Vulkan-vs-CPU comparison.
llmlab_add_test(tst_cpu_ops SOURCES tst_cpu_ops.cpp)
llmlab_add_test(tst_graph SOURCES tst_graph.cpp)

# One CTest entry per op, so each op's Vulkan-vs-CPU comparison is listed and reported alone.
llmlab_add_test(tst_ops SOURCES tst_ops.cpp NO_CTEST)
foreach(fn matmul add mul scale embedding rms_norm layer_norm rope softmax attn_scores
           attn_values attention silu gelu relu swiglu everyOpIsTested)
    add_test(NAME vulkan_op_${fn} COMMAND tst_ops ${fn})
    set_tests_properties(vulkan_op_${fn} PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}"
                         TIMEOUT 300 LABELS "vulkan")
endforeach()

# Training: autodiff against finite differences, grokking, kill-and-resume, CPU vs Vulkan.
llmlab_add_test(tst_autodiff SOURCES tst_autodiff.cpp)
llmlab_add_test(tst_training SOURCES tst_training.cpp TIMEOUT 900)
set_property(TEST tst_training APPEND PROPERTY ENVIRONMENT "LLMLAB_CLI=$<TARGET_FILE:llmlab-cli>")
add_dependencies(tst_training llmlab-cli)
