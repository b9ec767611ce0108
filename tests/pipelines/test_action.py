"""action.yml, run as GitHub's runner would run its steps, without GitHub and offline.

Each ``run:`` step goes to bash with the expressions (``${{ inputs.* }}``,
``${{ github.action_path }}``, ``${{ steps.*.outputs.* }}``) substituted in its
``env:``, the inputs also as ``INPUT_*``, and its own temporary ``GITHUB_OUTPUT``;
``GITHUB_STEP_SUMMARY`` is shared by the steps. The install step really builds
and installs this checkout into a new virtual environment (pip without an index,
see support.py), once for the module; the action's outputs are then read from its
``outputs:`` section as the runner would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import compat

from ..conftest import REPO, subprocess_env
from .support import dependency_folder, load_yaml, offline, offline_pip_env, path_with_python

ACTION = load_yaml("action.yml")
ACTION_TEXT = (REPO / "action.yml").read_text(encoding="utf-8")
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]  # type: ignore[index]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
NO_CREDENTIALS = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
            index += 1
    return outputs


@dataclass
class ActionRun:
    """What a workflow sees after the action: outputs, exit code, log and job summary."""

    exit_code: int
    outputs: dict[str, str]
    stdout: str
    stderr: str
    summary: str

    def annotations(self, level: str) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(f"::{level} ")]


class Runner:
    """Runs the action's composite steps with bash, as the runner does."""

    def __init__(self, root: Path, dependencies: Path) -> None:
        self.root = root
        self.runner_temp = root / "runner-temp"
        self.runner_temp.mkdir(parents=True, exist_ok=True)
        self.base_env = subprocess_env(
            PATH=path_with_python(),
            RUNNER_TEMP=str(self.runner_temp),
            RUNNER_OS="Linux",
            GITHUB_ACTION_PATH=str(REPO),
            SMDDP_COMPAT_CACHE_DIR=str(root / "cache"),
            **offline_pip_env(dependencies),
        )

    def inputs(self, given: dict[str, str]) -> dict[str, str]:
        declared: dict[str, Any] = ACTION["inputs"]  # type: ignore[assignment]
        unknown = set(given) - set(declared)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        return {
            name: given.get(name, str(spec.get("default", ""))) for name, spec in declared.items()
        }

    def substitute(
        self, value: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]
    ) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression == "github.action_path":
                return str(REPO)
            if expression.startswith("inputs."):
                return inputs[expression.removeprefix("inputs.")]
            found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            assert found, f"the test does not know the expression {expression!r}"
            return steps.get(found.group(1), {}).get(found.group(2), "")

        return EXPRESSION.sub(one, value)

    def run(
        self, *, steps: list[dict[str, Any]] = STEPS, unset: tuple[str, ...] = (), **given: str
    ) -> ActionRun:
        inputs = self.inputs(given)
        outputs: dict[str, dict[str, str]] = {}
        workdir = Path(self.root / f"job-{len(list(self.root.glob('job-*')))}")
        workdir.mkdir()
        summary = workdir / "summary.md"
        stdout, stderr, code = "", "", 0
        for number, step in enumerate(steps):
            if "uses" in step:  # another action (upload-sarif): not run here, see its test
                continue
            assert step["shell"] == "bash", step
            output_file = workdir / f"output-{number}"
            env = {k: v for k, v in self.base_env.items() if k not in unset}
            env.update({f"INPUT_{n.upper().replace('-', '_')}": v for n, v in inputs.items()})
            env.update(
                {
                    k: self.substitute(str(v), inputs, outputs)
                    for k, v in (step.get("env") or {}).items()
                }
            )
            env.update(GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(summary))
            script = self.substitute(step["run"], inputs, outputs)
            proc = subprocess.run(
                offline(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]),
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            stdout += proc.stdout
            stderr += proc.stderr
            outputs[step.get("id", str(number))] = read_outputs(output_file)
            code = proc.returncode
            if code:
                break  # the runner skips the rest of a composite action after a failure
        declared: dict[str, Any] = ACTION["outputs"]  # type: ignore[assignment]
        action_outputs = {
            name: self.substitute(spec["value"], inputs, outputs) for name, spec in declared.items()
        }
        text = summary.read_text(encoding="utf-8") if summary.exists() else ""
        return ActionRun(code, action_outputs, stdout, stderr, text)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner whose install step has run once (later runs reuse its environment)."""
    root = tmp_path_factory.mktemp("action")
    made = Runner(root, dependency_folder(root / "dependencies"))
    install = made.run(steps=STEPS[:1], framework="pytorch")
    assert install.exit_code == 0, install.stdout + install.stderr
    return made


def test_install_step_installs_this_checkout_into_its_own_environment(runner: Runner) -> None:
    venv = runner.runner_temp / "smddp-compat-action"
    assert (venv / ".installed-from").read_text(encoding="utf-8") == str(REPO)
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import compat; print(compat.__file__)"],
        env=runner.base_env,
        cwd=runner.root,  # not this checkout, whose compat/ would be imported first
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(venv)


def test_good_request_sets_outputs_from_the_json(runner: Runner) -> None:
    run = runner.run(framework="pytorch", version="1.13.1", region="us-west-2")
    expected = compat.resolve("pytorch", "1.13.1", "us-west-2")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs == {
        "image-uri": expected.image_uri,
        "smp-image-uri": "",
        "binary-url": expected.binary_url,
        "smddp-version": str(expected.smddp_version),
        "python-version": expected.to_dict()["python_version"],
        "cuda-version": expected.to_dict()["cuda_version"],
        "status": "ok",
        "exit-code": "0",
        "sarif-file": "",  # check's only
    }
    assert f"| image | {expected.image_uri} |" in run.summary
    assert "| smddp | 1.7.0 |" in run.summary
    assert not run.annotations("error")
    assert "already installed" in run.stdout  # the module's install was reused


def test_not_found_version_exits_3_with_annotation_and_summary(runner: Runner) -> None:
    run = runner.run(framework="pytorch", version="9.9", region="us-west-2")
    with pytest.raises(compat.CompatError) as raised:
        compat.resolve("pytorch", "9.9", "us-west-2")
    error = raised.value
    assert run.exit_code == 3
    assert run.outputs["exit-code"] == "3"
    assert run.outputs["status"] == "error"
    assert run.outputs["image-uri"] == ""
    [note] = run.annotations("error")
    title, body = note.removeprefix("::error title=").split("::", 1)
    assert title == "smddp-compat resolve (exit 3)"
    assert body == f"{error.message}%0Ahint: {error.hint}"
    assert "### smddp-compat resolve (exit 3)" in run.summary
    assert error.message.replace("|", "\\|") in run.summary


def test_usage_error_without_json_is_annotated_from_stderr(runner: Runner) -> None:
    run = runner.run(command="preflight", framework="pytorch", version="1.13.1")
    assert run.exit_code == 2
    assert run.outputs["status"] == "error"
    assert run.outputs["exit-code"] == "2"
    # No report: no image or version outputs either (resolve alone would have answered).
    assert run.outputs["binary-url"] == run.outputs["smddp-version"] == ""
    [note] = run.annotations("error")
    assert "--instance-type" in note


def test_bad_action_input_is_an_error_before_running(runner: Runner) -> None:
    run = runner.run(command="deploy", framework="pytorch")
    assert run.exit_code == 2
    assert run.annotations("error") == [
        "::error title=smddp-compat action::command must be resolve, preflight or check"
    ]


def test_preflight_with_require_aws_and_no_credentials_fails(runner: Runner) -> None:
    run = runner.run(
        command="preflight",
        framework="pytorch",
        version="1.13.1",
        region="us-west-2",
        **{"instance-type": "ml.p4d.24xlarge", "instance-count": "2", "require-aws": "true"},
        unset=CREDENTIAL_VARIABLES,
    )
    assert run.exit_code == 6, run.stdout + run.stderr
    assert run.outputs["status"] == "error"
    assert run.outputs["exit-code"] == "6"
    assert run.outputs["smddp-version"] == "1.7.0"
    assert run.outputs["image-uri"] == compat.resolve("pytorch", "1.13.1", "us-west-2").image_uri
    notes = run.annotations("error")
    assert notes, run.stdout
    assert all("no AWS credentials" in note and "%0Ahint: " in note for note in notes)
    assert "| instance-quota | error |" in run.summary


def test_preflight_without_credentials_checks_eligibility_only(runner: Runner) -> None:
    run = runner.run(
        command="preflight",
        framework="pytorch",
        version="1.13.1",
        region="us-west-2",
        **{"instance-type": "ml.p4d.24xlarge", "instance-count": "2"},
        unset=CREDENTIAL_VARIABLES,
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs["status"] == "partial"
    [warning] = run.annotations("warning")
    assert "not checked: instance-quota, total-instances-quota, per-job-quota" in warning
    assert "require-aws: true" in warning
    assert "| eligibility | pass |" in run.summary
    assert "| instance-quota | skipped |" in run.summary


def test_report_escapes_workflow_commands() -> None:
    """A message with a newline cannot start a workflow command of its own."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("action_report", REPO / "action" / "report.py")
    assert spec
    assert spec.loader
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    line = report.annotation("error", "a: b, c", "one\n::set-env name=X::1 100%", None)
    assert line == "::error title=a%3A b%2C c::one%0A::set-env name=X::1 100%25"
    assert "\n" not in line
    assert report.cell("a|b\nc") == "a\\|b<br>c"
    assert json.dumps(report.text(None)) == '""'


def test_preflight_not_eligible_exits_4_with_the_check_annotated(runner: Runner) -> None:
    request = {"instance-type": "ml.p5.48xlarge", "instance-count": "2"}
    run = runner.run(
        command="preflight",
        framework="pytorch",
        version="2.2.0",
        region="us-west-2",
        **request,
        unset=CREDENTIAL_VARIABLES,
    )
    report = compat.preflight("pytorch", "2.2.0", "us-west-2", "ml.p5.48xlarge", 2, no_aws=True)
    check = report.check("eligibility")
    assert run.exit_code == 4 == int(report.exit_code), run.stdout + run.stderr
    assert run.outputs["status"] == "fail"
    assert run.outputs["exit-code"] == "4"
    # The release resolved, so its image is an answer; the status says the job would not start.
    assert run.outputs["image-uri"] == compat.resolve("pytorch", "2.2.0", "us-west-2").image_uri
    [note] = run.annotations("error")
    assert note == (
        "::error title=smddp-compat preflight%3A eligibility (exit 4)::"
        f"{check.message}%0Ahint: {check.remedy}"
    )
    assert "| eligibility | fail |" in run.summary
    assert "smddp-compat preflight --framework pytorch" in run.stdout
    assert "--no-aws" in run.stdout  # no credentials and require-aws false: eligibility only


CHECK_BAD = (
    "from sagemaker.pytorch import PyTorch\n"
    "PyTorch(entry_point='t.py', framework_version='2.6.0', instance_count=2,\n"
    "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
)


def test_check_writes_sarif_annotates_and_fails_after_the_upload_step(runner: Runner) -> None:
    job = runner.root / f"job-{len(list(runner.root.glob('job-*')))}"
    job.mkdir()
    (job / "launch.py").write_text(CHECK_BAD, encoding="utf-8")
    (job / "clean.py").write_text("import os\n", encoding="utf-8")
    # The runner makes its own job folder: point the check at this one.
    run = runner.run(
        command="check",
        paths=f"{job / 'launch.py'} {job / 'clean.py'}",
        **{"sarif-file": str(job / "out.sarif")},
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["status"] == "findings"
    assert run.outputs["sarif-file"] == str(job / "out.sarif")
    [note] = run.annotations("error")
    assert "line=2" in note
    assert "title=SMDDP001 no-smddp-for-version" in note
    doc = json.loads((job / "out.sarif").read_text(encoding="utf-8"))
    assert doc["version"] == "2.1.0"
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["SMDDP001"]
    assert "### smddp-compat check (exit 1)" in run.summary


def test_check_clean_and_strict(runner: Runner, tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import os\n", encoding="utf-8")
    sarif = tmp_path / "clean.sarif"
    run = runner.run(command="check", paths=str(tmp_path), **{"sarif-file": str(sarif)})
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs["status"] == "ok"
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"] == []
    bad = runner.run(command="check", paths=str(tmp_path), strict="maybe")
    assert bad.exit_code == 2
    assert bad.annotations("error") == [
        "::error title=smddp-compat action::strict must be true or false"
    ]


def test_check_usage_error_exits_2_without_sarif(runner: Runner, tmp_path: Path) -> None:
    run = runner.run(command="check", paths=str(tmp_path / "missing"))
    assert run.exit_code == 2
    assert run.outputs["status"] == "error"
    assert run.outputs["sarif-file"] == ""


def test_upload_step_is_pinned_by_commit_with_its_tag() -> None:
    """A tag can be moved to other code; a full commit SHA cannot. The comment names the tag
    the SHA was taken from, for the reader and for Dependabot."""
    [upload] = [step for step in STEPS if "uses" in step]
    action, _, ref = upload["uses"].partition("@")
    assert action == "github/codeql-action/upload-sarif"
    assert re.fullmatch(r"[0-9a-f]{40}", ref), ref
    lines = [line for line in ACTION_TEXT.splitlines() if f"uses: {action}@" in line]
    assert len(lines) == 1
    assert re.fullmatch(rf"\s*uses: {action}@{ref} # v\d+\.\d+\.\d+", lines[0]), lines[0]


def test_upload_step_sends_the_check_sarif_only() -> None:
    [upload] = [step for step in STEPS if "uses" in step]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.run.outputs.sarif-file }}"
    condition = upload["if"]
    assert "inputs.command == 'check'" in condition
    assert "inputs.upload-sarif == 'true'" in condition
    assert "steps.run.outputs.sarif-file != ''" in condition
    # It comes before the step that fails the job on findings, so findings are uploaded.
    assert STEPS.index(upload) == len(STEPS) - 2
