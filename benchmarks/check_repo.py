"""How fast ``smddp-compat check`` reads a repository: 1,000 Python files and 200 notebooks.

Run it with the interpreter of an environment where smddp-compat is installed:

    python benchmarks/check_repo.py [--python 1000] [--notebooks 200] [--runs 3]

It writes a synthetic repository to a temporary directory (launchers with
variables, **kwargs and f-string image URIs, training scripts with smddp,
plain modules without SageMaker, notebooks with magics), then times whole
``smddp-compat check`` processes on it pinned to one core (where
``os.sched_setaffinity`` exists) and prints the median wall time and files
per second. The target is under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

LAUNCHER = '''"""Launcher {i}."""
import sagemaker
from sagemaker.pytorch import PyTorch as PT

VERSION = "{version}"
INSTANCE = "ml.p4d.24xlarge"
REGION = "us-west-2"
IMAGE = f"763104351884.dkr.ecr.{{REGION}}.amazonaws.com/pytorch-training:{{VERSION}}-gpu-py39"
common = {{"instance_count": 2, "py_version": "py39"}}


def launch(role):
    est = PT(
        entry_point="train_{i}.py",
        source_dir="code",
        role=role,
        framework_version=VERSION,
        instance_type=INSTANCE,
        image_uri=IMAGE,
        distribution={{"smdistributed": {{"dataparallel": {{"enabled": True}}}}}},
        **common,
    )
    est.fit(wait=False)
    return est
'''
SCRIPT = """import os
import smdistributed.dataparallel.torch.torch_smddp
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group(backend="smddp")


def main():
    rank = int(os.environ["LOCAL_RANK"])
    model = DDP(torch.nn.Linear(8, 8).cuda(rank), device_ids=[rank])
    for step in range(10):
        loss = model(torch.randn(4, 8).cuda(rank)).sum()
        loss.backward()
"""
PLAIN = '''"""Module {i}: code without SageMaker, as most of a repository is."""
from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass
class Point{i}:
    x: float
    y: float

    def norm(self) -> float:
        return math.hypot(self.x, self.y)


def scale(points: list[Point{i}], factor: float) -> list[Point{i}]:
    out = []
    for p in points:
        out.append(Point{i}(p.x * factor, p.y * factor))
    return out
''' + "\n".join(f"\ndef helper_{{i}}_{n}(a, b):\n    return a * {n} + b\n" for n in range(20))


def notebook(i: int) -> str:
    cells = [
        "%pip install -U sagemaker\n!nvidia-smi",
        "import sagemaker\nfrom sagemaker.pytorch import PyTorch\n"
        "role = sagemaker.get_execution_role()",
        "%%bash\nls -la",
        "instance_type = 'ml.p4d.24xlarge'\ninstance_count = 2\nversion = '1.13.1'",
        f"est = PyTorch(entry_point='train_{i}.py', source_dir='code', role=role,\n"
        "    framework_version=version, py_version='py39', instance_type=instance_type,\n"
        "    instance_count=instance_count,\n"
        "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
        "%time est.fit(wait=False)",
        "import pandas as pd\ndf = pd.DataFrame({'a': range(10)})\ndf.describe()",
    ]
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "source": c.splitlines(True)}
                for c in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def write_repo(root: str, n_python: int, n_notebooks: int) -> None:
    os.makedirs(os.path.join(root, "code"))
    os.makedirs(os.path.join(root, "notebooks"))
    for i in range(n_python):
        kind = i % 10
        if kind == 0:
            version = "1.13.1" if i % 20 else "2.6.0"
            text = LAUNCHER.format(i=i, version=version)
            path = os.path.join(root, f"launch_{i}.py")
        elif kind == 1:
            text, path = SCRIPT, os.path.join(root, "code", f"train_{i - 1}.py")
        else:
            sub = os.path.join(root, "pkg", f"m{i % 25}")
            os.makedirs(sub, exist_ok=True)
            text, path = PLAIN.format(i=i), os.path.join(sub, f"mod_{i}.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    for i in range(n_notebooks):
        with open(os.path.join(root, "notebooks", f"nb_{i}.ipynb"), "w", encoding="utf-8") as fh:
            fh.write(notebook(i))


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--python", type=int, default=1000)
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        write_repo(root, args.python, args.notebooks)
        argv = [sys.executable, "-m", "compat", "check", ".", "--format", "json", "--quiet"]
        times = []
        summary: dict[str, object] = {}
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(
                argv, cwd=root, capture_output=True, text=True, preexec_fn=_pin, check=False
            )
            times.append(time.perf_counter() - start)
            summary = json.loads(proc.stdout)
        files = int(str(summary["files_checked"]))
        median = statistics.median(times)
        print(
            f"check: {files} files ({args.python} Python, {args.notebooks} notebooks), "
            f"{summary['launchers']} launchers, one core"
        )
        print(
            f"median of {args.runs} whole processes: {median:.2f} s "
            f"({files / median:,.0f} files per second); target < 5 s"
        )


if __name__ == "__main__":
    main()
