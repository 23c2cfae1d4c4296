#!/bin/sh
# tests/shape/code_shape.sh - the code keeps its shape (issue 16): no include cycle, no file
# over 800 lines and no function over 60 lines in resolver/, mirror/ and lib/.
exec python3 "${top_srcdir:?}/tests/shape/code_shape.py" "$top_srcdir" resolver mirror lib
