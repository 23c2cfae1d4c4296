# tests/shape/local.mk - the shape of the code (doc/ARCHITECTURE.md, "Rooms and contexts").
TESTS += tests/shape/code_shape.sh
EXTRA_DIST += tests/shape/code_shape.sh tests/shape/code_shape.py
