"""refresh-matrix.yml's compare and merge steps, run with bash against the real SDK files.

The workflow downloads the newest ``sagemaker-core`` wheel, extracts it and
points ``import-sdk --from`` at its ``sagemaker/core/image_uri_config`` (SDK_DIR).
Here SDK_DIR is a copy of the real files (the ``real_sdks`` fixture: what
.ci/run fetches), edited where a test needs the SDK to have changed; the steps
run in a git repository holding a copy of data/matrix.yaml, offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import compat

from ..conftest import REPO, subprocess_env
from .support import load_yaml, offline, path_with_python

WORKFLOW: dict[str, Any] = load_yaml(".github/workflows/refresh-matrix.yml")
JOB = WORKFLOW["jobs"]["refresh"]
STEPS = {step.get("id"): step for step in JOB["steps"]}
GIT = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def clone(
    tmp_path: Path, real_sdks: dict[str, Path], new_region: bool
) -> tuple[Path, dict[str, str]]:
    """A repository with data/matrix.yaml, and the environment of the refresh job."""
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    shutil.copyfile(REPO / "data" / "matrix.yaml", repo / "data" / "matrix.yaml")
    core = real_sdks["sagemaker-core"]  # .../sagemaker/core/image_uri_config
    package = tmp_path / "sagemaker-core" / "sagemaker" / "core"
    shutil.copytree(core.parent, package)
    sdk = package / "image_uri_config"
    if new_region:
        path = sdk / "pytorch.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        for version in ("2.4.0", "2.5.1"):
            data["training"]["versions"][version]["registries"]["me-west-1"] = "123456789012"
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    env = subprocess_env(
        PATH=path_with_python(),
        SDK_DIR=str(sdk),
        RUNNER_TEMP=str(tmp_path),
        SMDDP_COMPAT_MATRIX=JOB["env"]["SMDDP_COMPAT_MATRIX"],
        SMDDP_COMPAT_CACHE_DIR=str(tmp_path / "cache"),
        GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"),
        **GIT,
    )
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "m"]):
        subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True)
    return repo, env


def run_step(step_id: str, repo: Path, env: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """Run one step's script as the runner does; its exit code, outputs and log."""
    output = repo.parent / f"output-{step_id}"
    script = STEPS[step_id]["run"]
    assert "${{" not in script
    proc = subprocess.run(
        offline(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]),
        cwd=repo,
        env={**env, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    outputs = dict(line.split("=", 1) for line in lines)
    return proc.returncode, outputs, proc.stdout + proc.stderr


def test_nothing_new_in_the_sdk_proposes_nothing(
    tmp_path: Path, real_sdks: dict[str, Path]
) -> None:
    repo, env = clone(tmp_path, real_sdks, new_region=False)
    code, outputs, log = run_step("sdk", repo, env)
    assert code == 0, log
    assert outputs == {"differ": "false", "unexplained": "0", "changed": "false"}
    assert STEPS["merge"]["if"] == "steps.sdk.outputs.changed == 'true'"


def test_a_new_smdistributed_version_fails_the_job_naming_it(
    tmp_path: Path, real_sdks: dict[str, Path]
) -> None:
    repo, env = clone(tmp_path, real_sdks, new_region=False)
    fw_utils = Path(env["SDK_DIR"]).parent / "fw_utils.py"
    text = fw_utils.read_text(encoding="utf-8")
    fw_utils.write_text(text.replace('"2.11.0",\n', '"2.11.0",\n        "2.11.1",\n', 1), "utf-8")
    code, outputs, log = run_step("sdk", repo, env)
    assert code == 0, log
    assert (outputs["differ"], outputs["unexplained"]) == ("true", "1")
    assert "::error::unexplained: tensorflow 2.11.1" in log
    [fail] = [s for s in JOB["steps"] if s.get("if") == "steps.sdk.outputs.unexplained != '0'"]
    assert "exit 1" in fail["run"]


def test_a_new_region_in_the_sdk_is_merged_into_the_matrix(
    tmp_path: Path, real_sdks: dict[str, Path]
) -> None:
    repo, env = clone(tmp_path, real_sdks, new_region=True)
    matrix = repo / "data" / "matrix.yaml"
    before = matrix.read_bytes()
    code, outputs, log = run_step("sdk", repo, env)
    assert code == 0, log
    assert outputs == {"differ": "true", "unexplained": "0", "changed": "true"}
    assert matrix.read_bytes() == before  # --dry-run wrote nothing
    assert "registries.me-west-1" in log

    code, _, log = run_step("merge", repo, env)
    assert code == 0, log
    merged = compat.load_matrix(matrix)
    image = compat.resolve("pytorch", "2.4.0", "me-west-1", matrix=merged).image_uri
    assert image is not None
    assert image.startswith("123456789012.dkr.ecr.me-west-1.amazonaws.com/")
    diff = subprocess.run(
        ["git", "diff", "--stat"], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    assert "data/matrix.yaml" in diff.stdout


def test_a_broken_sdk_file_fails_the_compare_step(
    tmp_path: Path, real_sdks: dict[str, Path]
) -> None:
    repo, env = clone(tmp_path, real_sdks, new_region=False)
    (Path(env["SDK_DIR"]) / "pytorch.json").write_text("{", encoding="utf-8")
    code, outputs, log = run_step("sdk", repo, env)
    assert code == 2, log
    assert outputs == {}
    assert "::error::smddp-compat import-sdk failed with exit code 2" in log
