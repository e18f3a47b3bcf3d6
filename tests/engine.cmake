# Engine tests: graph and CPU reference, per-op Vulkan-vs-CPU comparison.
llmlab_add_test(tst_cpu_ops SOURCES tst_cpu_ops.cpp)
llmlab_add_test(tst_graph SOURCES tst_graph.cpp)
llmlab_add_test(tst_quant_kernels SOURCES tst_quant_kernels.cpp)

# One CTest entry per op, so each op's Vulkan-vs-CPU comparison is listed and reported alone.
llmlab_add_test(tst_ops SOURCES tst_ops.cpp NO_CTEST)
foreach(fn matmul add mul scale embedding matmul_packed embedding_packed rms_norm layer_norm rope softmax attn_scores
           attn_values attention silu gelu relu swiglu
           relu_grad gelu_grad silu_grad softmax_grad rms_norm_grad layer_norm_grad column_sum
           embedding_grad attn_scores_grad_q attn_scores_grad_k attn_values_grad_p
           attn_values_grad_v cross_entropy cross_entropy_grad sum_squares adamw grad_ema
           everyOpIsTested)
    add_test(NAME vulkan_op_${fn} COMMAND tst_ops ${fn})
    set_tests_properties(vulkan_op_${fn} PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}"
                         TIMEOUT 300 LABELS "vulkan")
endforeach()
# The shaders of devices without subgroup arithmetic (per-value matrix-vector products, row
# reductions through shared memory alone), on this one.
add_test(NAME vulkan_op_no_subgroups COMMAND tst_ops matmul matmul_packed softmax rms_norm layer_norm)
set_tests_properties(vulkan_op_no_subgroups PROPERTIES
                     ENVIRONMENT "${LLMLAB_TEST_ENV};LLMLAB_VULKAN_SUBGROUPS=0" TIMEOUT 300 LABELS "vulkan")

# Training: autodiff against finite differences, grokking, kill-and-resume, CPU vs Vulkan.
llmlab_add_test(tst_autodiff SOURCES tst_autodiff.cpp)
llmlab_add_test(tst_training SOURCES tst_training.cpp TIMEOUT 900)
set_property(TEST tst_training APPEND PROPERTY ENVIRONMENT "LLMLAB_CLI=$<TARGET_FILE:llmlab-cli>")
add_dependencies(tst_training llmlab-cli)

# Whole models against other implementations' references.
llmlab_add_test(tst_golden SOURCES tst_golden.cpp LIBS nlohmann_json::nlohmann_json TIMEOUT 600)
llmlab_add_test(tst_gpt2 SOURCES tst_gpt2.cpp)
llmlab_add_test(tst_sampling SOURCES tst_sampling.cpp)

# Loss landscapes: directions, grids, cache and resume, slices, a grokking run's landscape.
llmlab_add_test(tst_landscape SOURCES tst_landscape.cpp TIMEOUT 600)
# The CLI: slices from 4 processes (and 4 MPI ranks when built with Open MPI) merge to exactly
# the CSV one process writes.
add_test(NAME landscape_slices
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/landscape_slices.sh $<TARGET_FILE:llmlab-cli>
            ${CMAKE_BINARY_DIR}/test-landscape)
set_tests_properties(landscape_slices PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 300)
if(LLMLAB_CLI_HAS_MPI)
    set_property(TEST landscape_slices APPEND PROPERTY ENVIRONMENT "LLMLAB_EXPECT_MPI=1")
endif()

# llmlab-cli refuses unknown options and bad values for every command.
add_test(NAME cli_options COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_options.sh
                                  $<TARGET_FILE:llmlab-cli>)
set_tests_properties(cli_options PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 120)

# Prompting strategies: task sets, prompts, extraction, votes, intervals, prefix reuse.
llmlab_add_test(tst_prompting SOURCES tst_prompting.cpp TIMEOUT 300)
# The lab's own prompting models, trained in CI time (about a minute and a half).
llmlab_add_test(tst_prompting_toy SOURCES tst_prompting_toy.cpp TIMEOUT 900)

# Training suites run many tiny OpenMP regions per step: beside another busy test on two cores
# each region waits for a descheduled thread, measured ~19x slower (100 LM steps: 5 s alone,
# 95 s beside a second one). They take both cores and run alone.
set_tests_properties(tst_training tst_prompting_toy PROPERTIES PROCESSORS 2)

# llmlab-cli compare: deterministic for a seed on stories260K and a model train-lm makes.
add_test(NAME compare_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/compare_cli.sh
                                  $<TARGET_FILE:llmlab-cli> ${CMAKE_BINARY_DIR}/test-compare)
set_tests_properties(compare_cli PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 300)

# Sweep fits: power laws, IsoFLOP frontier, Chinchilla's L(N, D), random-features double
# descent, grokking phases, slingshots and the embedding PCA, on synthetic data with known truth.
llmlab_add_test(tst_sweep_fits SOURCES tst_sweep_fits.cpp TIMEOUT 300)

# Sweeps: specs, run folders, parallel = serial, stop and resume, LM runs resuming, label noise.
llmlab_add_test(tst_sweep SOURCES tst_sweep.cpp TIMEOUT 600)
# The quick scaling sweep as a user runs it (two runs at once): the fitted exponents.
llmlab_add_test(tst_sweep_scaling SOURCES tst_sweep_scaling.cpp LIBS nlohmann_json::nlohmann_json TIMEOUT 1500)
set_tests_properties(tst_sweep_scaling PROPERTIES PROCESSORS 2)
# The CLI: kill -9 and resume, Slurm array tasks and merge, 4 MPI ranks = one process.
add_test(NAME sweep_cli
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_cli.sh $<TARGET_FILE:llmlab-cli>
            ${CMAKE_BINARY_DIR}/test-sweep)
set_tests_properties(sweep_cli PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 600
                                          PROCESSORS 2)
if(LLMLAB_CLI_HAS_MPI)
    set_property(TEST sweep_cli APPEND PROPERTY ENVIRONMENT "LLMLAB_EXPECT_MPI=1")
endif()
# The cost calculator: typical sizes, the course's VRAM table, a real model by hand.
llmlab_add_test(tst_cost SOURCES tst_cost.cpp)
# Quantizing: our quantizers against llama.cpp's files (bit for bit for the legacy types and
# F16/BF16, within llama.cpp's own error for the K types), the mixture rules, the importance
# matrix, written files reopening, llama2.c / Hugging Face sources, the ladder comparison.
llmlab_add_test(tst_quant SOURCES tst_quant.cpp)
# llmlab-cli quantize / quant-compare from the command line.
add_test(NAME quant_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/quant_cli.sh
                                $<TARGET_FILE:llmlab-cli> ${CMAKE_BINARY_DIR}/test-quant)
set_tests_properties(quant_cli PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 300)
# Interventions and attribution: hooks and their gradients, direct logit attribution, exact
# and attribution patching, head ablation, the contribution graph.
llmlab_add_test(tst_interp SOURCES tst_interp.cpp)
# Fine-tuning an opened model: the batched training pass, LoRA (B = 0 changes nothing, merged
# adapters), gradients against central differences, a short run that learns and forgets.
llmlab_add_test(tst_finetune SOURCES tst_finetune.cpp)
llmlab_add_test(tst_finetune_options SOURCES tst_finetune_options.cpp)
# llmlab-cli finetune from the command line: metrics, the merged file, bad input.
add_test(NAME finetune_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/finetune_cli.sh
                                   $<TARGET_FILE:llmlab-cli> ${CMAKE_BINARY_DIR}/test-finetune)
set_tests_properties(finetune_cli PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 300)
# llmlab-cli attribute / patch from the command line.
add_test(NAME interp_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/interp_cli.sh
         $<TARGET_FILE:llmlab-cli> ${CMAKE_BINARY_DIR}/test-interp)
set_tests_properties(interp_cli PROPERTIES ENVIRONMENT "${LLMLAB_TEST_ENV}" TIMEOUT 300)
