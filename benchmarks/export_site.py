"""Time ``smddp-compat export-site`` as a user runs it: the whole process, into a fresh directory.

    python benchmarks/export_site.py [--runs 3]

Prints the median and slowest wall time and the CPU time of the runs, and the
number of files written (target: the whole export under 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls: list[float] = []
    cpus: list[float] = []
    summary: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as work:
        for i in range(max(1, min(args.runs, 10))):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "compat", "export-site", os.path.join(work, f"site{i}")],
                capture_output=True,
                text=True,
                check=True,
            )
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
            summary = json.loads(done.stdout)
    print(
        f"export-site: {summary.get('files')} files ({summary.get('answers')} answers); "
        f"wall median {statistics.median(walls):.2f} s, slowest {max(walls):.2f} s; "
        f"CPU median {statistics.median(cpus):.2f} s (target: under 5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
