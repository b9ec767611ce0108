"""Shards of a scan across accounts, for a distributed engine users already run, and their merge.

A scan's account-region pairs are put in one order (accounts by id, then
regions by name) and cut into N contiguous slices whose sizes differ by at
most one: shard K of N reads slice K (0-based), so an account's regions
mostly stay in one shard (one AssumeRole). The slice depends only on the
pair set, so every shard computes the same cut without talking to the others.

A shard's JSON Lines output starts with a header line (``"kind":
"quota-scan-shard"``: the shard, the count, the whole pair set's accounts and
regions and its fingerprint, a hash that also covers the question asked),
then one row a line, then an end line (``"kind": "quota-scan-shard-end"``).
:func:`merge_shards` checks that the files are shards of one scan, that each
shard is there exactly once and complete, then gives the one
:class:`~compat.aws.org_scan.AccountScan` the unsharded scan would give.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.errors import UsageError

if TYPE_CHECKING:
    from compat.aws.org_scan import AccountScan

HEADER = "quota-scan-shard"
END = "quota-scan-shard-end"
#: Where an engine says which shard this process is: Kubernetes Indexed Jobs, AWS Batch arrays.
INDEX_VARIABLES = ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX")
#: Where the shard count may be given to ``--shard auto`` (none of the engines sets one).
COUNT_VARIABLE = "SMDDP_COMPAT_SHARDS"
_SPEC = re.compile(r"^\s*(auto|\d+)\s*(?:/\s*(\d+)\s*)?$")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (0-based) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= 100_000:
            raise UsageError(f"--shard: the shard count must be 1 to 100000, not {self.count}")
        if not 0 <= self.index < self.count:
            raise UsageError(
                f"--shard: shard {self.index} of {self.count} does not exist",
                hint=f"shards are numbered from 0 to {self.count - 1}, as "
                "JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX count",
            )


def parse_shard(text: str, environ: Mapping[str, str] | None = None) -> Shard:
    """``K/N``, ``auto/N`` or ``auto`` (the index from the engine, N from SMDDP_COMPAT_SHARDS)."""
    env = os.environ if environ is None else environ
    found = _SPEC.match(text)
    if found is None:
        raise UsageError(
            f"--shard: {text!r} is not K/N or auto",
            hint="such as --shard 0/4 (the first of 4), or --shard auto/4 in a Kubernetes "
            "Indexed Job or an AWS Batch array job",
        )
    index_text, count_text = found.group(1), found.group(2)
    if count_text is None:
        count_text = env.get(COUNT_VARIABLE)
        if not count_text:
            raise UsageError(
                f"--shard {index_text}: how many shards?",
                hint=f"pass --shard {index_text}/N, or set {COUNT_VARIABLE}=N",
            )
        if not count_text.strip().isdigit():
            raise UsageError(f"{COUNT_VARIABLE}={count_text!r} is not a number of shards")
    if index_text == "auto":
        for variable in INDEX_VARIABLES:
            value = env.get(variable)
            if value is not None and value.strip() != "":
                if not value.strip().isdigit():
                    raise UsageError(f"{variable}={value!r} is not a shard index")
                return Shard(int(value), int(count_text))
        raise UsageError(
            "--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor "
            "AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set",
            hint="pass the index yourself: --shard K/N (K from 0 to N-1)",
        )
    return Shard(int(index_text), int(count_text))


def all_pairs(accounts: Iterable[str], regions: Iterable[str]) -> list[tuple[str, str]]:
    """Every account-region pair of a scan, in the one order all shards agree on."""
    return [(a, r) for a in sorted(set(accounts)) for r in sorted(set(regions))]


def shard_pairs(pairs: Sequence[tuple[str, str]], shard: Shard) -> list[tuple[str, str]]:
    """Shard ``shard``'s contiguous slice of ``pairs``; sizes differ by at most one."""
    total = len(pairs)
    start = shard.index * total // shard.count
    end = (shard.index + 1) * total // shard.count
    return list(pairs[start:end])


def fingerprint(
    pairs: Sequence[tuple[str, str]], instance_type: str, count: int, spot: bool
) -> str:
    """A hash of the whole pair set and the question: shards of one scan share it."""
    text = json.dumps(
        {"pairs": [list(p) for p in pairs], "type": instance_type, "count": count, "spot": spot},
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def header(
    shard: Shard,
    accounts: Sequence[str],
    regions: Sequence[str],
    instance_type: str,
    count: int,
    spot: bool,
) -> dict[str, Any]:
    """The first line of a shard's output: who it is and which whole scan it belongs to."""
    pairs = all_pairs(accounts, regions)
    return {
        "kind": HEADER,
        "shard": shard.index,
        "shards": shard.count,
        "fingerprint": fingerprint(pairs, instance_type, count, spot),
        "instance_type": instance_type,
        "count": count,
        "spot": spot,
        "accounts": sorted(set(accounts)),
        "regions": sorted(set(regions)),
        "pairs": len(shard_pairs(pairs, shard)),
        "total_pairs": len(pairs),
    }


def end_line(shard: Shard, checked: int, interrupted: bool) -> dict[str, Any]:
    """The last line of a shard's output: how many rows it wrote, whether it was cut short."""
    return {"kind": END, "shard": shard.index, "checked": checked, "interrupted": interrupted}


@dataclass(frozen=True, slots=True)
class _ShardFile:
    path: str
    head: dict[str, Any]
    rows: list[dict[str, Any]]
    end: dict[str, Any] | None


def _read(path: str) -> _ShardFile:
    try:
        with open(path, encoding="utf-8") as fh:
            lines = [line for line in fh.read().splitlines() if line.strip()]
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    parsed: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            value = json.loads(line)
        except ValueError:
            raise UsageError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(value, dict):
            raise UsageError(f"{path}:{number}: not a JSON object")
        parsed.append(value)
    if not parsed or parsed[0].get("kind") != HEADER:
        raise UsageError(
            f"{path}: not the output of a shard (its first line is no shard header)",
            hint="write each shard with 'smddp-compat quota scan ... --shard K/N --format jsonl'",
        )
    end = parsed[-1] if parsed[-1].get("kind") == END else None
    rows = parsed[1:-1] if end is not None else parsed[1:]
    if any("kind" in r for r in rows):
        raise UsageError(f"{path}: holds more than one shard's output")
    return _ShardFile(path, parsed[0], rows, end)


def merge_shards(paths: Sequence[str]) -> AccountScan:
    """One scan from its shards' JSON Lines files; UsageError for a set that is not one scan.

    Refuses files of different scans (fingerprints differ), a shard given
    twice (overlap), a missing shard, a shard that was interrupted or cut
    short, and rows outside a shard's slice.
    """
    from compat.aws.org_scan import AccountRow, AccountScan

    if not paths:
        raise UsageError("quota merge needs the shards' output files")
    files = [_read(p) for p in paths]
    first = files[0].head
    for f in files[1:]:
        if (f.head["fingerprint"], f.head["shards"]) != (first["fingerprint"], first["shards"]):
            raise UsageError(
                f"{f.path} is a shard of another scan than {files[0].path} "
                f"(fingerprint or shard count differ)",
                hint="merge the shards of one scan: same accounts, regions, type, count, spot",
            )
    count = int(first["shards"])
    seen: dict[int, str] = {}
    for f in files:
        index = int(f.head["shard"])
        if index in seen:
            raise UsageError(
                f"shard {index} of {count} is given twice: {seen[index]} and {f.path} overlap"
            )
        seen[index] = f.path
    missing = sorted(set(range(count)) - set(seen))
    if missing:
        raise UsageError(
            f"{len(missing)} of {count} shards are missing: "
            + ", ".join(f"{i}/{count}" for i in missing[:20])
            + ("..." if len(missing) > 20 else ""),
            hint="rerun those shards ('smddp-compat quota scan ... --shard K/N') and merge "
            "every file",
        )
    pairs = all_pairs(first["accounts"], first["regions"])
    if (
        fingerprint(pairs, first["instance_type"], first["count"], first["spot"])
        != first["fingerprint"]
    ):
        raise UsageError(f"{files[0].path}: its header does not match its fingerprint")
    rows: list[AccountRow] = []
    for f in files:
        shard = Shard(int(f.head["shard"]), count)
        if f.end is None or f.end.get("interrupted"):
            raise UsageError(
                f"{f.path}: shard {shard.index}/{count} is incomplete "
                + ("(interrupted)" if f.end else "(no end line: cut short)"),
                hint=f"rerun it: 'smddp-compat quota scan ... --shard {shard.index}/{count} "
                "--format jsonl'",
            )
        want = set(shard_pairs(pairs, shard))
        got = [(str(r.get("account_id")), str(r.get("region"))) for r in f.rows]
        if set(got) != want or len(got) != len(want):
            raise UsageError(
                f"{f.path}: shard {shard.index}/{count} holds {len(got)} rows for "
                f"{len(want)} account-regions, not its slice",
            )
        rows += [AccountRow.from_dict(r) for r in f.rows]
    rows.sort(key=AccountRow.sort_key)
    return AccountScan(
        str(first["instance_type"]),
        int(first["count"]),
        bool(first["spot"]),
        tuple(rows),
        len(first["accounts"]),
        len(first["regions"]),
        account_ids=tuple(first["accounts"]),
        region_names=tuple(first["regions"]),
    )
