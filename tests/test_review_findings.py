"""Bugs found by the newcomer's review: the same question asked another way.

Each test asks what a user typed, through the face where the answer was wrong,
and checks it against the answer the other faces already gave.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import compat

from .conftest import Invoke

PREFLIGHT = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-r", "us-west-2"]


def test_preflight_matches_instance_types_in_any_case(run_cli: Invoke) -> None:
    # README: instance-type names are matched case-insensitively; resolve --format
    # sagemaker --instance-type ML.P4D.24XLARGE already accepts it.
    result = run_cli(*PREFLIGHT, "-t", "ML.P4D.24XLARGE", "-n", "2", "--no-aws", "--format", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["status"] == "partial"
    assert data["instance_type"] == "ml.p4d.24xlarge"
    eligibility = data["checks"][1]
    assert eligibility["status"] == "pass"
    assert eligibility["message"] == "ml.p4d.24xlarge is supported for smddp 2.2.0"
    # The quota asked for is AWS's exact name, in lower case.
    assert data["checks"][2]["quota_name"] == "ml.p4d.24xlarge for training job usage"


def test_library_preflight_matches_instance_types_in_any_case() -> None:
    report = compat.preflight("pytorch", "2.2.0", "us-west-2", "Ml.P4De.24xlarge", 2, no_aws=True)
    assert report.check("eligibility").status.value == "pass"
    assert report.instance_type == "ml.p4de.24xlarge"


@pytest.mark.parametrize(
    "call",
    [
        lambda: compat.resolve("pytorch", "1.13.1", 5),
        lambda: compat.resolve_all(3, "eu-west-1"),
        lambda: compat.explain(5),
    ],
    ids=["region", "framework", "message"],
)
def test_number_hint_speaks_of_versions_only_for_versions(call: Callable[[], object]) -> None:
    # A number passed as a region, a framework or a message is not "version text".
    with pytest.raises(compat.UsageError) as info:
        call()
    assert "version" not in (info.value.hint or ""), info.value.hint
    assert "quote it" in (info.value.hint or ""), info.value.hint


def test_number_hint_for_a_version_still_explains_floats() -> None:
    with pytest.raises(compat.UsageError) as info:
        compat.resolve("pytorch", 1.10)  # type: ignore[arg-type]
    assert "1.10 as a number is 1.1" in (info.value.hint or "")


def test_export_site_without_the_serve_extra_names_itself(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # With only `pip install .`, export-site said "serve needs the 'serve' extra".
    monkeypatch.setitem(sys.modules, "fastapi", None)
    result = run_cli("export-site", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert "export-site needs the 'serve' extra (fastapi is not installed)" in result.stderr
    assert "serve needs" not in result.stderr.replace("export-site needs", "")
    assert "pip install 'smddp-compat[serve]'" in result.stderr


def test_cli_hints_keep_the_option_spelling(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "pt", "--version", "1.13.1", "--format", "uri")
    assert result.exit_code == 2
    assert "pass --region us-west-2 (for example)" in result.stderr
    near = run_cli("resolve", "-f", "pt", "--version", "1.13.1", "-r", "us-isof-east-1")
    assert "use --version 2.1.0, the nearest release that has it" in near.stderr


@pytest.mark.parametrize(
    ("asked", "suggested"),
    [
        (["--format", "uri"], "(--want smp-image --format json)"),
        (["--format", "env"], "(--want wheel --format json)"),
        (["--want", "image"], "(--want smp-image)"),
    ],
)
def test_a_hint_never_suggests_options_that_conflict(
    run_cli: Invoke, asked: list[str], suggested: str
) -> None:
    # PyTorch 2.4.1 has no DLC image; the hint offered "--want smp-image", which with
    # --format uri is exit 2 ("the uri format gives a DLC image ... they conflict").
    base = ["resolve", "-f", "pt", "--version", "2.4.1", "-r", "us-west-2"]
    missing = run_cli(*base, *asked)
    assert missing.exit_code == 3
    assert suggested in missing.stderr
    kept = [a for a in asked if a not in ("--want", "image")]
    if "--format" in suggested:
        kept = []
    followed = run_cli(*base, *kept, *suggested.strip("()").split())
    assert followed.exit_code == 0, followed.stderr


@pytest.mark.parametrize("spelling", ["1.13.*", "v1.13.*", "==1.13.*"])
def test_a_pip_wildcard_is_the_prefix_it_spells(run_cli: Invoke, spelling: str) -> None:
    # pip users write torch==1.13.* or 1.13.*; '==1.13.*' answered, '1.13.*' was exit 2.
    res = compat.resolve("pytorch", spelling, "us-west-2")
    assert res.framework_version == "1.13.1"
    assert res.match == "specifier"
    result = run_cli(
        "resolve", "-f", "pt", "--version", spelling, "-r", "us-west-2", "--format", "uri"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == res.image_uri


def test_a_wildcard_with_newer_matches_passed_over_names_them() -> None:
    res = compat.resolve("pytorch", "2.3.*", "cn-north-1")
    assert res.framework_version == "2.3.0"
    assert any("2.3.1 also matches '2.3.*'" in note for note in res.notes)


def test_p5_refusal_does_not_contradict_its_alternatives() -> None:
    # The refusal said "supports P4 and P4de instances only" and then offered ml.p3dn.24xlarge.
    report = compat.preflight("pytorch", "2.2.0", "us-west-2", "ml.p5.48xlarge", 2, no_aws=True)
    check = report.check("eligibility")
    assert check.status.value == "fail"
    offered = [t for a in check.alternatives for t in (a.instance_types or ())]
    assert "ml.p3dn.24xlarge" in offered
    assert "instances only" not in check.message
    assert "P5" in check.message


def test_check_says_an_upper_case_instance_type_is_misspelt() -> None:
    # SageMaker's instance type names are lower case; the launcher sends the literal, so
    # check flags it, but as a spelling to fix, not as a type smddp does not support.
    source = (
        "from sagemaker.pytorch import PyTorch\n"
        "PyTorch(entry_point='train.py', framework_version='1.13.1', py_version='py39',\n"
        "        instance_type='ML.P4D.24XLARGE', instance_count=2,\n"
        "        distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
    )
    report = compat.check_source(source, "launch.py")
    found = [f for f in report.findings if f.rule == "SMDDP003"]
    assert len(found) == 1
    assert "not an instance type that smddp" not in found[0].message
    assert "is not a SageMaker instance type name" in found[0].message
    assert "names are lower case: did you mean ml.p4d.24xlarge?" in (found[0].fix or "")


def test_sagemaker_args_says_an_upper_case_instance_type_is_misspelt() -> None:
    res = compat.resolve("pytorch", "2.2.0", "us-west-2")
    with pytest.raises(compat.NotEligibleError) as info:
        compat.sagemaker_args(res, instance_type="ML.P4D.24XLARGE")
    assert info.value.hint == "SageMaker names are lower case: did you mean ml.p4d.24xlarge?"


def test_yaml_output_keeps_account_ids_text_for_yaml_1_2_readers(run_cli: Invoke) -> None:
    # us-isob-east-1's account is 094389454867. PyYAML (YAML 1.1) left it unquoted (an
    # invalid octal is text there), but YAML 1.2 readers (yq, go-yaml, ruamel) read the
    # plain scalar as the integer 94389454867: the leading zero, and the account, lost.
    from ruamel.yaml import YAML

    result = run_cli("regions", "--format", "yaml")
    assert result.exit_code == 0
    regions = YAML(typ="safe").load(result.stdout)
    accounts = {r["name"]: r["dlc_account"] for r in regions}
    assert accounts["us-isob-east-1"] == "094389454867"
    assert all(isinstance(a, str) for a in accounts.values() if a is not None)


def test_yaml_quotes_every_yaml_1_2_non_string() -> None:
    import yaml
    from ruamel.yaml import YAML

    from compat.render.yaml import dumps

    texts = ["094389454867", "0o17", "0x1F", "1e3", "+12", ".5", "007", "1_000", "~", "on", "text"]
    for reader in (YAML(typ="safe").load, yaml.safe_load):
        assert reader(dumps({"v": texts}))["v"] == texts


def test_sagemaker_without_an_image_in_the_region_offers_byoc_as_the_readme_says(
    run_cli: Invoke,
) -> None:
    # README: "-f pt --version 2.4.1 -r cn-north-1 --format sagemaker [points] to PyTorch
    # 2.4.0 in cn-north-1 or byoc --base cuda"; the hint named no byoc command.
    base = ["-f", "pt", "--version", "2.4.1", "-r", "cn-north-1"]
    refused = run_cli("resolve", *base, "--format", "sagemaker")
    assert refused.exit_code == 3
    assert "use --version 2.4.0, the nearest release that has it" in refused.stderr
    command = (
        "smddp-compat byoc --framework pytorch --version 2.4.1 --base cuda --region cn-north-1"
    )
    assert f"build an image ({command}) and pass its URI as image_uri" in refused.stderr
    built = run_cli(*command.split()[1:])
    assert built.exit_code == 0, built.stderr
    assert "smdistributed_dataparallel-2.5.0" in built.stdout


def test_library_preflight_without_a_region_says_how_to_pass_one_in_python() -> None:
    # The library reads no environment variable, yet its hint said "or set AWS_REGION".
    with pytest.raises(compat.UsageError) as info:
        compat.preflight("pytorch", "2.2.0", None, "ml.p4d.24xlarge", 2, no_aws=True)
    assert "region=" in (info.value.hint or "")
    assert "on the command line" in (info.value.hint or "")


def test_cli_preflight_without_a_region_names_the_option_and_variable(run_cli: Invoke) -> None:
    result = run_cli("preflight", "-f", "pt", "-t", "ml.p4d.24xlarge", "-n", "2", "--no-aws")
    assert result.exit_code == 2
    assert "--region" in result.stderr
    assert "AWS_REGION" in result.stderr


@pytest.mark.parametrize("message", ["", "   ", "\n"])
def test_explain_of_nothing_is_a_usage_problem(run_cli: Invoke, message: str) -> None:
    # Nothing passed is exit 2 (what to pass), not exit 3 "no quota message found".
    with pytest.raises(compat.UsageError, match="the error message to explain is empty"):
        compat.explain(message)
    result = run_cli("explain", message)
    assert result.exit_code == 2
    assert "error: the error message to explain is empty" in result.stderr
