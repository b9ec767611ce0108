"""How long a shell waits for smddp-compat to complete an option value.

Run it with the interpreter of an environment where smddp-compat is installed:

    python benchmarks/completion.py [--runs 30]

Each figure is the median wall time of ``--runs`` whole processes answering a
bash completion request (``_SMDDP_COMPAT_COMPLETE=bash_complete``), taken in
turns with ``python -c pass`` from the same interpreter as the baseline. The
values come from the compiled matrix cache; nothing reaches AWS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = {
    "command names": "smddp-compat re",
    "--framework values": "smddp-compat resolve --framework p",
    "--version of pytorch": "smddp-compat resolve -f pytorch --version 1.1",
    "--region values": "smddp-compat preflight --region us-",
    "--instance-type values": "smddp-compat quota show --instance-type ml.p",
}


def _run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    base_env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    code = "from compat.entry import main; main()"
    print(f"{'completion of':<24} {'median ms':>10} {'baseline ms':>12} {'ratio':>6}")
    for label, words in CASES.items():
        env = {
            **base_env,
            "_SMDDP_COMPAT_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        _run([sys.executable, "-c", code], env)  # warm the compiled-matrix cache
        ours, base = [], []
        for _ in range(runs):
            ours.append(_run([sys.executable, "-c", code], env))
            base.append(_run([sys.executable, "-c", "pass"], base_env))
        mine, baseline = statistics.median(ours) * 1000, statistics.median(base) * 1000
        print(f"{label:<24} {mine:>10.1f} {baseline:>12.1f} {mine / baseline:>5.1f}x")


if __name__ == "__main__":
    main()
