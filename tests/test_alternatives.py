"""Answers without smddp say what to use instead, as structured ``alternatives``."""

from __future__ import annotations

import json

import pytest

import compat
from compat.errors import NoImageError, NoSmddpError, UnknownVersionError
from compat.recipes.byoc import byoc

from .conftest import Invoke

TORCH_DISTRIBUTED = {"torch_distributed": {"enabled": True}}


def _alternatives(exc: pytest.ExceptionInfo[Exception]) -> list[dict[str, object]]:
    data = exc.value.to_dict()  # type: ignore[attr-defined]
    alternatives = data["alternatives"]
    assert isinstance(alternatives, list)
    return alternatives


def test_pytorch_without_smddp_names_the_newest_release_and_torch_distributed() -> None:
    with pytest.raises(NoSmddpError) as info:
        compat.resolve("pytorch", "2.7.1", "us-west-2")
    release, distribution = _alternatives(info)
    assert release["kind"] == "release"
    assert (release["framework"], release["version"], release["smddp_version"]) == (
        "pytorch",
        "2.5.1",
        "2.6.0",
    )
    assert release["image_uri"] == compat.resolve("pytorch", "2.5.1", "us-west-2").image_uri
    assert distribution["kind"] == "distribution"
    assert (distribution["version"], distribution["distribution"]) == ("2.7.1", TORCH_DISTRIBUTED)


def test_the_newest_release_is_the_newest_with_an_image_in_that_region() -> None:
    # 2.5.1 and 2.4.0 are not published in the aws-iso-f partition; 2.3.0 is.
    with pytest.raises(NoSmddpError) as info:
        compat.resolve("pytorch", "2.8.0", "us-isof-east-1")
    release = _alternatives(info)[0]
    assert release["version"] == "2.3.0"
    assert str(release["image_uri"]).startswith("303241398832.dkr.ecr.us-isof-east-1.")
    with pytest.raises(NoSmddpError) as no_region:
        compat.resolve("pytorch", "2.8.0")
    first = _alternatives(no_region)[0]
    assert "image_uri" not in first
    assert "pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04-sagemaker" in str(first["text"])


@pytest.mark.parametrize(
    ("framework", "version", "newest"),
    [("tensorflow", "2.12.0", "2.11.0"), ("huggingface", "4.51.3", "4.49.0")],
)
def test_frameworks_without_a_known_distribution_get_the_release_only(
    framework: str, version: str, newest: str
) -> None:
    with pytest.raises(NoSmddpError) as info:
        compat.resolve(framework, version, "us-east-1")
    assert [(a["kind"], a["version"]) for a in _alternatives(info)] == [("release", newest)]


def test_a_version_in_between_gets_them_too() -> None:
    with pytest.raises(UnknownVersionError) as info:
        compat.resolve("pytorch", "2.2.1", "us-east-1")
    assert [a["kind"] for a in _alternatives(info)] == ["release", "distribution"]
    with pytest.raises(UnknownVersionError) as lightning:
        compat.resolve("lightning", "2.4.0", "us-east-1")
    kinds = [(a["kind"], a.get("distribution")) for a in _alternatives(lightning)]
    assert kinds == [("release", None), ("distribution", TORCH_DISTRIBUTED)]


def test_cli_text_and_json_errors_carry_them(run_cli: Invoke) -> None:
    text = run_cli("resolve", "-f", "pt", "--version", "2.7.1", "-r", "us-west-2")
    assert text.exit_code == 3
    assert "  instead: use PyTorch 2.5.1 (smddp 2.6.0), the newest release with smddp: " in (
        text.stderr
    )
    assert "  instead: keep PyTorch 2.7.1 and train without smddp, with torch_distributed" in (
        text.stderr
    )
    as_json = run_cli(
        "resolve", "-f", "pt", "--version", "2.7.1", "-r", "us-west-2", "--format", "json"
    )
    data = json.loads(as_json.stdout)
    assert data["error"] == "no-smddp"
    assert [a["kind"] for a in data["alternatives"]] == ["release", "distribution"]


def test_a_prefix_that_picks_a_release_without_an_image_names_the_nearest_with_one(
    run_cli: Invoke,
) -> None:
    res = compat.resolve("pytorch", "2.4", "us-west-2")
    assert (res.framework_version, res.image_uri) == ("2.4.1", None)
    [nearest] = res.alternatives
    assert (nearest.version, nearest.image_uri) == (
        "2.4.0",
        compat.resolve("pytorch", "2.4.0", "us-west-2").image_uri,
    )
    uri = run_cli("resolve", "-f", "pt", "--version", "2.4", "-r", "us-west-2", "--format", "uri")
    # A prefix asked for an image: the newest 2.4.x that has one, and the notes say why.
    assert uri.exit_code == 0, uri.stderr
    assert uri.stdout.strip() == compat.resolve("pytorch", "2.4.0", "us-west-2").image_uri
    exact = run_cli(
        "resolve", "-f", "pt", "--version", "2.4.1", "-r", "us-west-2", "--format", "uri"
    )
    assert exact.exit_code == 3
    assert exact.stdout == ""
    assert "use --version 2.4.0, the nearest release that has it" in exact.stderr
    with pytest.raises(NoImageError) as info:
        byoc("pt", "2.4", "us-west-2", base="dlc")
    assert info.value.hint is not None
    assert "--version 2.4.0 (smddp 2.5.0), the nearest release with a DLC image" in (
        info.value.hint
    )
    assert _alternatives(info)[0]["version"] == "2.4.0"
    assert compat.resolve("pytorch", "2.3.1", "us-west-2").alternatives[0].version == "2.3.0"
    assert compat.resolve("pytorch", "2.4.0", "us-west-2").alternatives == ()


def _eligibility(run_cli: Invoke, *args: str) -> dict[str, object]:
    result = run_cli(
        "preflight", *args, "-r", "us-west-2", "-n", "2", "--no-aws", "--format", "json"
    )
    checks = json.loads(result.stdout)["checks"]
    return {c["name"]: c for c in checks}


def test_preflight_refusals_carry_alternatives(run_cli: Invoke) -> None:
    p5 = _eligibility(run_cli, "-f", "pt", "--version", "2.2.0", "-t", "ml.p5.48xlarge")
    alternatives = p5["eligibility"]["alternatives"]  # type: ignore[index]
    assert [a["kind"] for a in alternatives] == ["instance-type", "distribution"]
    assert alternatives[0]["instance_types"] == [
        "ml.p3dn.24xlarge",
        "ml.p4d.24xlarge",
        "ml.p4de.24xlarge",
    ]
    assert alternatives[1]["distribution"] == TORCH_DISTRIBUTED
    p5e = _eligibility(run_cli, "-f", "pt", "--version", "2.2.0", "-t", "ml.p5e.48xlarge")
    p5e_alternatives = p5e["eligibility"]["alternatives"]  # type: ignore[index]
    assert [a.get("distribution") for a in p5e_alternatives] == [None, TORCH_DISTRIBUTED]
    assert "keep ml.p5e.48xlarge and train without smddp" in p5e_alternatives[1]["text"]
    old = _eligibility(run_cli, "-f", "pt", "--version", "2.2.0", "-t", "ml.p3.16xlarge")
    assert old["eligibility"]["status"] == "fail"  # type: ignore[index]
    assert old["eligibility"]["alternatives"][0]["kind"] == "instance-type"  # type: ignore[index]
    tf = _eligibility(run_cli, "-f", "tf", "--version", "2.11.0", "-t", "ml.p5.48xlarge")
    assert [a["kind"] for a in tf["eligibility"]["alternatives"]] == ["instance-type"]  # type: ignore[index]
    fine = _eligibility(run_cli, "-f", "pt", "--version", "2.2.0", "-t", "ml.p4d.24xlarge")
    assert fine["eligibility"]["alternatives"] == []  # type: ignore[index]
    gone = _eligibility(run_cli, "-f", "pt", "--version", "2.7.1", "-t", "ml.p4d.24xlarge")
    assert [a["kind"] for a in gone["resolve"]["alternatives"]] == ["release", "distribution"]  # type: ignore[index]


def test_preflight_text_shows_them(run_cli: Invoke) -> None:
    result = run_cli(
        "preflight", "-f", "pt", "--version", "2.2.0", "-r", "us-west-2", "-t", "ml.p5.48xlarge",
        "-n", "2", "--no-aws",
    )  # fmt: skip
    assert result.exit_code == 4
    assert "instead: keep ml.p5.48xlarge and train without smddp, with torch_distributed" in (
        result.stdout
    )
