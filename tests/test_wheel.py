"""The built wheel: resolving with its shipped matrix reads no YAML and writes nothing.

Builds the wheel as pip does (hatchling and the build hook in hatch_build.py),
installs it into a directory of its own and runs ``resolve`` there with ``HOME``
and the cache directory read-only, recording every file the process opens with
an audit hook (no strace needed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO, run_process, subprocess_env

pytest.importorskip("hatchling", reason="building the wheel needs hatchling (the test extra)")

RESOLVE = ["resolve", "-f", "pytorch", "--version", "1.13.1", "-r", "us-west-2", "--format", "uri"]
#: Runs the CLI under an audit hook; prints what was opened, for writing or not.
AUDITED = """
import os, sys
opened, changed = [], []
WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = bool(flags & WRITES) if isinstance(flags, int) else False
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            writing = True
        (changed if writing else opened).append(str(path))
    elif event in ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.chmod",
                   "os.truncate", "shutil.copyfile", "shutil.move"):
        changed.append(f"{event} {args[0]}")
sys.addaudithook(hook)
sys.argv = ["smddp-compat", *sys.argv[1:]]
from compat.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted(sys.modules)
sys.stdout.flush()
import json
sys.stderr.write("AUDIT=" + json.dumps({"opened": opened, "changed": changed,
                                         "modules": loaded, "code": code}) + "\\n")
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this tree, installed (by pip) into a directory of its own."""
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("smddp_compat-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert {"compat/data/matrix.yaml", "compat/data/matrix.compiled"} <= names
    site = work / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    return site


def audited_run(
    site: Path, cwd: Path, args: list[str], **env: str
) -> tuple[str, dict[str, object]]:
    base = subprocess_env(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1", **env)
    for name in ("SMDDP_COMPAT_CACHE_DIR", "XDG_CACHE_HOME"):
        if name not in env:
            base.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-c", AUDITED, *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    line = next((x for x in proc.stderr.splitlines() if x.startswith("AUDIT=")), None)
    assert line is not None, proc.stderr
    return proc.stdout, json.loads(line.removeprefix("AUDIT="))


def _read_only_dir(path: Path) -> Path:
    path.mkdir()
    path.chmod(0o555)
    return path


@pytest.mark.parametrize("cache", ["default", "read-only"])
def test_resolving_from_the_wheel_reads_no_yaml_and_writes_nothing(
    installed: Path, tmp_path: Path, cache: str
) -> None:
    home = _read_only_dir(tmp_path / "home")
    env = {"HOME": str(home)}
    if cache == "read-only":
        env["SMDDP_COMPAT_CACHE_DIR"] = str(_read_only_dir(tmp_path / "cache"))
    out, audit = audited_run(installed, tmp_path, RESOLVE, **env)
    assert audit["code"] in (0, None)
    assert out == run_process(RESOLVE).stdout  # the same answer as validating the YAML gives
    assert out.startswith("763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:")
    opened = [str(p) for p in audit["opened"]]  # type: ignore[union-attr]
    assert str(installed / "compat" / "data" / "matrix.compiled") in opened
    assert not [p for p in opened if p.endswith((".yaml", ".yml", ".marshal"))], opened
    assert audit["changed"] == []
    modules = set(audit["modules"])  # type: ignore[arg-type]
    assert not modules & {"yaml", "pydantic", "hashlib", "click", "packaging"}
    assert list(home.iterdir()) == []


def test_a_hand_edited_yaml_in_the_installation_is_validated_again(
    installed: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    shutil.copytree(installed, site)
    yaml_path = site / "compat" / "data" / "matrix.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(
        text.replace('smddp: "1.7.0"', 'smddp: "1.7.1"').replace(
            "smdistributed_dataparallel-1.7.0-", "smdistributed_dataparallel-1.7.1-"
        ),
        encoding="utf-8",
    )
    stat = yaml_path.stat()
    later = stat.st_mtime_ns + 60_000_000_000  # edited after the install
    os.utime(yaml_path, ns=(later, later))
    args = [*RESOLVE[:-1], "json"]
    out, audit = audited_run(site, tmp_path, args, SMDDP_COMPAT_CACHE_DIR=str(tmp_path / "c"))
    assert json.loads(out)["smddp_version"] == "1.7.1"
    assert str(yaml_path) in audit["opened"]  # type: ignore[operator]
