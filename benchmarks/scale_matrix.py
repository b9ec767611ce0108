"""Write a valid matrix file with many generated PyTorch rows, for scale benchmarks.

The rows are versions 2.5.2, 2.5.3, ... (below the no-smddp range), each with
a consistent tag and wheel, appended to the shipped matrix's PyTorch section.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROW = """\
  - version: "2.5.{patch}"
    smddp: "2.6.0"
    python: "3.11"
    cuda: "12.4"
    os: ubuntu22.04
    tag: "2.5.{patch}-gpu-py311-cu124-ubuntu22.04-sagemaker"
    wheel:
      path: "pytorch/2.5.{patch}/cu124/2025-03-10/{wheel}"
    sources: [DLC]
    confidence: inferred
    notes: ["Generated row {patch} for the scale benchmark."]
"""


def scaled_matrix_text(shipped: str, rows: int) -> str:
    """The shipped matrix with ``rows`` generated PyTorch rows added at the top of ``pytorch:``."""
    marker = "\npytorch:\n"
    head, tail = shipped.split(marker, 1)
    wheel = "smdistributed_dataparallel-2.6.0-cp311-cp311-linux_x86_64.whl"
    generated = "".join(ROW.format(patch=patch, wheel=wheel) for patch in range(rows + 1, 1, -1))
    return head + marker + generated + tail


def main() -> None:
    from compat.matrix import shipped_matrix_path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    shipped = Path(shipped_matrix_path()).read_text(encoding="utf-8")
    args.output.write_text(scaled_matrix_text(shipped, args.rows), encoding="utf-8")
    print(f"wrote {args.output} with {args.rows} generated rows")


if __name__ == "__main__":
    main()
