"""The compiled matrix layout's version, importable without the compiler."""

#: Bump when the compiled layout changes; older cache files are then ignored.
COMPILED_FORMAT = 1
