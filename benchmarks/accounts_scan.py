"""Quota scan across 50 accounts x 20 regions against moto on 127.0.0.1, with simulated latency.

A child process runs ThreadedMotoServer with Organizations, STS, SageMaker
and patched service-quotas handlers: each member account gets its own
quotas (from its id) and some running jobs, SageMaker's listing carries
``--filler`` other quotas (it has thousands), and every call waits
``--latency`` ms as a real endpoint would. This process scans and prints:

* API calls per account-region before (the single-account ``quota scan`` run
  once per account, listing every region's quotas to find three codes) and
  after (``scan_accounts``: known codes first, confirmed by QuotaName);
* wall time of the whole scan with the default workers and with one;
* the peak RSS of this process (the scanner; the server is the child).

    python benchmarks/accounts_scan.py [--accounts 50] [--regions 20] [--latency 20]

Needs the test extras (moto[server]). Loopback only; no real AWS.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import resource
import subprocess
import sys
import threading
import time
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["SMDDP_COMPAT_CACHE_DIR"] = ""  # a cold code cache in every run

ROLE = "SmddpCompatScan"
P4D = "ml.p4d.24xlarge"


class Counter:
    """API calls made by this process's clients, by operation name."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def hook(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-call.*.*", self.hook)
        return client


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scan_before(base: Any, targets: list[Any], regions: list[str]) -> Counter:
    """The single-account quota scan once per account, a cold code cache each (a process each)."""
    import compat
    from compat.aws.accounts import AssumedSessions, AssumeRoleSettings
    from compat.aws.clients import SessionClients
    from compat.aws.quotas import clear_cache
    from compat.aws.scan import scan_regions

    counter = Counter()
    sessions = AssumedSessions(base, AssumeRoleSettings())
    for target in targets:
        clear_cache()
        clients = SessionClients(sessions.session(target))
        real = clients.client
        clients.client = lambda s, r, real=real: counter.attach(real(s, r))  # type: ignore[method-assign]
        scan_regions(clients, compat.load_matrix(), regions, P4D, 4)
    return counter


def scan_after(
    base: Any, targets: list[Any], regions: list[str], workers: int
) -> tuple[Any, Counter, float, int]:
    """scan_accounts with ``workers``: the result, its calls, wall seconds, AssumeRole calls."""
    import compat
    from compat.aws.accounts import AssumedSessions, AssumeRoleSettings
    from compat.aws.org_scan import SharedClients, scan_accounts
    from compat.aws.quota_codes import QuotaCodeBook
    from compat.aws.quotas import clear_cache

    clear_cache()
    matrix = compat.load_matrix()
    counter = Counter()
    factory = SharedClients(on_client=counter.attach)
    sessions = AssumedSessions(base, AssumeRoleSettings())
    t0 = time.perf_counter()
    scan = scan_accounts(
        targets, regions, P4D, 4, workers=workers, matrix=matrix,
        session_factory=sessions.credentials,
        client_factory=factory,
        code_book=QuotaCodeBook.from_matrix(matrix),
    )  # fmt: skip
    return scan, counter, time.perf_counter() - t0, sessions.assume_calls


def cpu_per_call(base: Any, targets: list[Any], regions: list[str]) -> tuple[float, float, int]:
    """Client CPU per API call of a serial scan, and botocore's floor, in ms; and the calls.

    The scan runs with one worker (this process's CPU time over its calls:
    the server is another process). The floor is the same calls, by
    operation, in a loop on one client per service in one region: what
    botocore itself costs per call (serialize, sign, send, parse).
    """
    from botocore.config import Config

    from compat.aws.accounts import AssumedSessions, AssumeRoleSettings

    t0 = time.process_time()
    _, counter, _, assumed = scan_after(base, targets, regions, 1)
    scan_cpu = time.process_time() - t0
    calls = sum(counter.calls.values()) + assumed  # AssumeRole calls cost CPU too
    session = AssumedSessions(base, AssumeRoleSettings()).session(targets[0])
    region = regions[0]
    config = Config(retries={"mode": "adaptive", "max_attempts": 5}, connect_timeout=5,
                    read_timeout=20)  # the scan's clients' configuration  # fmt: skip
    clients = {
        svc: session.client(svc, region_name=region, config=config)
        for svc in ("service-quotas", "sagemaker", "iam", "ec2", "account", "sts")
    }
    loop = {
        "GetServiceQuota": lambda: clients["service-quotas"].get_service_quota(
            ServiceCode="sagemaker", QuotaCode="L-09B4A649"),
        "GetAWSDefaultServiceQuota": lambda: clients["service-quotas"].get_service_quota(
            ServiceCode="sagemaker", QuotaCode="L-622CFD70"),
        "ListTrainingJobs": lambda: clients["sagemaker"].list_training_jobs(
            StatusEquals="InProgress"),
        "DescribeTrainingJob": lambda: clients["sagemaker"].list_training_jobs(
            StatusEquals="Stopping"),
        "ListAccountAliases": clients["iam"].list_account_aliases,
        "DescribeRegions": clients["ec2"].describe_regions,
        "ListRegions": clients["account"].list_regions,
    }  # fmt: skip
    counter.calls["AssumeRole"] += assumed
    loop["AssumeRole"] = lambda: clients["sts"].assume_role(
        RoleArn=targets[0].role_arn, RoleSessionName="floor"
    )
    plan = [(op, n) for op, n in counter.calls.items() if op in loop]
    done = 0
    t0 = time.process_time()
    for op, n in plan:
        for _ in range(n):
            with contextlib.suppress(Exception):  # an error answer costs botocore the same
                loop[op]()
            done += 1
    floor_cpu = time.process_time() - t0
    return scan_cpu / calls * 1000, floor_cpu / max(done, 1) * 1000, calls


def per_cell(counter: Counter, n: int) -> str:
    quota = sum(v for k, v in counter.calls.items() if "Quota" in k)
    jobs = sum(v for k, v in counter.calls.items() if "Training" in k)
    total = sum(counter.calls.values())
    return f"{total / n:5.2f} (quotas {quota / n:5.2f}, jobs {jobs / n:4.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--latency", type=float, default=20.0, help="ms added to each call")
    parser.add_argument("--filler", type=int, default=2000, help="other quotas in the listing")
    parser.add_argument("--before-accounts", type=int, default=3, help="scanned the old way")
    parser.add_argument(
        "--cpu-only",
        action="store_true",
        help="only client CPU per API call vs botocore's floor (use --latency 0)",
    )
    args = parser.parse_args()

    import boto3

    import compat
    from compat.aws.accounts import account_targets
    from compat.aws.scan import DEFAULT_WORKERS, default_regions

    regions = default_regions(compat.load_matrix())[: args.regions]
    server = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(__file__), "accounts_server.py"),
         str(args.accounts), ",".join(regions), str(args.latency / 1000), str(args.filler)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    os.environ["AWS_ENDPOINT_URL"] = server.stdout.readline().strip()
    try:
        base = boto3.Session()
        org = base.client("organizations", region_name="us-east-1")
        targets = account_targets(
            organization=True, role_name=ROLE, organizations_client=lambda: org
        )
        if args.cpu_only:
            scan_ms, floor_ms, calls = cpu_per_call(base, targets, regions)
            print(f"{len(targets)} accounts x {len(regions)} regions, {calls} calls, serial")
            print(f"client CPU per API call: scan {scan_ms:.2f} ms, botocore floor "
                  f"{floor_ms:.2f} ms (same calls in a loop on one client): "
                  f"{scan_ms / floor_ms:.2f}x")  # fmt: skip
            return
        rss_before = _rss_mib()
        result, after, parallel, assumed = scan_after(base, targets, regions, DEFAULT_WORKERS)
        rss_peak = _rss_mib()
        _, _, serial, _ = scan_after(base, targets, regions, 1)
        before = scan_before(base, targets[: args.before_accounts], regions)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(30)
    cells = len(targets) * len(regions)
    print(f"{len(targets)} accounts x {len(regions)} regions = {cells} account-regions; "
          f"{args.latency:.0f} ms per call; {args.filler} other quotas listed")  # fmt: skip
    old = per_cell(before, args.before_accounts * len(regions))
    print(f"calls per account-region, before (quota scan per account): {old}")
    print(f"calls per account-region, after (scan_accounts):            {per_cell(after, cells)}")
    print(f"  after, by API: {dict(sorted(after.calls.items()))}; AssumeRole: {assumed}")
    print(f"wall time, {DEFAULT_WORKERS} workers (default): {parallel:7.2f} s")
    print(f"wall time, 1 worker (serial):     {serial:7.2f} s  ({serial / parallel:.1f}x)")
    print(f"peak RSS of the scanning process: {rss_peak:.1f} MiB "
          f"(boto3 and the matrix loaded: {rss_before:.1f} MiB)")  # fmt: skip
    print(f"rows that fit: {len(result.fits)} of {len(result.rows)}; errors: {len(result.unread)}")


if __name__ == "__main__":
    main()
