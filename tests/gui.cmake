# Tests of the gui area.
