# Tests of the formats area: real fixture files (tst_formats), and hand-made files written by
# the writers, sparse big models and broken inputs (tst_formats_files).
llmlab_add_test(tst_formats SOURCES tst_formats.cpp FORMATS_ONLY)
llmlab_add_test(tst_formats_files SOURCES tst_formats_files.cpp FORMATS_ONLY)
