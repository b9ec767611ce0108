"""Run smddp-compat from a clone: ``python cli.py resolve --framework pytorch ...``.

The same entry point as the installed ``smddp-compat`` command; the matrix is
the clone's data/matrix.yaml. Not installed: a top-level module named ``cli``
would collide with others in site-packages.
"""

from compat.entry import main

if __name__ == "__main__":
    main()
