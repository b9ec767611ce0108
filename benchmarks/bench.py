"""Benchmarks for smddp-compat: one table of figures, each with its baseline and ratio.

Run it with the interpreter of an environment where smddp-compat is installed:

    python benchmarks/bench.py [--runs 40] [--sagemaker-python /path/to/venv/bin/python]

Whole-process figures are medians of wall time over ``--runs`` runs, next to
``python -c pass`` from the same interpreter in the same run, the commands
taking turns. ``--compare-site DIR`` adds the same commands run from another
build of smddp-compat installed with ``pip install --no-deps --target DIR``
(an older commit, for before/after figures), taking turns with the rest. With
``--sagemaker-python``, the SageMaker SDK's ``image_uris.retrieve`` is timed for
the same lookup in that (separate) environment; the SDK is never a dependency.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_matrix import scaled_matrix_text  # noqa: E402

RESOLVE = ["resolve", "--framework", "pytorch", "--version", "1.13.1", "--region", "us-west-2"]
SDK_RETRIEVE = (
    "import sagemaker; sagemaker.image_uris.retrieve('pytorch', region='us-west-2', "
    "version='1.13.1', py_version='py39', instance_type='ml.p4d.24xlarge', "
    "image_scope='training')"
)


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""

    def ratio(self) -> str:
        return f"{self.value / self.baseline:.1f}x" if self.baseline else ""


GNU_TIME = Path("/usr/bin/time")


def run_once(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process.

    The peak comes from GNU time where it exists: a child forked from this
    (larger) process would report this process's size as its own peak.
    """
    measured = [str(GNU_TIME), "-f", "%M", *cmd] if GNU_TIME.exists() else list(cmd)
    start = time.perf_counter()
    proc = subprocess.run(
        measured, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    lines = proc.stderr.decode().strip().splitlines()
    peak = int(lines[-1]) / 1024 if GNU_TIME.exists() and lines else float("nan")
    return elapsed, peak


def median_process(
    cmd: Sequence[str], env: dict[str, str], runs: int, prepare: Callable[[], None] | None = None
) -> tuple[float, float]:
    """Median wall ms and max peak RSS MiB over ``runs`` runs (after one warm-up)."""
    run_once(cmd, env)
    times, peaks = [], []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        wall, rss = run_once(cmd, env)
        times.append(wall * 1000)
        peaks.append(rss)
    return statistics.median(times), max(peaks)


def interleaved_medians(
    cmds: dict[str, Sequence[str]],
    env: dict[str, str],
    runs: int,
    envs: dict[str, dict[str, str]] | None = None,
    prepare: dict[str, Callable[[], None]] | None = None,
) -> dict[str, tuple[float, float]]:
    """Median wall ms and max peak RSS MiB per command, the commands taking turns.

    Taking turns (rather than running each command ``runs`` times in a row)
    spreads any load from elsewhere on the machine evenly over the baseline
    and the figures compared with it. ``envs`` gives some commands their own
    environment; ``prepare`` runs before each run of a command (not timed).
    """
    envs = envs or {}
    prepare = prepare or {}
    for label, cmd in cmds.items():
        run_once(cmd, envs.get(label, env))  # warm-up: page cache, compiled matrix
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in cmds}
    for _ in range(runs):
        for label, cmd in cmds.items():
            if label in prepare:
                prepare[label]()
            samples[label].append(run_once(cmd, envs.get(label, env)))
    return {
        label: (statistics.median(w * 1000 for w, _ in got), max(r for _, r in got))
        for label, got in samples.items()
    }


def per_call_us(func: Callable[[], object], number: int) -> float:
    """Median microseconds per call over 7 batches of ``number`` calls."""
    func()
    batches = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(number):
            func()
        batches.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(batches)


def process_rows(runs: int, cache: str, compare_site: str | None = None) -> list[Row]:
    exe = str(Path(sys.executable).parent / "smddp-compat")
    env = {**os.environ, "SMDDP_COMPAT_CACHE_DIR": cache, "AWS_EC2_METADATA_DISABLED": "true"}
    uri = [*RESOLVE, "--format", "uri"]
    # HOME read-only, and a cache directory that cannot be created even by root.
    locked = Path(tempfile.mkdtemp(prefix="smddp-locked-"))
    (locked / "home").mkdir(mode=0o555)
    (locked / "blocker").write_text("a file, so blocker/cache cannot be made\n")
    locked_env = {
        **env,
        "HOME": str(locked / "home"),
        "SMDDP_COMPAT_CACHE_DIR": str(locked / "blocker" / "cache"),
    }
    fresh = Path(tempfile.mkdtemp(prefix="smddp-fresh-")) / "cache"
    fresh_env = {**env, "SMDDP_COMPAT_CACHE_DIR": str(fresh)}
    cmds: dict[str, Sequence[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "smddp-compat resolve --format uri": [exe, *uri],
        "resolve --format uri, HOME and cache read-only": [exe, *uri],
        "resolve --format uri, right after install (no cache)": [exe, *uri],
        "smddp-compat resolve (text)": [exe, *RESOLVE],
        "smddp-compat --help": [exe, "--help"],
        "smddp-compat list --format json": [exe, "list", "--format", "json"],
    }
    envs = {
        "resolve --format uri, HOME and cache read-only": locked_env,
        "resolve --format uri, right after install (no cache)": fresh_env,
    }
    if compare_site:
        compare_env = {**env, "PYTHONPATH": compare_site}
        run = [sys.executable, "-c", "import sys; from compat.entry import main; sys.exit(main())"]
        # The console script pip writes imports re; both builds run without it here.
        cmds["this build, same launcher: resolve --format uri"] = [*run, *uri]
        cmds["this build, same launcher: list --format json"] = [*run, "list", "--format", "json"]
        cmds["compared build: resolve --format uri"] = [*run, *uri]
        cmds["compared build: list --format json"] = [*run, "list", "--format", "json"]
        envs["compared build: resolve --format uri"] = compare_env
        envs["compared build: list --format json"] = compare_env

    def remove_fresh() -> None:
        shutil.rmtree(fresh, ignore_errors=True)

    measured = interleaved_medians(
        cmds,
        env,
        runs,
        envs=envs,
        prepare={"resolve --format uri, right after install (no cache)": remove_fresh},
    )
    base_ms, base_rss = measured.pop("python -c pass")
    warm_ms, _ = measured["smddp-compat resolve --format uri"]
    targets = {
        "smddp-compat resolve --format uri": "<= 2x",
        "resolve --format uri, HOME and cache read-only": "within 10% of warm",
        "resolve --format uri, right after install (no cache)": "within 10% of warm",
        "smddp-compat list --format json": "<= 2.5x",
    }
    rows = [Row("python -c pass", base_ms, "ms", target="baseline")]
    rows += [
        Row(label, ms, "ms", base_ms, targets.get(label, "info"))
        for label, (ms, _) in measured.items()
    ]
    for label in envs:
        if label.startswith("resolve"):
            rows.append(
                Row(f"  {label}: vs warm", measured[label][0], "ms", warm_ms, targets[label])
            )
    cold_dir = tempfile.mkdtemp(prefix="smddp-cold-")
    cold_env = {**env, "SMDDP_COMPAT_CACHE_DIR": cold_dir}
    matrix_copy = Path(cold_dir).parent / f"{Path(cold_dir).name}-matrix.yaml"
    from compat.matrix import shipped_matrix_path

    shutil.copyfile(shipped_matrix_path(), matrix_copy)

    def clear() -> None:
        for entry in Path(cold_dir).iterdir():
            entry.unlink()

    ms, _ = median_process(
        [exe, "--matrix", str(matrix_copy), *uri], cold_env, max(3, runs // 5), prepare=clear
    )
    rows.append(Row("--matrix file, cold cache (validate + compile)", ms, "ms", base_ms, "info"))
    _, rss = measured["smddp-compat resolve --format uri"]
    rows.append(Row("resolve peak memory", rss, "MiB", base_rss, "<= 14 MiB"))
    for label in envs:
        rows.append(Row(f"  peak memory: {label}", measured[label][1], "MiB", base_rss, "info"))
    return rows


def library_rows() -> list[Row]:
    import compat
    from compat.matrix import load_matrix

    matrix = load_matrix()
    rows = [
        Row(
            "compat.resolve per call (exact)",
            per_call_us(lambda: compat.resolve("pytorch", "1.13.1", "us-west-2"), 5000),
            "us",
            target="<= 20 us",
        ),
        Row(
            "compat.resolve per call (prefix 1.13)",
            per_call_us(lambda: compat.resolve("pytorch", "1.13", "us-west-2"), 2000),
            "us",
            target="info",
        ),
    ]
    regions = sorted(matrix.compiled["regions"])

    def every_row_every_region() -> int:
        count = 0
        for region in regions:
            count += sum(r.image_uri is not None for r in compat.resolve_all(None, region))
        return count

    uris = every_row_every_region()
    ms = per_call_us(every_row_every_region, 3) / 1000
    rows.append(Row(f"resolve every row x region ({uris} URIs)", ms, "ms", target="< 50 ms"))
    return rows


def scale_rows(rows_count: int) -> list[Row]:
    import compat
    from compat.matrix import load_matrix, shipped_matrix_path
    from compat.matrix import store as matrix_module

    work = Path(tempfile.mkdtemp(prefix="smddp-scale-"))
    path = work / "matrix.yaml"
    shipped = Path(shipped_matrix_path()).read_text(encoding="utf-8")
    path.write_text(scaled_matrix_text(shipped, rows_count), encoding="utf-8")
    os.environ["SMDDP_COMPAT_CACHE_DIR"] = str(work / "cache")
    start = time.perf_counter()
    load_matrix(path)
    first = time.perf_counter() - start
    later = []
    for _ in range(5):
        matrix_module._LOADED.clear()
        start = time.perf_counter()
        big = load_matrix(path)
        later.append(time.perf_counter() - start)
    lookup = per_call_us(
        lambda: compat.resolve("pytorch", "2.5.5000", "us-west-2", matrix=big), 5000
    )
    size = path.stat().st_size / 1048576
    return [
        Row(
            f"{rows_count} rows ({size:.1f} MiB): first load, full validation",
            first * 1000,
            "ms",
            target="< 1000 ms",
        ),
        Row(
            f"{rows_count} rows: later load, unchanged file",
            statistics.median(later) * 1000,
            "ms",
            target="< 100 ms",
        ),
        Row(f"{rows_count} rows: compat.resolve per call", lookup, "us", target="<= 20 us"),
    ]


def hostile_rows() -> list[Row]:
    from compat.errors import MatrixError
    from compat.matrix import compile_bytes

    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    cases = {
        "alias bomb": bomb.encode(),
        "15 MiB of one line": b"a: " + b"x" * (15 * 1048576),
        "deep nesting": b"[" * 50_000 + b"]" * 50_000,
        "binary": bytes(range(256)) * 4096,
        "non-UTF-8": b"a: \xe9\n" * 100_000,
    }
    worst = 0.0
    for data in cases.values():
        start = time.perf_counter()
        try:
            compile_bytes(data, "hostile.yaml")
        except MatrixError:
            pass
        else:
            raise SystemExit("a hostile file was accepted")
        worst = max(worst, time.perf_counter() - start)
    return [
        Row(
            f"hostile files refused ({len(cases)} kinds), slowest",
            worst * 1000,
            "ms",
            target="< 2000 ms",
        )
    ]


def sdk_rows(python: str, runs: int, smddp_ms: float) -> list[Row]:
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    measured = interleaved_medians(
        {"pass": [python, "-c", "pass"], "sdk": [python, "-c", SDK_RETRIEVE]},
        env,
        max(3, runs // 5),
    )
    base_ms, _ = measured["pass"]
    ms, rss = measured["sdk"]
    per_call = subprocess.run(
        [
            python,
            "-c",
            "import timeit, sagemaker\n"
            f"stmt = {SDK_RETRIEVE.split('; ', 1)[1]!r}\n"
            "n = 200\n"
            "print(min(timeit.repeat(stmt, 'import sagemaker', number=n, repeat=5)) / n * 1e6)",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return [
        Row("SageMaker SDK image_uris.retrieve (process)", ms, "ms", base_ms, "comparison"),
        Row("SageMaker SDK process, vs smddp-compat resolve", ms, "ms", smddp_ms, "comparison"),
        Row("SageMaker SDK peak memory", rss, "MiB", target="comparison"),
        Row(
            "SageMaker SDK retrieve per call",
            float(per_call.stdout.strip().splitlines()[-1]),
            "us",
            target="comparison",
        ),
    ]


def print_table(rows: list[Row]) -> None:
    headers = ("figure", "value", "baseline", "ratio", "target")
    cells = [
        (
            r.figure,
            f"{r.value:.1f} {r.unit}",
            f"{r.baseline:.1f} {r.unit}" if r.baseline else "",
            r.ratio(),
            r.target,
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40, help="process runs per figure")
    parser.add_argument("--scale-rows", type=int, default=10_000)
    parser.add_argument("--sagemaker-python", help="python of an environment with `sagemaker`")
    parser.add_argument(
        "--compare-site", help="another build installed with pip install --no-deps --target DIR"
    )
    parser.add_argument(
        "--process-only", action="store_true", help="only the whole-process figures"
    )
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="smddp-bench-")
    os.environ["SMDDP_COMPAT_CACHE_DIR"] = cache
    print(
        f"smddp-compat benchmarks, {time.strftime('%Y-%m-%d')}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}\n"
    )
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    rows = process_rows(args.runs, cache, args.compare_site)
    if not args.process_only:
        rows += library_rows()
        rows += scale_rows(args.scale_rows)
        rows += hostile_rows()
    if args.sagemaker_python:
        resolve_ms = next(r.value for r in rows if r.figure == "smddp-compat resolve --format uri")
        rows += sdk_rows(args.sagemaker_python, args.runs, resolve_ms)
    print_table(rows)
    print(f"\nload average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
