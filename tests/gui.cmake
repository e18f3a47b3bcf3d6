# Tests of the gui area: views and the app shell, built offscreen (QT_QPA_PLATFORM=offscreen).
llmlab_add_test(tst_chart_export SOURCES tst_chart_export.cpp LIBS llmlab_views Qt6::Svg
                LABELS gui)
llmlab_add_test(tst_main_window SOURCES tst_main_window.cpp LIBS llmlab_gui llmlab_views
                LABELS gui)
