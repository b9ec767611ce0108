"""Issue 19 item 6, the scan part: one JSON shape (with its published schema), every row in
``preflight --accounts``, exit codes that agree with single-account preflight, repeated
``--role-arn``, ``iam-policy``'s options, JSON lines for click's own errors, interrupts."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

import compat
from compat.aws.accounts import AccountTarget, account_targets
from compat.aws.org_scan import AccountRow, AccountScan, scan_exit_code
from compat.aws.report import Check, CheckStatus
from compat.aws.scan import RegionVerdict, ScanResult
from compat.aws.scan_report import schema
from compat.cli.commands import accounts as cli_accounts
from compat.exit_codes import ExitCode

from ..conftest import REPO, Invoke
from .conftest import P4D, P4D_NAME

A, B = "111111111111", "222222222222"
PREFLIGHT = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-t", P4D, "-n", "4",
             "-r", "us-west-2"]  # fmt: skip


def _row(account: str, verdict: str, headroom: float | None = None) -> AccountRow:
    return AccountRow(account, "us-west-2", verdict, f"{verdict} message", headroom=headroom,
                      quota_name=P4D_NAME if headroom is not None else None)  # fmt: skip


def _scan(*rows: AccountRow, interrupted: bool = False) -> AccountScan:
    return AccountScan(P4D, 4, False, rows, 2, 1, interrupted=interrupted,
                       account_ids=(A, B), region_names=("us-west-2",))  # fmt: skip


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[AccountScan]:
    """What the CLI's account scan returns (no AWS): set ``scanned[0]``."""
    holder: list[AccountScan] = []

    def fake(*args: Any, **kwargs: Any) -> AccountScan:
        return holder[0]

    monkeypatch.setattr(cli_accounts, "_scan", fake)
    return holder


def test_preflight_accounts_no_aws_is_a_usage_error_not_a_crash(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, "--accounts", A, "--role-name", "R", "--no-aws")
    assert result.exit_code == 2, result.stderr
    assert "--no-aws sends nothing" in result.stderr
    assert "UnboundLocalError" not in result.stderr


def test_preflight_accounts_lists_short_rows_in_text_and_json(
    run_cli: Invoke, scanned: list[AccountScan]
) -> None:
    scanned.append(_scan(_row(A, "short", 2), _row(B, "error")))
    text = run_cli(*PREFLIGHT, "--accounts", f"{A},{B}", "--role-name", "R")
    assert text.exit_code == 6
    short = [line for line in text.stdout.splitlines() if A in line]
    assert short
    assert short[0].split()[0] == "SHORT"
    assert "quota scan -f" not in text.stdout + text.stderr
    data = json.loads(run_cli(*PREFLIGHT, "--accounts", f"{A},{B}", "--role-name", "R",
                              "--format", "json").stdout)  # fmt: skip
    assert [(r["account_id"], r["verdict"]) for r in data["rows"]] == [(A, "short"), (B, "error")]
    assert data["fits"] == []


def test_a_type_not_offered_is_exit_4_across_accounts_as_for_one(
    run_cli: Invoke, scanned: list[AccountScan]
) -> None:
    scanned.append(_scan(_row(A, "not-offered"), _row(B, "skipped")))
    result = run_cli(*PREFLIGHT, "--accounts", f"{A},{B}", "--role-name", "R")
    assert result.exit_code == int(ExitCode.NOT_ELIGIBLE)
    assert scan_exit_code(["not-offered", "short"]) is ExitCode.QUOTA
    assert scan_exit_code(["not-offered", "error"]) is ExitCode.AWS
    single = ScanResult(P4D, 4, False, (RegionVerdict("us-west-2", "not-offered", None, "m"),))
    assert single.exit_code is ExitCode.NOT_ELIGIBLE


def _check() -> Check:
    return Check("instance-quota", CheckStatus.PASS, "8 of 8", quota_name=P4D_NAME, limit=8,
                 usage=0, requested=4, headroom=8)  # fmt: skip


def test_one_json_shape_everywhere_and_it_is_the_published_schema(
    run_cli: Invoke, scanned: list[AccountScan]
) -> None:
    published = json.loads((REPO / "docs" / "scan-report.schema.json").read_text())
    assert published == schema()  # regenerate: smddp-compat quota schema > docs/...
    assert json.loads(run_cli("quota", "schema").stdout) == published
    single = ScanResult(P4D, 4, False, (RegionVerdict("us-west-2", "fits", 8, "m", (_check(),)),))
    across = _scan(_row(A, "fits", 8), _row(B, "short", 1))
    scanned.append(across)
    placed = json.loads(run_cli(*PREFLIGHT, "--accounts", f"{A},{B}", "--role-name", "R",
                                "--format", "json").stdout)  # fmt: skip
    documents = [single.to_dict(), across.to_dict(), placed]
    for document in documents:
        jsonschema.validate(document, published)
    for key in ("fits", "regions", "rows", "accounts", "count"):
        kinds = {type(d[key]).__name__ for d in documents}
        assert len(kinds) == 1, (key, kinds)
    assert single.to_dict()["regions"] == ["us-west-2"]
    assert single.to_dict()["fits"][0]["region"] == "us-west-2"
    assert single.to_dict()["fits"][0]["account_id"] is None
    assert across.to_dict()["regions"] == ["us-west-2"]
    assert [r["account_id"] for r in placed["fits"]] == [A]
    assert placed["kind"] == "preflight"
    assert placed["smddp_version"] == "2.2.0"


def test_repeated_role_arn_keeps_every_account(run_cli: Invoke) -> None:
    arns = [f"arn:aws:iam::{a}:role/R" for a in (A, B)]
    assert account_targets(role_arn_value=arns) == [
        AccountTarget(a, r) for a, r in zip((A, B), arns, strict=True)
    ]
    args = cli_accounts.AccountArgs(tuple(arns), (), None, False, None, None, "s", 3600)

    _, targets = cli_accounts._targets(args, None, compat.load_matrix(), ["us-west-2"])
    assert [t.account_id for t in targets] == [A, B]
    other = f"arn:aws:iam::{A}:role/Other"
    clash = run_cli("quota", "scan", "-t", P4D, "-n", "1", "-r", "us-west-2",
                    "--role-arn", arns[0], "--role-arn", other)  # fmt: skip
    assert clash.exit_code == 2
    assert "two roles in account" in clash.stderr


def test_iam_policy_external_id_is_one_the_scan_accepts(run_cli: Invoke) -> None:
    short = run_cli("iam-policy", "--for-scan", "--external-id", "X")
    assert short.exit_code == 2
    assert "external id" in short.stderr
    scan = run_cli("quota", "scan", "-t", P4D, "-n", "1", "-r", "us-west-2",
                   "--accounts", A, "--role-name", "R", "--external-id", "X")  # fmt: skip
    assert scan.exit_code == 2  # both refuse the same id
    ok = run_cli("iam-policy", "--for-scan", "--external-id", "team:prod/42")
    assert ok.exit_code == 0


@pytest.mark.parametrize(
    "option", [["--caller-account", A], ["--role-name", "R"], ["--external-id", "xid-1"]]
)
def test_iam_policy_scan_options_need_for_scan(run_cli: Invoke, option: list[str]) -> None:
    result = run_cli("iam-policy", *option)
    assert result.exit_code == 2
    assert "add --for-scan" in result.stderr


def test_jsonl_gets_one_json_line_for_click_errors_and_bugs(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = run_cli("quota", "scan", "-t", P4D, "-n", "many", "--format", "jsonl",
                  "--accounts", A, "--role-name", "R")  # fmt: skip
    assert bad.exit_code == 2
    (line,) = bad.stdout.splitlines()
    assert json.loads(line)["error"] == "usage"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_accounts, "_scan", broken)
    bug = run_cli("quota", "scan", "-t", P4D, "-n", "1", "-r", "us-west-2", "--format", "jsonl",
                  "--accounts", A, "--role-name", "R")  # fmt: skip
    assert bug.exit_code == 1
    (line,) = bug.stdout.splitlines()
    assert json.loads(line)["error"] == "unexpected"


def test_an_interrupted_scan_says_130_in_its_json_as_its_exit(
    run_cli: Invoke, scanned: list[AccountScan]
) -> None:
    scanned.append(_scan(_row(A, "short", 1), interrupted=True))
    result = run_cli("quota", "scan", "-t", P4D, "-n", "4", "-r", "us-west-2",
                     "--accounts", f"{A},{B}", "--role-name", "R", "--format", "json")  # fmt: skip
    assert result.exit_code == 130
    data = json.loads(result.stdout)
    assert data["exit_code"] == 130
    assert data["interrupted"] is True
    assert "Interrupted: 1 of 2" in result.stderr
