"""Fast start, guarded without timing: what the hot path imports, and the compiled cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compat.matrix import load_matrix, shipped_matrix_path
from compat.matrix.store import _cache_file

from .conftest import Invoke, run_process, subprocess_env

HEAVY = ("boto3", "botocore", "fastapi", "uvicorn", "starlette", "httpx")
SLOW_PATH = ("pydantic", "yaml", "click")
#: What a plain resolve or list with the shipped matrix must not import either: each costs
#: milliseconds (dataclasses imports inspect; hashlib loads OpenSSL; json and shlex import re,
#: which imports enum) and the answer needs none of them.
LEAN = (
    *HEAVY,
    *SLOW_PATH,
    "packaging",
    "dataclasses",
    "inspect",
    "hashlib",
    "_hashlib",
    "enum",
    "typing",
    "json",
    "shlex",
    "re",
    "zlib",
    "logging",
)
# Imports nothing before the run (json only after it), so that what it finds is the run's.
PROBE = """
import sys
sys.argv = ["smddp-compat", *sys.argv[1:]]
from compat.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted(sys.modules)
sys.stdout.flush()
import json
sys.stderr.write("MODULES=" + json.dumps(loaded) + "\\n")
"""


def modules_loaded_by(args: list[str], cwd: Path | None = None, **env: str) -> tuple[set[str], str]:
    """The modules a run imports; from ``cwd`` (not the clone), the installed package's."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=subprocess_env(**env),
        cwd=cwd,
        timeout=60,
        check=False,
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES="))), proc.stdout


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


RESOLVE = ["resolve", "--framework", "pytorch", "--version", "1.13.1", "--region", "us-west-2"]


@pytest.mark.parametrize("fmt", ["uri", "text", "json", "env"])
def test_resolve_never_imports_aws_or_web_libraries(tmp_path: Path, fmt: str) -> None:
    cache = str(tmp_path / "cache")
    loaded, out = modules_loaded_by([*RESOLVE, "--format", fmt], SMDDP_COMPAT_CACHE_DIR=cache)
    assert "763104351884.dkr.ecr.us-west-2.amazonaws.com" in out
    assert not top_level(loaded) & set(HEAVY)


def test_with_a_fresh_compiled_matrix_resolve_skips_pydantic_yaml_and_click(
    tmp_path: Path,
) -> None:
    """From a clone (no build-time compiled matrix): the first run compiles, later ones not."""
    cache = str(tmp_path / "cache")
    first, _ = modules_loaded_by([*RESOLVE, "--format", "uri"], SMDDP_COMPAT_CACHE_DIR=cache)
    assert "pydantic" in top_level(first)  # the first run validates and compiles
    again, out = modules_loaded_by([*RESOLVE, "--format", "uri"], SMDDP_COMPAT_CACHE_DIR=cache)
    assert out.startswith("763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:")
    assert not top_level(again) & {*HEAVY, *SLOW_PATH, "packaging"}


PLAIN_RUNS = [
    [*RESOLVE, "--format", "uri"],
    [*RESOLVE],
    [*RESOLVE, "--format", "json"],
    [*RESOLVE, "--format", "env"],
    ["resolve", "-f", "pt", "-r", "us-west-2", "--format", "uri"],  # latest
    ["list", "--format", "json"],
    ["list", "-f", "tf", "-r", "eu-west-1"],
    ["list", "--format", "uri", "-r", "us-east-1"],
]


@pytest.mark.parametrize("args", PLAIN_RUNS, ids=[" ".join(a[-4:]) for a in PLAIN_RUNS])
def test_installed_plain_resolve_and_list_import_only_what_they_need(
    tmp_path: Path, args: list[str]
) -> None:
    """The installed package, with its build-time compiled matrix, from a fresh cache."""
    cache = tmp_path / "cache"
    loaded, out = modules_loaded_by(args, cwd=tmp_path, SMDDP_COMPAT_CACHE_DIR=str(cache))
    assert out.strip()
    assert "compat.matrix.prebuilt" in loaded
    assert not {*loaded, *top_level(loaded)} & set(LEAN), sorted(
        {*loaded, *top_level(loaded)} & set(LEAN)
    )
    assert not cache.exists()  # nothing compiled, nothing written


def test_prefix_requests_load_packaging_but_not_pydantic(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    modules_loaded_by([*RESOLVE, "--format", "uri"], SMDDP_COMPAT_CACHE_DIR=cache)
    loaded, out = modules_loaded_by(
        ["resolve", "-f", "pt", "--version", "1.13", "-r", "us-west-2", "--format", "uri"],
        SMDDP_COMPAT_CACHE_DIR=cache,
    )
    assert "1.13.1-gpu-py39" in out
    assert "packaging" in top_level(loaded)
    assert not top_level(loaded) & {"pydantic", "yaml", *HEAVY}


def _copy_matrix(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.yaml"
    path.write_bytes(Path(shipped_matrix_path()).read_bytes())
    return path


def _resolve_uri(path: Path, cache: Path) -> str:
    res = run_process(
        [
            "resolve",
            "-f",
            "pt",
            "--version",
            "1.13.1",
            "-r",
            "us-west-2",
            "--format",
            "json",
            "--matrix",
            str(path),
        ],
        SMDDP_COMPAT_CACHE_DIR=str(cache),
    )
    assert res.exit_code == 0, res.stderr
    return str(json.loads(res.stdout)["smddp_version"])


def test_a_changed_matrix_file_invalidates_the_compiled_form(tmp_path: Path) -> None:
    path = _copy_matrix(tmp_path)
    cache = tmp_path / "cache"
    assert _resolve_uri(path, cache) == "1.7.0"
    compiled = list(cache.iterdir())
    assert len(compiled) == 1
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('smddp: "1.7.0"', 'smddp: "1.7.1"').replace(
            "smdistributed_dataparallel-1.7.0-", "smdistributed_dataparallel-1.7.1-"
        ),
        encoding="utf-8",
    )
    assert _resolve_uri(path, cache) == "1.7.1"
    assert len(list(cache.iterdir())) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: blob[:-10] + b"0123456789",  # flipped bytes
        lambda blob: b"not a cache file",
        lambda blob: b"",
    ],
    ids=["truncated", "corrupt", "foreign", "empty"],
)
def test_a_corrupt_compiled_form_is_rebuilt_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: object
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SMDDP_COMPAT_CACHE_DIR", str(cache))
    path = _copy_matrix(tmp_path)
    load_matrix(path)
    (entry,) = cache.iterdir()
    good = entry.read_bytes()
    entry.write_bytes(damage(good))  # type: ignore[operator]
    from compat.matrix import store as matrix_module

    matrix_module._LOADED.clear()
    m = load_matrix(path)
    assert m.compiled["releases"]["pytorch"][0]["version"] == "2.5.1"
    assert entry.read_bytes() == good  # rewritten


def test_an_unwritable_or_missing_cache_directory_still_answers(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "file-not-dir"
        blocker.write_text("x", encoding="utf-8")
        cache = blocker / "cache"  # cannot be created: its parent is a file
    else:
        cache = tmp_path / "ro"
        cache.mkdir()
        cache.chmod(0o500)
    res = run_process([*RESOLVE, "--format", "uri"], SMDDP_COMPAT_CACHE_DIR=str(cache))
    assert res.exit_code == 0
    assert res.stdout.startswith("763104351884.dkr.ecr.us-west-2.amazonaws.com/")
    assert res.stderr == ""


def test_an_unwritable_cache_is_reported_once_with_debug(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", encoding="utf-8")
    cache = blocker / "cache"  # cannot be created, even by root: its parent is a file
    path = _copy_matrix(tmp_path)
    args = [*RESOLVE, "--format", "uri", "--matrix", str(path)]
    quiet = run_process(args, SMDDP_COMPAT_CACHE_DIR=str(cache))
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    loud = run_process(["--debug", *args], SMDDP_COMPAT_CACHE_DIR=str(cache))
    assert loud.exit_code == 0
    assert loud.stdout == quiet.stdout
    lines = loud.stderr.splitlines()
    assert len(lines) == 1, loud.stderr
    assert lines[0].startswith(f"debug: cannot write the compiled matrix to {cache}")
    assert "SMDDP_COMPAT_CACHE_DIR" in lines[0]


def test_caching_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMDDP_COMPAT_CACHE_DIR", "")
    assert _cache_file("0" * 64) is None
    res = run_process([*RESOLVE, "--format", "uri"], SMDDP_COMPAT_CACHE_DIR="")
    assert res.exit_code == 0


def test_fast_path_and_click_print_the_same(tmp_path: Path) -> None:
    """The click-free entry point answers exactly as the click command does."""
    from compat.entry import parse_fast

    cases = [
        [*RESOLVE],
        [*RESOLVE, "--format", "json"],
        [*RESOLVE, "--format=env"],
        ["resolve", "-f", "TF", "--version", "2.5.1", "-r", "cn-north-1", "--format", "YAML"],
        ["resolve", "-f", "pt", "--version", "2.4.1", "-r", "us-west-2", "--format", "uri"],
        ["resolve", "-f", "pt", "--version", "2.6", "-r", "us-west-2", "--format", "json"],
        ["resolve", "-f", "pt", "--version", "1.13.1", "-r", "mars-1"],
        ["resolve", "-f", "nope"],
        ["resolve", "-f", "pt", "--version", "1.x"],
        ["list", "--format", "json", "-r", "eu-west-1"],
        ["list", "-f", "hf"],
        ["list", "-f", "pt", "-r", "us-isof-east-1", "--format", "uri"],
    ]
    for args in cases:
        assert parse_fast(args) is not None, args
        fast = run_process(args)
        slow = run_process([*args, "--matrix", shipped_matrix_path()])  # forces click
        assert parse_fast([*args, "--matrix", "x"]) is None
        assert (fast.exit_code, fast.stdout, fast.stderr) == (
            slow.exit_code,
            slow.stdout,
            slow.stderr,
        ), args


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "--help"],
        ["resolve", "-f"],
        ["resolve", "-fpt"],
        ["resolve", "-f=pt"],
        ["resolve", "-f", "pt", "--format", "bogus"],
        ["resolve", "-f", "pt", "--version", "-1"],
        ["--debug", "resolve", "-f", "pt"],
        ["list", "--version", "1"],
        ["validate"],
    ],
)
def test_anything_unusual_goes_to_click(args: list[str]) -> None:
    from compat.entry import parse_fast

    assert parse_fast(args) is None


def test_top_level_help_is_the_same_from_click_and_the_fast_path(run_cli: Invoke) -> None:
    from compat.cli.registry import COMMANDS

    fast = run_process(["--help"])
    via_click = run_cli("--help")
    assert fast.exit_code == via_click.exit_code == 0
    assert fast.stdout == via_click.stdout
    for name, (_, _, short_help) in COMMANDS.items():
        assert f"  {name} " in fast.stdout
        assert short_help in fast.stdout
    assert run_process(["-h"]).stdout == fast.stdout


def test_top_level_help_names_every_option_of_the_group() -> None:
    from compat.cli.app import cli
    from compat.cli.help import DOCUMENTED_OPTIONS, group_help

    declared = {opt for param in cli.params for opt in (*param.opts, *param.secondary_opts)}
    declared |= {"-h", "--help"}
    assert declared == set(DOCUMENTED_OPTIONS)
    for option in DOCUMENTED_OPTIONS:
        assert option in group_help()
