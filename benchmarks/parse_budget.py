"""Pathological matrix files under the 16 MiB limit, each refused by the parse budget.

For each shape (900,000 one-line keys, a flow list of 7 million items, one
15 MB string, a million documents, nesting 5,000 deep) a fresh interpreter runs
``smddp-compat validate FILE`` and this prints:

* the wall and CPU seconds of that process (interpreter start included), and
  the seconds of the command itself, timed inside it;
* its peak RSS (VmHWM), the message and the exit code (7).

Targets: every file refused (exit 7, the message naming the limit) in under 2 s
(CPU seconds of the whole process: on an idle machine, its wall time) and under
200 MiB peak. Before the budget, the 900,000 keys took 20 s and 1.6 GB.

    python benchmarks/parse_budget.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

#: Runs ``smddp-compat validate FILE`` in a fresh interpreter and prints the seconds from
#: interpreter start to exit, the seconds spent in the command, the peak RSS (VmHWM: this
#: process's own high-water mark, not the parent's inherited one) and the exit code.
_CHILD = r"""
import sys, time
started = time.perf_counter()
from compat.entry import main
command = time.perf_counter()
try:
    main(["validate", sys.argv[1]])
    code = 0
except SystemExit as exc:
    code = exc.code
done = time.perf_counter()
with open("/proc/self/status") as fh:
    hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
print(f"RESULT {done - command:.3f} {hwm:.0f} {code}", file=sys.stderr)
"""

SHAPES: dict[str, bytes] = {}


def shapes() -> dict[str, bytes]:
    """The files, built once: each is under MAX_BYTES (16 MiB)."""
    if not SHAPES:
        SHAPES["900,000 one-line keys"] = b"".join(b"k%d: v\n" % i for i in range(900_000))
        SHAPES["flow list of 7,000,000 items"] = b"a: [" + b"1," * 6_999_999 + b"1]\n"
        SHAPES["one 15,000,000-character string"] = b'a: "' + b"x" * 15_000_000 + b'"\n'
        SHAPES["1,000,000 documents"] = b"---\na: 1\n" * 1_000_000
        SHAPES["nesting 5,000 deep"] = b"a: " + b"[" * 5_000 + b"]" * 5_000 + b"\n"
    return SHAPES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="write the files here and keep them")
    args = parser.parse_args()
    from compat.matrix.limits import MAX_BYTES

    directory = args.keep or tempfile.mkdtemp(prefix="parse-budget-")
    worst_time = worst_peak = worst_cpu = 0.0
    print(
        f"{'shape':34} {'MiB':>5} {'wall s':>6} {'cpu s':>6} {'command s':>9} {'peak MiB':>8}"
        "  exit  message"
    )
    for name in list(shapes()):
        data = SHAPES.pop(name)
        assert len(data) <= MAX_BYTES, name
        path = os.path.join(directory, name.split()[0].replace(",", "") + ".yaml")
        with open(path, "wb") as fh:
            fh.write(data)
        size = len(data)
        del data
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, path], capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        [result] = [ln for ln in child.stderr.splitlines() if ln.startswith("RESULT ")]
        _, command_s, peak, code = result.split()
        message = child.stderr.splitlines()[0].split(": ", 2)[-1]
        worst_time, worst_peak = max(worst_time, wall), max(worst_peak, float(peak))
        worst_cpu = max(worst_cpu, cpu)
        print(
            f"{name:34} {size / 1048576:5.1f} {wall:6.2f} {cpu:6.2f} {float(command_s):9.3f} "
            f"{float(peak):8.0f}  {code:>4}  {message[:60]}"
        )
        if not args.keep:
            os.unlink(path)
    if not args.keep:
        os.rmdir(directory)
    # The verdict is on CPU seconds: wall seconds on a shared machine measure its load.
    ok = worst_cpu < 2.0 and worst_peak < 200
    print(
        f"worst: {worst_time:.2f} s wall ({worst_cpu:.2f} s CPU), {worst_peak:.0f} MiB peak "
        f"(targets: under 2 s, under 200 MiB): {'ok' if ok else 'MISSED'}"
    )
    print(
        "wall includes interpreter start; on a loaded machine compare the CPU seconds "
        f"(this machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
