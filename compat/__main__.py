"""``python -m compat``: the same CLI as ``smddp-compat``."""

from compat.cli import main

main()
