"""Shards of a scan across accounts (issue 21 item 4): the slice, the merge's refusals, the
recipes (GitHub workflow, Kubernetes Indexed Job, AWS Batch job definition) against their
schemas, and 4 shards as 4 processes against a fake endpoint merging to the unsharded report."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compat.aws.shards import (
    Shard,
    all_pairs,
    end_line,
    header,
    merge_shards,
    parse_shard,
    shard_pairs,
)
from compat.errors import UsageError

from ..conftest import REPO, Invoke, subprocess_env

P4D = "ml.p4d.24xlarge"
ACCOUNTS = [f"{i:012d}" for i in (5, 1, 3, 2, 4)]
REGIONS = ["us-west-2", "us-east-1", "eu-west-1"]


def test_slices_are_deterministic_balanced_and_cover_every_pair_once() -> None:
    pairs = all_pairs(ACCOUNTS, REGIONS)
    assert pairs == all_pairs(list(reversed(ACCOUNTS)), list(reversed(REGIONS)))
    for n in (1, 2, 4, 7, 15, 16):
        slices = [shard_pairs(pairs, Shard(k, n)) for k in range(n)]
        assert sorted(p for s in slices for p in s) == sorted(pairs)
        sizes = [len(s) for s in slices]
        assert max(sizes) - min(sizes) <= 1, (n, sizes)
    # contiguous: an account's three regions are in at most two shards of four
    four = [shard_pairs(pairs, Shard(k, 4)) for k in range(4)]
    for account in ACCOUNTS:
        assert sum(any(a == account for a, _ in s) for s in four) <= 2


def test_shard_specs_and_engine_variables() -> None:
    assert parse_shard("1/4", {}) == Shard(1, 4)
    assert parse_shard("auto/4", {"JOB_COMPLETION_INDEX": "3"}) == Shard(3, 4)
    assert parse_shard("auto/8", {"AWS_BATCH_JOB_ARRAY_INDEX": "5"}) == Shard(5, 8)
    assert parse_shard("auto", {"AWS_BATCH_JOB_ARRAY_INDEX": "0", "SMDDP_COMPAT_SHARDS": "2"}) == (
        Shard(0, 2)
    )
    with pytest.raises(UsageError, match="does not exist"):
        parse_shard("4/4", {})
    with pytest.raises(UsageError, match="neither JOB_COMPLETION_INDEX"):
        parse_shard("auto/4", {})
    with pytest.raises(UsageError, match="how many shards"):
        parse_shard("auto", {"JOB_COMPLETION_INDEX": "1"})
    with pytest.raises(UsageError, match="not K/N or auto"):
        parse_shard("1of4", {})


def _row(account: str, region: str, verdict: str = "short", headroom: int = 1) -> dict[str, Any]:
    return {"account_id": account, "alias": None, "account_name": None, "region": region,
            "verdict": verdict, "quota_name": "q", "limit": 2, "usage": 1,
            "headroom": headroom, "message": "m", "checks": []}  # fmt: skip


def _write_shards(tmp_path: Path, n: int, *, skip: int | None = None) -> list[Path]:
    pairs = all_pairs(ACCOUNTS, REGIONS)
    paths = []
    for k in range(n):
        if k == skip:
            continue
        shard = Shard(k, n)
        lines = [header(shard, ACCOUNTS, REGIONS, P4D, 4, False)]
        mine = shard_pairs(pairs, shard)
        lines += [_row(a, r) for a, r in mine]
        lines.append(end_line(shard, len(mine), False))
        path = tmp_path / f"shard-{k}.jsonl"
        path.write_text("".join(json.dumps(x) + "\n" for x in lines))
        paths.append(path)
    return paths


def test_merge_refuses_overlap_missing_foreign_and_cut_short_shards(
    tmp_path: Path, run_cli: Invoke
) -> None:
    paths = _write_shards(tmp_path, 3)
    merged = merge_shards([str(p) for p in paths])
    assert len(merged.rows) == len(ACCOUNTS) * len(REGIONS)
    assert int(merged.exit_code) == 5
    twice = run_cli("quota", "merge", str(paths[0]), str(paths[1]), str(paths[1]), str(paths[2]))
    assert twice.exit_code == 2
    assert "shard 1 of 3 is given twice" in twice.stderr
    missing = run_cli("quota", "merge", str(paths[0]), str(paths[2]))
    assert missing.exit_code == 2
    assert "1 of 3 shards are missing: 1/3" in missing.stderr
    other = tmp_path / "other"
    other.mkdir()
    foreign = _write_shards(other, 2)
    mixed = run_cli("quota", "merge", str(paths[0]), str(foreign[1]))
    assert mixed.exit_code == 2
    assert "another scan" in mixed.stderr
    lines = paths[2].read_text().splitlines()
    paths[2].write_text("\n".join(lines[:-2]) + "\n")  # a killed shard: no end line
    short = run_cli("quota", "merge", *map(str, paths))
    assert short.exit_code == 2
    assert "cut short" in short.stderr
    not_a_shard = tmp_path / "rows.jsonl"
    not_a_shard.write_text(json.dumps(_row(ACCOUNTS[0], REGIONS[0])) + "\n")
    assert "no shard header" in run_cli("quota", "merge", str(not_a_shard)).stderr


def test_shard_options_are_checked(run_cli: Invoke) -> None:
    base = ["quota", "scan", "-t", P4D, "-n", "4", "-r", "us-west-2"]
    needs_jsonl = run_cli(*base, "--accounts", ACCOUNTS[0], "--role-name", "R", "--shard", "0/2")
    assert needs_jsonl.exit_code == 2
    assert "--format jsonl" in needs_jsonl.stderr
    single = run_cli(*base, "--shard", "0/2")
    assert single.exit_code == 2
    assert "across accounts" in single.stderr


def _recipe(name: str) -> str:
    text = (REPO / "docs" / "recipes.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- recipe: {re.escape(name)} -->\s*```[a-z]*\n(.*?)```", text, re.DOTALL)
    assert found, name
    return found.group(1)


BIN = Path(sys.executable).parent


def test_github_shard_workflow_fits_the_github_schema(tmp_path: Path) -> None:
    workflow = tmp_path / "quota-scan.yml"
    workflow.write_text(_recipe("github-shards"))
    data = yaml.safe_load(workflow.read_text())
    assert data["jobs"]["shard"]["strategy"]["matrix"]["shard"] == [0, 1, 2, 3]
    assert data["jobs"]["merge"]["needs"] == "shard"
    assert "quota merge shard-*.jsonl" in json.dumps(data["jobs"]["merge"])
    argv = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    ok = subprocess.run([*argv, str(workflow)], capture_output=True, text=True, check=False,
                        env=subprocess_env(), timeout=120)  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("runs-on:", "runs_on:", 1))
    refused = subprocess.run([*argv, str(broken)], capture_output=True, text=True, check=False,
                             env=subprocess_env(), timeout=120)  # fmt: skip
    assert refused.returncode != 0


def test_kubernetes_indexed_job_fits_the_kubernetes_schema(tmp_path: Path) -> None:
    import kubernetes_validate

    manifest = yaml.safe_load(_recipe("kubernetes-indexed-job"))
    assert manifest["spec"]["completionMode"] == "Indexed"
    assert "--shard auto/4" in " ".join(
        manifest["spec"]["template"]["spec"]["containers"][0]["args"]
    )
    assert manifest["spec"]["completions"] == 4
    kubernetes_validate.validate(manifest, "1.30.0", strict=True)
    broken = json.loads(json.dumps(manifest))
    broken["spec"]["completionMode"] = ["Indexed"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, "1.30.0", strict=True)


def test_aws_batch_job_definition_fits_register_job_definition() -> None:
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    definition = json.loads(_recipe("aws-batch-job-definition"))
    model = botocore.session.get_session().get_service_model("batch")
    shape = model.operation_model("RegisterJobDefinition").input_shape
    validate_parameters(definition, shape)  # the request the CLI's --cli-input-json sends
    assert "--shard auto/4" in definition["containerProperties"]["command"][-1]
    with pytest.raises(ParamValidationError):
        validate_parameters({**definition, "jobQueue": "q"}, shape)


@pytest.fixture(scope="module")
def fake_aws() -> Iterator[str]:
    """benchmarks/accounts_server.py (moto) in a process of its own: 6 accounts, no latency."""
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "accounts_server.py"), "6",
         ",".join(REGIONS), "0", "0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=subprocess_env(),
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    try:
        yield url
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()


@pytest.mark.integration
def test_four_shard_processes_merge_to_the_unsharded_report(fake_aws: str, tmp_path: Path) -> None:
    env = subprocess_env(AWS_ENDPOINT_URL=fake_aws, SMDDP_COMPAT_CACHE_DIR="")
    where = [x for r in REGIONS for x in ("-r", r)]
    scan = [sys.executable, "-m", "compat", "quota", "scan", "-t", P4D, "-n", "4", *where,
            "--organization", "--role-name", "Scan"]  # fmt: skip
    outputs = [(tmp_path / f"shard-{k}.jsonl").open("w") for k in range(4)]
    try:
        shards = [
            subprocess.Popen(
                [*scan, "--shard", f"{k}/4", "--format", "jsonl"],
                env=env,
                stdout=outputs[k],
                stderr=subprocess.PIPE,
                text=True,
            )
            for k in range(4)
        ]
        whole = subprocess.run([*scan, "--format", "json"], env=env, capture_output=True,
                               text=True, timeout=300, check=False)  # fmt: skip
        results = [p.communicate(timeout=300) for p in shards]
    finally:
        for out in outputs:
            out.close()
    assert whole.returncode in (0, 5), whole.stderr
    codes = [p.returncode for p in shards]
    assert all(code in (0, 4, 5, 6) for code in codes), [err for _, err in results]
    files = [str(tmp_path / f"shard-{k}.jsonl") for k in range(4)]
    heads = [json.loads(Path(f).read_text().splitlines()[0]) for f in files]
    assert sorted(h["shard"] for h in heads) == [0, 1, 2, 3]
    assert len({h["fingerprint"] for h in heads}) == 1
    merged = subprocess.run([sys.executable, "-m", "compat", "quota", "merge", *files,
                             "--format", "json"], env=env, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert merged.returncode == whole.returncode, merged.stderr
    unsharded = json.loads(whole.stdout)
    assert unsharded["checked"] == 6 * len(REGIONS)
    assert json.loads(merged.stdout) == unsharded
    text = subprocess.run([sys.executable, "-m", "compat", "quota", "merge", *files], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    plain = subprocess.run(scan, env=env, capture_output=True, text=True, timeout=300,
                           check=False)  # fmt: skip
    assert text.stdout == plain.stdout
