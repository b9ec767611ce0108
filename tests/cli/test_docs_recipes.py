"""docs/recipes.md: every marked recipe runs here as far as it can without AWS.

CI scripts run in bash with a stand-in ``smddp-compat`` that exits with each code; the
``--format env`` recipes and doctor run the real installed command; the launcher runs with a
fake SageMaker SDK; completion scripts are generated and loaded.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import yaml

import compat

from ..conftest import REPO, Invoke, missing_tool, subprocess_env

RECIPES = REPO / "docs" / "recipes.md"
BIN = Path(sys.executable).parent  # where the installed smddp-compat lives
IMAGE_1131 = compat.resolve("pytorch", "1.13.1", "us-west-2").image_uri


def recipe(name: str) -> str:
    """The fenced block right after ``<!-- recipe: name -->``."""
    text = RECIPES.read_text(encoding="utf-8")
    match = re.search(rf"<!-- recipe: {re.escape(name)} -->\s*```[a-z]*\n(.*?)```", text, re.DOTALL)
    assert match, f"no recipe {name!r} in {RECIPES}"
    return match.group(1)


def bash(
    script: str, cwd: Path, path_first: Path = BIN, **env: str
) -> subprocess.CompletedProcess[str]:
    full_env = subprocess_env(**env)
    full_env["PATH"] = f"{path_first}{os.pathsep}{BIN}{os.pathsep}{full_env.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """A stand-in smddp-compat: prints a line and exits with $FAKE_EXIT."""
    directory = tmp_path / "fake-bin"
    directory.mkdir()
    fake = directory / "smddp-compat"
    fake.write_text(
        '#!/bin/sh\necho "SMDDP_FAKE=1"\necho "$@" >> "$FAKE_LOG"\nexit "${FAKE_EXIT:-0}"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    return directory


@pytest.mark.parametrize(("code", "job_exit"), [(0, 0), (3, 3), (4, 4), (5, 5), (6, 0), (7, 7)])
def test_github_preflight_step_acts_on_exit_codes(
    tmp_path: Path, fake_bin: Path, code: int, job_exit: int
) -> None:
    [step] = yaml.safe_load(recipe("github-preflight"))
    assert step["shell"] == "bash"
    output = tmp_path / "github_output"
    result = bash(
        step["run"],
        tmp_path,
        fake_bin,
        FAKE_EXIT=str(code),
        FAKE_LOG=str(tmp_path / "log"),
        GITHUB_OUTPUT=str(output),
    )
    assert result.returncode == job_exit, result.stdout + result.stderr
    assert output.read_text(encoding="utf-8") == f"exit-code={code}\n"
    assert (tmp_path / "preflight.json").read_text(encoding="utf-8") == "SMDDP_FAKE=1\n"
    if code == 6:
        assert result.stdout.startswith("::warning::")
    elif code:
        assert result.stdout.startswith("::error::")


def test_github_preflight_command_line_is_valid(run_cli: Invoke, tmp_path: Path) -> None:
    [step] = yaml.safe_load(recipe("github-preflight"))
    command = step["run"].split("smddp-compat ", 1)[1].split(" > preflight.json", 1)[0]
    args = shlex.split(command.replace("\\\n", " "))
    assert "--require-aws" in args  # the gate must not pass on unchecked quotas
    args.remove("--require-aws")
    result = run_cli(*args, "--no-aws")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["instance_type"] == "ml.p4d.24xlarge"
    assert json.loads(result.stdout)["status"] == "partial"


def test_env_output_goes_into_github_output_unquoted(tmp_path: Path) -> None:
    steps = yaml.safe_load(recipe("github-env-output"))
    output = tmp_path / "github_output"
    result = bash(steps[0]["run"], tmp_path, GITHUB_OUTPUT=str(output))
    assert result.returncode == 0, result.stderr
    lines = output.read_text(encoding="utf-8").splitlines()
    assert all(re.fullmatch(r"SMDDP_[A-Z_]+=[^'\"\s]*", line) for line in lines), lines
    values = dict(line.split("=", 1) for line in lines)
    assert values["SMDDP_IMAGE_URI"] == IMAGE_1131
    assert "steps.smddp.outputs.SMDDP_IMAGE_URI" in steps[1]["run"]


def test_env_file_can_be_sourced(tmp_path: Path) -> None:
    result = bash(recipe("source-env"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{IMAGE_1131}\n"


@pytest.mark.parametrize("code", [0, 4, 5, 6])
def test_gitlab_job_script_and_allowed_failures(tmp_path: Path, fake_bin: Path, code: int) -> None:
    job = yaml.safe_load(recipe("gitlab-preflight"))["smddp-preflight"]
    assert job["allow_failure"] == {"exit_codes": [6]}
    assert job["artifacts"]["reports"]["dotenv"] == "smddp.env"
    lines = [line for line in job["script"] if not line.startswith("pip install")]
    assert len(lines) == len(job["script"]) - 1
    log = tmp_path / "log"
    result = bash(
        "set -e\n" + "\n".join(lines),
        tmp_path,
        fake_bin,
        FAKE_EXIT=str(code),
        FAKE_LOG=str(log),
        AWS_REGION="us-west-2",
    )
    if code:
        # resolve runs first with the same stand-in exit code, so set -e stops there.
        assert result.returncode == code
    else:
        assert result.returncode == 0, result.stderr
        calls = log.read_text(encoding="utf-8").splitlines()
        assert calls[0] == "resolve -f pytorch --version 1.13.1 --format env"
        assert calls[1].startswith(
            "preflight --framework pytorch --version 1.13.1 --region us-west-2"
        )
        assert (tmp_path / "smddp.env").exists()
        assert (tmp_path / "preflight.json").exists()


def test_gitlab_preflight_exit_code_is_kept(tmp_path: Path, fake_bin: Path) -> None:
    """With resolve succeeding, the job exits with preflight's own code."""
    job = yaml.safe_load(recipe("gitlab-preflight"))["smddp-preflight"]
    lines = [line for line in job["script"] if not line.startswith("pip install")]
    wrapper = fake_bin / "smddp-compat"
    wrapper.write_text(
        '#!/bin/sh\necho "$@" >> "$FAKE_LOG"\n'
        'case "$1" in preflight) exit 5 ;; *) echo SMDDP_FAKE=1 ;; esac\n',
        encoding="utf-8",
    )
    result = bash("set -e\n" + "\n".join(lines), tmp_path, fake_bin, FAKE_LOG=str(tmp_path / "l"))
    assert result.returncode == 5
    assert "preflight exit code 5" in result.stdout


def test_doctor_step_stops_on_a_mismatch(tmp_path: Path) -> None:
    site = tmp_path / "empty-site"
    site.mkdir()
    result = bash(recipe("doctor-step"), tmp_path)
    # This test environment has no torch: a mismatch, so the step exits 4.
    assert result.returncode == 4
    report = json.loads((tmp_path / "doctor.json").read_text(encoding="utf-8"))
    assert report["ok"] is False
    assert "this environment does not match smddp's requirements:" in result.stderr
    assert "MISMATCH framework" in result.stderr


def test_python_launcher_compiles_and_submits_with_a_fake_sdk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = recipe("python-launcher")
    code = compile(source, "launcher.py", "exec")
    submitted: dict[str, Any] = {}

    class FakePyTorch:
        def __init__(self, **kwargs: Any) -> None:
            submitted["kwargs"] = kwargs

        def fit(self, inputs: dict[str, str]) -> None:
            submitted["inputs"] = inputs

    sagemaker = types.ModuleType("sagemaker")
    pytorch = types.ModuleType("sagemaker.pytorch")
    pytorch.PyTorch = FakePyTorch  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sagemaker", sagemaker)
    monkeypatch.setitem(sys.modules, "sagemaker.pytorch", pytorch)
    real_preflight = compat.preflight
    monkeypatch.setattr(compat, "preflight", lambda *a, **k: real_preflight(*a, no_aws=True, **k))
    namespace: dict[str, Any] = {"__name__": "launcher"}
    exec(code, namespace)
    assert namespace["main"]() == 0
    assert submitted["kwargs"] == {
        "entry_point": "train.py",
        "source_dir": "src",
        "role": "arn:aws:iam::111122223333:role/SageMakerTraining",
        "instance_count": 2,
        "framework_version": "1.13.1",
        "py_version": "py39",
        "image_uri": IMAGE_1131,
        "instance_type": "ml.p4d.24xlarge",
        "distribution": {"smdistributed": {"dataparallel": {"enabled": True}}},
    }
    assert submitted["inputs"] == {"train": "s3://my-bucket/train"}


MARKERS = {
    "bash": "_smddp_compat_completion",
    "zsh": "#compdef smddp-compat",
    "fish": "complete --no-files --command smddp-compat",
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_matches_clicks_script(run_cli: Invoke, shell: str) -> None:
    ours = run_cli("completion", shell)
    assert ours.exit_code == 0
    assert MARKERS[shell] in ours.stdout
    clicks = subprocess.run(
        [str(BIN / "smddp-compat")],
        env=subprocess_env(_SMDDP_COMPAT_COMPLETE=f"{shell}_source"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert clicks.returncode == 0
    assert clicks.stdout == ours.stdout
    assert f"smddp-compat completion {shell}" in recipe(f"completion-{shell}")


def test_bash_completion_loads_and_completes_commands(tmp_path: Path) -> None:
    loaded = bash(recipe("completion-bash") + "complete -p smddp-compat\n", tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "_smddp_compat_completion" in loaded.stdout
    completed = subprocess.run(
        [str(BIN / "smddp-compat")],
        env=subprocess_env(
            _SMDDP_COMPAT_COMPLETE="bash_complete", COMP_WORDS="smddp-compat res", COMP_CWORD="1"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.stdout.splitlines() == ["plain,resolve"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_load_the_script(tmp_path: Path, shell: str) -> None:
    exe = shutil.which(shell)
    if exe is None:
        missing_tool(shell, f"sudo apt-get install {shell}")
    script = recipe(f"completion-{shell}")
    if shell == "fish":
        script = "smddp-compat completion fish | source\n"
    env = subprocess_env()
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [
            exe,
            "-c",
            script if shell == "fish" else "autoload -Uz compinit && compinit -u\n" + script,
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_readme_links_the_recipes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    workflows = readme.split("## Workflows", 1)[1].split("\n## ", 1)[0]
    assert "docs/recipes.md" in workflows
    assert readme.index("## Workflows") < readme.index("## Exit codes")
