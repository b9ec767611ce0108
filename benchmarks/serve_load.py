"""Bounded load run of ``smddp-compat serve`` on 127.0.0.1 only.

Starts the real server on a free loopback port, then loads ``/healthz`` (a
trivial endpoint of the same stack) and ``/v1/resolve`` with the same
connection count, with wrk when it is installed (Debian's package) or else a
small asyncio/httpx generator.

On a shared machine one run says little: other jobs take the CPU from one
endpoint's turn and not the other's. So the endpoints are interleaved in short
turns (a round is /healthz then /v1/resolve, the next round the other way
round), the rounds are repeated, and every figure is printed as the median
and the range over the rounds. The ratio resolve/healthz is taken per round,
from its two adjacent turns. A second, steadier figure is the server
process's own CPU time per request (the scheduler's nanoseconds of each of
its threads, /proc/<pid>/task/*/schedstat, over each turn, divided by the
requests answered): it counts what the server does, not how much of the
machine it got, so other jobs move it far less.

Every request sends ``Accept-Encoding: gzip, br`` as browsers do, so answers
above 1 kB (the resolve answer is 1.5 kB) go out compressed, and the server
computes each answer's ETag as it always does.

    python benchmarks/serve_load.py [--rounds 5] [--seconds 3] [--connections 50]
                                    [--accept-encoding 'gzip, br']

Limits: at most 15 rounds of 10 s per endpoint and 50 connections; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

HOST = "127.0.0.1"
MAX_SECONDS = 10
MAX_ROUNDS = 15
MAX_CONNECTIONS = 50
RESOLVE = "/v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2"
HEALTH = "/healthz"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Turn:
    """One endpoint loaded for one turn, and the server's CPU time over it."""

    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        """The server's CPU time per request answered, in microseconds."""
        return self.cpu_seconds / max(1, self.requests) * 1e6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid`` so far, all its threads (Linux /proc).

    The scheduler's nanosecond count per thread (``task/*/schedstat``) where the
    kernel keeps it, else utime + stime (clock ticks: 10 ms steps).
    """
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as fh:
                total += int(fh.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        pass
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        # The command name (field 2) may hold spaces: count from the closing parenthesis.
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def serving(extra: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """``python -m compat serve`` on a free loopback port, ready: yields (url, pid)."""
    import httpx

    port = free_port()
    url = f"http://{HOST}:{port}"
    command = [sys.executable, "-m", "compat", "serve", "--host", HOST, "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--log-level", "warning", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)


_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP99 %d\\nREQ %d\\nERR %d\\nDUR %d\\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout, summary.duration))
end
"""


def run_wrk(
    url: str, path: str, seconds: int, connections: int, lua: str, encoding: str
) -> tuple[int, float, float, float, int]:
    """(requests, seconds, p50 ms, p99 ms, errors) of one wrk run."""
    header = ["-H", f"Accept-Encoding: {encoding}"] if encoding else []
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua]
    out = subprocess.run(
        [*command, *header, url + path],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    values = dict(re.findall(r"^(P50|P99|REQ|ERR|DUR) (\d+)$", out, re.MULTILINE))
    return (
        int(values["REQ"]),
        int(values["DUR"]) / 1e6,
        int(values["P50"]) / 1000,
        int(values["P99"]) / 1000,
        int(values["ERR"]),
    )


async def _httpx_load(
    url: str, path: str, seconds: int, connections: int, encoding: str
) -> tuple[int, float, float, float, int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Accept-Encoding": encoding or "identity"}
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=10, headers=headers
    ) as client:
        end = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < end:
                start = time.perf_counter()
                try:
                    response = await client.get(path)
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        took = time.perf_counter() - began
    latencies.sort()
    n = len(latencies)
    return n, took, latencies[n // 2] * 1000, latencies[min(n - 1, n * 99 // 100)] * 1000, errors


def spread(values: Sequence[float], digits: int = 0) -> str:
    """``median (min to max)`` of ``values``."""
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f} to {max(values):.{digits}f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="one turn of one endpoint")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--accept-encoding",
        default="gzip, br",
        help="Accept-Encoding of every request ('' for none: answers uncompressed)",
    )
    args = parser.parse_args()
    encoding = args.accept_encoding
    rounds = max(1, min(args.rounds, MAX_ROUNDS))
    seconds = max(1, min(args.seconds, MAX_SECONDS))
    connections = max(1, min(args.connections, MAX_CONNECTIONS))
    tool = "wrk" if shutil.which("wrk") else "httpx"
    turns: dict[str, list[Turn]] = {HEALTH: [], RESOLVE: []}
    load_before = os.getloadavg()[0]
    with serving() as (url, pid), tempfile.TemporaryDirectory() as tmp:
        import httpx

        # Warm up both paths (page caches, first imports) before measuring.
        sizes = {}
        for path in turns:
            for _ in range(200):
                answer = httpx.get(url + path, headers={"Accept-Encoding": encoding or "identity"})
            sizes[path] = (
                answer.headers.get("content-length", "?"),
                answer.headers.get("content-encoding", "identity"),
                "etag" in answer.headers,
            )
        rss_before = rss_kib(pid)
        lua = os.path.join(tmp, "report.lua")
        with open(lua, "w", encoding="ascii") as fh:
            fh.write(_LUA)
        for i in range(rounds):
            for path in (RESOLVE, HEALTH) if i % 2 else (HEALTH, RESOLVE):
                cpu = cpu_seconds(pid)
                if tool == "wrk":
                    got = run_wrk(url, path, seconds, connections, lua, encoding)
                else:
                    got = asyncio.run(_httpx_load(url, path, seconds, connections, encoding))
                turns[path].append(Turn(path, *got, cpu_seconds=cpu_seconds(pid) - cpu))
        rss_after = rss_kib(pid)
    load_after = os.getloadavg()[0]

    print(
        f"serve load: {datetime.now(timezone.utc):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {tool}, "
        f"{connections} connections, {rounds} rounds of {seconds} s per endpoint "
        f"(interleaved), one uvicorn worker on {HOST}, Accept-Encoding {encoding!r}, "
        f"load average {load_before:.1f} before and {load_after:.1f} after"
    )
    print("median (min to max) over the rounds")
    print(f"{'endpoint':<13}{'req/s':>22}{'p50 ms':>22}{'p99 ms':>24}{'server CPU us/req':>24}")
    for path, name in ((HEALTH, "/healthz"), (RESOLVE, "/v1/resolve")):
        got = turns[path]
        print(
            f"{name:<13}{spread([t.rps for t in got]):>22}"
            f"{spread([t.p50_ms for t in got], 1):>22}{spread([t.p99_ms for t in got], 1):>24}"
            f"{spread([t.cpu_us for t in got], 1):>24}"
        )
    errors = sum(t.errors for got in turns.values() for t in got)
    print(f"errors: {errors}")
    for path, (size, coding, tagged) in sizes.items():
        print(f"{path}: {size} bytes sent, {coding}, ETag {'yes' if tagged else 'no'}")
    pairs = list(zip(turns[HEALTH], turns[RESOLVE], strict=True))
    print(
        "resolve/healthz throughput per round: "
        f"{spread([r.rps / h.rps for h, r in pairs], 2)} (target >= 0.8x)"
    )
    print(
        "resolve/healthz server CPU per request: "
        f"{spread([r.cpu_us / h.cpu_us for h, r in pairs], 2)} "
        f"(1/x of it is the throughput one core would give)"
    )
    print(f"server RSS: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
