"""Issue 11 through the CLI: conflicts are usage errors, partial preflights say so, hints lead somewhere."""

from __future__ import annotations

import json

from ..conftest import Invoke


def test_resolve_with_conflicting_smddp_version_is_exit_2_naming_both(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "1.13.1", "--smddp-version", "2.6.0", "-r", "us-west-2"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "1.13.1" in result.stderr and "2.6.0" in result.stderr


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
