"""Quota scan across 50 accounts x 20 regions against moto on 127.0.0.1, with simulated latency.

A child process runs ThreadedMotoServer with Organizations, STS, SageMaker
and patched service-quotas handlers: each member account gets its own
quotas (from its id) and some running jobs, SageMaker's listing carries
``--filler`` other quotas (it has thousands), and every call waits
``--latency`` ms as a real endpoint would. This process scans and prints:

* API calls per account-region before (the single-account ``quota scan`` run
  once per account, listing every region's quotas to find three codes) and
  after (``scan_accounts``: known codes first, confirmed by QuotaName);
* wall time of the whole scan with the default workers and with one, and
  this process's CPU time per API call;
* the peak RSS of this process (the scanner; the server is the child).

``--cpu-only`` compares the scan's client CPU per API call with botocore's
floor (the same calls, operation by operation, in a loop on one client per
service): ``--repeat`` interleaved runs, each a fresh process measuring its
own CPU time (scan, floor, scan, floor, ...), and the ratio's median and
range. ``--instructions 6x4,12x8`` counts instructions instead, under
valgrind's callgrind (the same on a loaded machine; slow), at two sizes, so
that what the scan pays once per process and per call are told apart.

    python benchmarks/accounts_scan.py [--accounts 50] [--regions 20] [--latency 20]
    python benchmarks/accounts_scan.py --latency 0 --filler 0 --cpu-only [--repeat 5]
    python benchmarks/accounts_scan.py --latency 0 --filler 0 --instructions 6x4,12x8

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
    try:  # one botocore session and loader for the caller's clients and the scan's
        factory = SharedClients(on_client=counter.attach, session=base)
    except TypeError:  # the scan before it could share one (for before/after runs)
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


#: What the floor calls for each operation the scan made: (service, method, arguments).
FLOOR_CALLS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "GetServiceQuota": [
        ("service-quotas", "get_service_quota", {"ServiceCode": "sagemaker", "QuotaCode": c})
        for c in ("L-09B4A649", "L-00C91CB5", "L-622CFD70")
    ],
    "GetAWSDefaultServiceQuota": [
        ("service-quotas", "get_aws_default_service_quota",
         {"ServiceCode": "sagemaker", "QuotaCode": "L-09B4A649"}),
    ],
    "ListAWSDefaultServiceQuotas": [
        ("service-quotas", "list_aws_default_service_quotas", {"ServiceCode": "sagemaker"}),
    ],
    "ListTrainingJobs": [
        ("sagemaker", "list_training_jobs", {"StatusEquals": "InProgress"}),
        ("sagemaker", "list_training_jobs", {"StatusEquals": "Stopping"}),
        ("sagemaker", "list_training_jobs", {"WarmPoolStatusEquals": "Available"}),
    ],
    "DescribeTrainingJob": [
        ("sagemaker", "describe_training_job", {"TrainingJobName": "running"}),
    ],
    "ListAccountAliases": [("iam", "list_account_aliases", {})],
    "ListRegions": [
        ("account", "list_regions", {"RegionOptStatusContains": ["ENABLED", "ENABLED_BY_DEFAULT"]}),
    ],
    "DescribeRegions": [("ec2", "describe_regions", {"AllRegions": False})],
    "AssumeRole": [("sts", "assume_role", {"RoleSessionName": "smddp-compat-scan",
                                           "DurationSeconds": 3600})],
}  # fmt: skip


def _setup(accounts: int, regions: int) -> tuple[Any, list[Any], list[str]]:
    """What every child does before it measures: imports, the matrix, the organization."""
    import boto3

    import compat
    from compat.aws.accounts import account_targets
    from compat.aws.scan import default_regions

    chosen = default_regions(compat.load_matrix())[:regions]
    base = boto3.Session()
    org = base.client("organizations", region_name="us-east-1")
    targets = account_targets(organization=True, role_name=ROLE, organizations_client=lambda: org)
    return base, targets[:accounts], chosen


def _floor_clients(base: Any, targets: list[Any], region: str, counter: Counter) -> tuple[Any, Any]:
    """The floor's clients: one per service, in the account of a running job (to describe)."""
    from botocore.config import Config

    from compat.aws.accounts import AssumedSessions, AssumeRoleSettings

    sessions = AssumedSessions(base, AssumeRoleSettings())
    config = Config(retries={"mode": "adaptive", "max_attempts": 5}, connect_timeout=5,
                    read_timeout=20)  # the scan's clients' configuration  # fmt: skip
    for target in targets:
        session = sessions.session(target)
        sagemaker = session.client("sagemaker", region_name=region, config=config)
        if sagemaker.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]:
            break
    clients = {"sagemaker": counter.attach(sagemaker)}
    for svc in ("service-quotas", "iam", "ec2", "account"):
        clients[svc] = counter.attach(session.client(svc, region_name=region, config=config))
    # The scan's STS client has no counter (AssumedSessions counts); neither has this one.
    clients["sts"] = base.client("sts", region_name="us-east-1", config=config)
    return clients, target


def child(role: str, accounts: int, regions: int, plan: dict[str, int]) -> dict[str, Any]:
    """One measured phase in this process: ``scan``, ``floor``, or only their set-up.

    ``base`` and ``floorbase`` stop where ``scan`` and ``floor`` would start
    measuring: under callgrind, their instruction counts are subtracted.
    """
    import itertools

    base, targets, chosen = _setup(accounts, regions)
    if role == "base":
        return {}
    if role == "scan":
        t0 = time.process_time()
        _, counter, _, assumed = scan_after(base, targets, chosen, 1)
        cpu = time.process_time() - t0
        counter.calls["AssumeRole"] += assumed
        return {"cpu": cpu, "calls": dict(counter.calls)}
    counter = Counter()
    clients, target = _floor_clients(base, targets, chosen[0], counter)
    if role == "floorbase":
        return {}
    steps = []
    for op, n in plan.items():
        cycle = itertools.cycle(FLOOR_CALLS[op])
        for _ in range(n):
            svc, method, kwargs = next(cycle)
            if op == "AssumeRole":
                kwargs = {**kwargs, "RoleArn": target.role_arn}
            steps.append((clients[svc], method, kwargs))
    t0 = time.process_time()
    for client, method, kwargs in steps:
        with contextlib.suppress(Exception):  # an error answer is botocore's cost too
            getattr(client, method)(**kwargs)
    cpu = time.process_time() - t0
    counter.calls["AssumeRole"] += plan.get("AssumeRole", 0)
    return {"cpu": cpu, "calls": dict(counter.calls)}


def _run_child(
    role: str, url: str, args: argparse.Namespace, plan: dict[str, int], valgrind: str | None
) -> dict[str, Any]:
    import json

    cmd = [sys.executable, __file__, "--child", role, "--accounts", str(args.accounts),
           "--regions", str(args.regions), "--plan", json.dumps(plan)]  # fmt: skip
    if valgrind is not None:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={valgrind}", *cmd]
    env = {**os.environ, "AWS_ENDPOINT_URL": url, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{role} child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if valgrind is not None:
        with open(valgrind, encoding="utf-8") as fh:
            totals = [line for line in fh if line.startswith(("summary:", "totals:"))]
        result["instructions"] = int(totals[-1].split()[1])
        os.unlink(valgrind)
    return result


def cpu_runs(url: str, args: argparse.Namespace) -> None:
    """Interleaved runs, each in a fresh process: scan, floor, scan, floor, ...

    Each child measures its own CPU time (``time.process_time``: all its
    threads, not wall time, and not the fake endpoint's process). The floor
    makes the same calls as the scan before it, operation by operation, on
    one client per service in a loop, with the scan's client configuration
    and the account's refreshable assumed-role credentials; it calls
    ListTrainingJobs directly (the scan pages it through botocore's paginator).
    """
    import statistics

    ratios, scans, floors = [], [], []
    calls = 0
    for i in range(args.repeat):
        scan = _run_child("scan", url, args, {}, None)
        calls = sum(scan["calls"].values())
        floor = _run_child("floor", url, args, scan["calls"], None)
        assert sum(floor["calls"].values()) == calls, (scan["calls"], floor["calls"])
        scans.append(scan["cpu"] / calls * 1000)
        floors.append(floor["cpu"] / calls * 1000)
        ratios.append(scans[-1] / floors[-1])
        print(f"run {i + 1}: scan {scans[-1]:.3f} ms, floor {floors[-1]:.3f} ms per call: "
              f"{ratios[-1]:.2f}x", flush=True)  # fmt: skip
    print(f"{args.accounts} accounts x {args.regions} regions, serial, {calls} calls a run: "
          f"{dict(sorted(scan['calls'].items()))}")  # fmt: skip
    print(
        f"client CPU per API call, median of {args.repeat} interleaved runs: scan "
        f"{statistics.median(scans):.3f} ms ({min(scans):.3f} to {max(scans):.3f}), floor "
        f"{statistics.median(floors):.3f} ms ({min(floors):.3f} to {max(floors):.3f})"
    )
    print(f"ratio scan/floor: median {statistics.median(ratios):.2f}x, "
          f"range {min(ratios):.2f}x to {max(ratios):.2f}x")  # fmt: skip


def instruction_runs(url: str, args: argparse.Namespace) -> None:
    """Instructions per API call under callgrind: the same whatever else runs on the machine.

    For each size, four children: the scan's set-up, the scan, the floor's
    set-up (its clients made), the floor; each measured phase is its run
    minus its set-up. Two sizes split the scan's cost into what the process
    pays once (service models parsed, clients made) and what each call adds.
    """
    import tempfile

    out = os.path.join(tempfile.mkdtemp(prefix="accounts-scan-"), "callgrind.out")
    seen: list[tuple[int, int, int]] = []  # (calls, scan instructions, floor instructions)
    for size in args.instructions.split(","):
        accounts, regions = (int(x) for x in size.split("x"))
        sized = argparse.Namespace(**{**vars(args), "accounts": accounts, "regions": regions})
        base = _run_child("base", url, sized, {}, out)
        scan = _run_child("scan", url, sized, {}, out)
        plan = scan["calls"]
        floorbase = _run_child("floorbase", url, sized, plan, out)
        floor = _run_child("floor", url, sized, plan, out)
        calls = sum(plan.values())
        seen.append((calls, scan["instructions"] - base["instructions"],
                     floor["instructions"] - floorbase["instructions"]))  # fmt: skip
        _, in_scan, in_floor = seen[-1]
        print(f"{accounts} accounts x {regions} regions, {calls} calls "
              f"{dict(sorted(plan.items()))}: instructions per API call (callgrind) scan "
              f"{in_scan / calls / 1e6:.2f} M, floor {in_floor / calls / 1e6:.2f} M: "
              f"{in_scan / in_floor:.2f}x", flush=True)  # fmt: skip
    if len(seen) > 1:
        (c0, s0, f0), (c1, s1, f1) = seen[0], seen[-1]
        per_scan, per_floor = (s1 - s0) / (c1 - c0), (f1 - f0) / (c1 - c0)
        once = s0 - per_scan * c0
        print(f"each further call: scan {per_scan / 1e6:.2f} M, floor {per_floor / 1e6:.2f} M "
              f"instructions: {per_scan / per_floor:.2f}x; the scan's once per process: "
              f"{once / 1e6:.0f} M")  # fmt: skip


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
    parser.add_argument("--repeat", type=int, default=5, help="interleaved runs for --cpu-only")
    parser.add_argument(
        "--instructions",
        metavar="AxR,AxR",
        help="instructions per API call, scan vs floor, under valgrind's callgrind, at these "
        "sizes (accounts x regions; slow: such as 6x4,12x8)",
    )
    parser.add_argument("--child", choices=("base", "scan", "floorbase", "floor"),
                        help=argparse.SUPPRESS)  # fmt: skip
    parser.add_argument("--plan", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import json

        print(json.dumps(child(args.child, args.accounts, args.regions, json.loads(args.plan))))
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    """Start the fake endpoint, scan it, print the figures."""
    import boto3

    if args.instructions:  # the endpoint holds the largest size
        sizes = [[int(x) for x in size.split("x")] for size in args.instructions.split(",")]
        args.accounts, args.regions = (max(n) for n in zip(*sizes, strict=True))

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
        if args.cpu_only or args.instructions:
            url = os.environ["AWS_ENDPOINT_URL"]
            if args.cpu_only:
                cpu_runs(url, args)
            if args.instructions:
                instruction_runs(url, args)
            return
        base = boto3.Session()
        org = base.client("organizations", region_name="us-east-1")
        targets = account_targets(
            organization=True, role_name=ROLE, organizations_client=lambda: org
        )
        rss_before = _rss_mib()
        cpu = time.process_time()
        result, after, parallel, assumed = scan_after(base, targets, regions, DEFAULT_WORKERS)
        cpu = time.process_time() - cpu
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
    calls = sum(after.calls.values()) + assumed
    print(f"CPU of the scanning process, {DEFAULT_WORKERS} workers: {cpu:.2f} s, "
          f"{cpu / calls * 1000:.2f} ms per API call ({calls} calls)")  # fmt: skip
    print(f"peak RSS of the scanning process: {rss_peak:.1f} MiB "
          f"(boto3 and the matrix loaded: {rss_before:.1f} MiB)")  # fmt: skip
    print(f"rows that fit: {len(result.fits)} of {len(result.rows)}; errors: {len(result.unread)}")


if __name__ == "__main__":
    main()
