# Tests of the gui area: views and the app shell, built offscreen (QT_QPA_PLATFORM=offscreen).
llmlab_add_test(tst_chart_export SOURCES tst_chart_export.cpp LIBS llmlab_views Qt6::Svg
                LABELS gui)
llmlab_add_test(tst_main_window SOURCES tst_main_window.cpp LayoutChecks.cpp LIBS llmlab_gui llmlab_views
                LABELS gui)
llmlab_add_test(tst_grokking_lab SOURCES tst_grokking_lab.cpp LIBS llmlab_gui llmlab_views
                Qt6::Svg LABELS gui)
llmlab_add_test(tst_prompt_views SOURCES tst_prompt_views.cpp LIBS llmlab_gui llmlab_views Qt6::Svg
                LABELS gui)
llmlab_add_test(tst_model_browser SOURCES tst_model_browser.cpp LIBS llmlab_gui llmlab_views
                Qt6::Svg LABELS gui)
llmlab_add_test(tst_landscape_views SOURCES tst_landscape_views.cpp LIBS llmlab_gui llmlab_views
                Qt6::Svg LABELS gui TIMEOUT 600)
llmlab_add_test(tst_chart_layout SOURCES tst_chart_layout.cpp LayoutChecks.cpp LIBS llmlab_gui llmlab_views
                LABELS gui TIMEOUT 600)
llmlab_add_test(tst_prompting_views SOURCES tst_prompting_views.cpp LIBS llmlab_gui llmlab_views
                LABELS gui TIMEOUT 600)
llmlab_add_test(tst_sweep_views SOURCES tst_sweep_views.cpp LIBS llmlab_gui llmlab_views
                Qt6::Svg LABELS gui TIMEOUT 600)
# Every lab with results in it, at 1280x720 and 1600x1000 (and the README's screenshots).
llmlab_add_test(tst_lab_tour SOURCES tst_lab_tour.cpp LayoutChecks.cpp LIBS llmlab_gui llmlab_views
                LABELS gui TIMEOUT 900)
# The quantization lab: a ladder made, compared, exported, cleared for another model.
llmlab_add_test(tst_quant_lab SOURCES tst_quant_lab.cpp LIBS llmlab_gui llmlab_views
                LABELS gui TIMEOUT 600)
# The attribution lab: attribution, the contribution graph, patching, ablation, bad input.
llmlab_add_test(tst_interp_lab SOURCES tst_interp_lab.cpp LIBS llmlab_gui llmlab_views
                LABELS gui TIMEOUT 600)
# The fine-tuning lab: a LoRA run's live curves, samples and metrics; Stop; bad input.
llmlab_add_test(tst_finetune_lab SOURCES tst_finetune_lab.cpp LIBS llmlab_gui llmlab_views
                LABELS gui TIMEOUT 600)
