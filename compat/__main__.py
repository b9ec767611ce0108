"""``python -m compat``: the same CLI as ``smddp-compat``."""

from compat.entry import main

main()
