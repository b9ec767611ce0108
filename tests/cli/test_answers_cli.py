"""Issue 11 through the CLI: no silent substitutions, no false PASS, hints that lead somewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import Invoke


def test_resolve_with_conflicting_smddp_version_is_exit_2_naming_both(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "1.13.1", "--smddp-version", "2.6.0", "-r", "us-west-2"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "1.13.1" in result.stderr
    assert "2.6.0" in result.stderr


def test_resolve_with_agreeing_smddp_version_is_that_release(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "2", "--smddp-version", "2.5.0", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["framework_version"], data["smddp_version"]) == ("2.4.1", "2.5.0")
    assert data["requested_version"] == "2"
    assert data["requested_smddp_version"] == "2.5.0"


def test_resolve_with_framework_and_smddp_version_only_is_still_the_reverse_lookup(
    run_cli: Invoke,
) -> None:
    result = run_cli("resolve", "-f", "pl", "--smddp-version", "1.5.0", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["framework_version"] for r in data] == ["1.7.2", "1.7.0", "1.6.4", "1.6.3", "1.5.10"]
    assert {r["requested_version"] for r in data} == {None}


# -- preflight: no PASS for checks that did not run ---------------------------------------
PREFLIGHT = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-r", "us-west-2"]
P4D = ["-t", "ml.p4d.24xlarge", "-n", "2"]
QUOTA_CHECKS = ["instance-quota", "total-instances-quota", "per-job-quota"]


def test_preflight_without_aws_is_partial_and_names_what_did_not_run(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, *P4D, "--no-aws")
    assert result.exit_code == 0
    last = result.stdout.splitlines()[-1]
    assert not last.startswith("result: PASS")
    assert last.startswith("result: PARTIAL: ")
    for name in QUOTA_CHECKS:
        assert name in last
    assert last.endswith("(exit 0)")


def test_preflight_json_without_aws_is_partial(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, *P4D, "--no-aws", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["status"], data["exit_code"]) == ("partial", 0)
    assert data["not_checked"] == QUOTA_CHECKS


def test_require_aws_fails_a_partial_preflight_with_exit_5(run_cli: Invoke) -> None:
    import compat

    report = compat.preflight(
        "pytorch",
        "2.2.0",
        "us-west-2",
        "ml.p4d.24xlarge",
        2,
        require_aws=True,
        aws_unavailable="this server runs without --enable-aws",
    )
    assert report.status.value == "partial"
    assert int(report.exit_code) == 5
    assert "require" in report.to_text().splitlines()[-1]
    assert "without --enable-aws" in report.check("instance-quota").message


def test_require_aws_with_no_aws_is_a_usage_error_naming_both(run_cli: Invoke) -> None:
    """The library decides, so the CLI and a caller of compat.preflight get one answer."""
    import compat

    result = run_cli(*PREFLIGHT, *P4D, "--no-aws", "--require-aws")
    assert result.exit_code == 2
    assert "--no-aws" in result.stderr
    assert "--require-aws" in result.stderr
    with pytest.raises(compat.UsageError) as caught:
        compat.preflight(
            "pytorch", "2.2.0", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True, require_aws=True
        )
    assert caught.value.message in result.stderr


def test_a_failed_eligibility_stays_a_failure_not_partial(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, "-t", "ml.p5.48xlarge", "-n", "2", "--no-aws", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["status"], data["exit_code"]) == ("fail", 4)


# -- --format sagemaker refuses instance types smddp does not run on ----------------------
SAGEMAKER = ["resolve", "-f", "pt", "--version", "2.2.0", "-r", "us-west-2", "--format"]


def test_sagemaker_arguments_for_p5_are_exit_4_with_the_alternative(run_cli: Invoke) -> None:
    result = run_cli(*SAGEMAKER, "sagemaker", "--instance-type", "ml.p5.48xlarge")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "smdistributed" not in result.stdout
    assert "torch_distributed" in result.stderr.split("hint:", 1)[1]


def test_sagemaker_json_error_names_the_alternative(run_cli: Invoke) -> None:
    import compat
    from compat.errors import NotEligibleError

    res = compat.resolve("pytorch", "2.2.0", "us-west-2")
    try:
        compat.sagemaker_args(res, instance_type="ml.p5.48xlarge")
    except NotEligibleError as exc:
        data = exc.to_dict()
    else:
        raise AssertionError("sagemaker_args accepted ml.p5.48xlarge")
    assert data["error"] == "not-eligible"
    [alternative] = [a for a in data["alternatives"] if a["kind"] == "distribution"]
    assert alternative["distribution"] == {"torch_distributed": {"enabled": True}}
    [types] = [a for a in data["alternatives"] if a["kind"] == "instance-type"]
    assert "ml.p4d.24xlarge" in types["instance_types"]
    assert "torch_distributed" in data["hint"]


@pytest.mark.parametrize(
    ("version", "itype"),
    [("2.2.0", "ml.g5.48xlarge"), ("2.2.0", "ml.p3.16xlarge"), ("2.2.0", "p4d.24xlarge")],
)
def test_sagemaker_arguments_for_other_ineligible_types_are_exit_4(
    run_cli: Invoke, version: str, itype: str
) -> None:
    result = run_cli(*SAGEMAKER[:4], version, *SAGEMAKER[5:], "sagemaker", "--instance-type", itype)
    assert result.exit_code == 4, result.stderr


def test_sagemaker_arguments_for_a_supported_type_pass(run_cli: Invoke) -> None:
    result = run_cli(*SAGEMAKER, "sagemaker", "--instance-type", "ml.p4d.24xlarge")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["sdk_v2"]["kwargs"]["instance_type"] == "ml.p4d.24xlarge"


# -- list --format uri needs a region, as resolve does ----------------------------------
def test_list_uri_without_region_is_exit_2_with_the_hint(run_cli: Invoke) -> None:
    result = run_cli("list", "--format", "uri")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--region" in result.stderr


def test_list_uri_without_region_is_exit_2_on_the_fast_path_too() -> None:
    from ..conftest import run_process

    result = run_process(["list", "-f", "pt", "--format", "uri"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert "--region" in result.stderr
    with_region = run_process(["list", "-f", "pt", "--format", "uri", "-r", "us-west-2"])
    assert with_region.exit_code == 0
    assert with_region.stdout.splitlines()[0].startswith("763104351884.dkr.ecr.us-west-2.")


# -- values taken from the environment say so ---------------------------------------------
@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_a_bad_region_from_the_environment_names_the_variable_on_the_fast_path(
    variable: str,
) -> None:
    from ..conftest import run_process

    result = run_process(["resolve", "-f", "pt", "--version", "1.13.1"], **{variable: "bogus"})
    assert result.exit_code == 3
    assert "'bogus'" in result.stderr
    assert variable in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "--smddp-version", "1.7.0"],
        ["preflight", "-f", "pt", "-t", "ml.p4d.24xlarge", "-n", "2", "--no-aws"],
        ["byoc", "-f", "pt", "--version", "1.13.1"],
    ],
)
def test_a_bad_region_from_the_environment_names_the_variable_on_the_click_path(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("AWS_REGION", "bogus")
    result = run_cli(*args)
    assert result.exit_code in (3, 2)
    assert "AWS_REGION" in result.stderr + result.stdout


def test_a_region_given_as_an_option_does_not_blame_the_environment(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    result = run_cli("resolve", "--smddp-version", "1.7.0", "-r", "bogus")
    assert result.exit_code == 3
    assert "AWS_REGION" not in result.stderr


# -- shell completion of option values ---------------------------------------------------
def _complete(args: list[str], incomplete: str) -> list[str]:
    from click.shell_completion import BashComplete

    from compat.cli.app import cli

    comp = BashComplete(cli, {}, "smddp-compat", "_SMDDP_COMPAT_COMPLETE")
    return [item.value for item in comp.get_completions(args, incomplete)]


def test_framework_values_complete_with_aliases() -> None:
    assert _complete(["resolve", "--framework"], "")[:4] == [
        "huggingface",
        "pytorch",
        "pytorch-lightning",
        "tensorflow",
    ]
    assert "pt" in _complete(["resolve", "-f"], "p")
    assert "tf" in _complete(["preflight", "--framework"], "t")


def test_version_values_are_those_of_the_chosen_framework() -> None:
    values = _complete(["resolve", "-f", "tf", "--version"], "2.1")
    assert values == ["2.11.0", "2.10.1"]
    assert _complete(["byoc", "-f", "pt", "--version"], "")[:2] == ["latest", "2.5.1"]


def test_region_and_instance_type_values_complete() -> None:
    assert _complete(["resolve", "--region"], "us-west") == ["us-west-1", "us-west-2"]
    assert "eu-west-1" in _complete(["quota", "scan", "-r"], "eu-")
    assert _complete(["preflight", "-t"], "ml.p4") == ["ml.p4d.24xlarge", "ml.p4de.24xlarge"]
    assert "ml.p5.48xlarge" in _complete(["quota", "show", "--instance-type"], "ml.p5")
    assert _complete(["instance-types", "--smddp-version"], "1.7") == ["1.7.0"]


def test_an_unreadable_matrix_completes_nothing(tmp_path: Path) -> None:
    """Completion never prints an error into the shell: a bad --matrix completes nothing."""
    from compat.matrix import shipped_matrix_path

    bad = tmp_path / "m.yaml"
    bad.write_text("schema_version: [\n", encoding="utf-8")
    assert _complete(["--matrix", str(bad), "resolve", "--region"], "") == []
    assert _complete(["--matrix", str(bad), "resolve", "-f"], "") == []
    assert _complete(["--matrix", str(bad), "resolve", "-f", "pt", "--version"], "") == []
    assert _complete(["--matrix", str(bad), "preflight", "-t"], "") == []
    assert _complete(["--matrix", str(bad), "instance-types", "--smddp-version"], "") == []
    good = shipped_matrix_path()
    assert _complete(["--matrix", good, "resolve", "--region"], "us-west") == [
        "us-west-1",
        "us-west-2",
    ]


def test_completion_runs_as_a_process_without_aws_modules() -> None:
    import subprocess
    import sys

    from ..conftest import subprocess_env

    code = "import sys\nfrom compat.cli.app import run\nrun([])\n"
    env = subprocess_env(
        _SMDDP_COMPAT_COMPLETE="bash_complete",
        COMP_WORDS="smddp-compat resolve --region us-ea",
        COMP_CWORD="3",
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert "plain,us-east-1" in proc.stdout.splitlines()
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert not {"boto3", "botocore", "fastapi", "uvicorn"} & imported


# -- hints that lead somewhere -----------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["quota", "show", "-r", "us-west-2"],
        ["quota", "scan", "-t", "ml.p4d.24xlarge", "-n", "2", "-r", "us-west-2"],
    ],
)
def test_quota_commands_without_credentials_do_not_suggest_no_aws(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = run_cli(*args)
    assert result.exit_code == 6, result.stderr
    assert "credentials" in result.stderr + result.stdout
    assert "--no-aws" not in result.stderr + result.stdout


def test_preflight_without_credentials_still_offers_no_aws(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = run_cli(*PREFLIGHT, *P4D)
    assert result.exit_code == 6
    assert "--no-aws" in result.stderr + result.stdout


@pytest.mark.parametrize("where", ["before", "after", "end"])
def test_debug_is_accepted_before_and_after_the_subcommand(run_cli: Invoke, where: str) -> None:
    args = ["resolve", "-f", "pt", "--version", "1.13.1", "-r", "us-west-2", "--format", "uri"]
    if where == "before":
        args.insert(0, "--debug")
    elif where == "after":
        args.insert(1, "--debug")
    else:
        args.append("--debug")
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:"
    )


def test_debug_after_the_subcommand_shows_the_traceback(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "nope", "--debug")
    assert result.exit_code == 3
    assert "Traceback" in result.stderr


def test_a_too_long_region_points_to_the_regions_command(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "pt", "-r", "x" * 150)
    assert result.exit_code == 2
    assert "smddp-compat regions" in result.stderr
    assert "'smddp-compat list'" not in result.stderr


# -- one rule for an unreadable matrix on the fast and the click path ---------------------
@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_an_unreadable_matrix_is_exit_7_with_one_message_on_both_paths(
    tmp_path: Path, kind: str
) -> None:
    from ..conftest import run_process

    target = tmp_path if kind == "directory" else tmp_path / "nope.yaml"
    commands = [
        ["resolve", "-f", "pt"],  # the fast path
        ["list"],  # the fast path
        ["frameworks"],
        ["validate"],
        ["resolve", "--smddp-version", "1.7.0"],
        ["lint"],
    ]
    messages = set()
    for args in commands:
        result = run_process(args, SMDDP_COMPAT_MATRIX=str(target))
        assert result.exit_code == 7, (args, result.stderr)
        assert "Traceback" not in result.stderr
        messages.add(result.stderr.splitlines()[0])
    assert len(messages) == 1, messages
    assert str(target) in messages.pop()


def test_matrix_option_and_validate_argument_follow_the_same_rule(
    run_cli: Invoke, tmp_path: Path
) -> None:
    assert run_cli("--matrix", str(tmp_path), "frameworks").exit_code == 7
    assert run_cli("frameworks", "--matrix", str(tmp_path)).exit_code == 7
    assert run_cli("validate", str(tmp_path)).exit_code == 7
    assert run_cli("diff", str(tmp_path), str(tmp_path)).exit_code == 7


# -- click's own usage errors honour --format json ----------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "-f", "pt", "--bogus", "--format", "json"],
        ["resolve", "-f", "pt", "--format=json", "--version"],
        ["preflight", "-f", "pt", "-r", "us-west-2", "--format", "json"],  # missing -t, -n
        ["preflight", "-f", "pt", "-t", "ml.p4d.24xlarge", "-n", "zero", "--format", "json"],
    ],
)
def test_click_usage_errors_are_json_with_format_json(run_cli: Invoke, args: list[str]) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["error"] == "usage"
    assert data["message"]
    assert data["hint"]
    assert "Error:" in result.stderr


def test_click_usage_errors_without_json_print_nothing_on_stdout(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "pt", "--bogus")
    assert (result.exit_code, result.stdout) == (2, "")


def test_sagemaker_reverse_lookup_does_not_drop_the_instance_type(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve",
        "--smddp-version",
        "1.7.0",
        "-f",
        "pt",
        "--format",
        "sagemaker",
        "--instance-type",
        "ml.p5.48xlarge",
    )
    assert result.exit_code == 4
    ok = run_cli(
        "resolve",
        "--smddp-version",
        "1.7.0",
        "-f",
        "pt",
        "--format",
        "sagemaker",
        "--instance-type",
        "ML.P4D.24XLARGE",
    )
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["sdk_v2"]["kwargs"]["instance_type"] == "ml.p4d.24xlarge"


@pytest.mark.parametrize("fmt", ["text", "uri", "json"])
def test_list_in_a_region_where_nothing_is_published_is_exit_3_on_both_paths(fmt: str) -> None:
    from ..conftest import run_process

    args = ["list", "-f", "tf", "-r", "us-isof-east-1", "--format", fmt]
    fast = run_process(args)
    slow = run_process([*args, "--matrix", str(shipped_matrix())])  # --matrix: the click path
    for result in (fast, slow):
        assert result.exit_code == 3, result.stderr
        assert "us-isof-east-1" in result.stderr
        assert "[]" not in result.stdout
    assert fast.stderr == slow.stderr


def shipped_matrix() -> Path:
    from compat.matrix import shipped_matrix_path

    return Path(shipped_matrix_path())
