# Tests of "open a model and browse its layers": tensor statistics, heatmap level of detail and
# parameter share (tst_analysis), model discovery in fake Ollama and Hugging Face stores
# (tst_discovery), and llmlab-cli inspect / models run as a process (tst_cli_inspect).
llmlab_add_test(tst_analysis SOURCES tst_analysis.cpp)
llmlab_add_test(tst_discovery SOURCES tst_discovery.cpp)
if(TARGET llmlab-cli)
    llmlab_add_test(tst_cli_inspect SOURCES tst_cli_inspect.cpp)
    # The test runs the real binary: CTest hands it the path, and building the test builds it.
    set_property(TEST tst_cli_inspect APPEND PROPERTY ENVIRONMENT
                 "LLMLAB_CLI=$<TARGET_FILE:llmlab-cli>")
    add_dependencies(tst_cli_inspect llmlab-cli)
endif()
