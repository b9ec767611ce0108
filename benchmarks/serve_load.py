"""Bounded load run of ``smddp-compat serve`` on 127.0.0.1 only.

Starts the real server on a free loopback port, then loads ``/healthz`` (a
trivial endpoint of the same stack) and ``/v1/resolve`` for the same duration
and connection count, with wrk when it is installed (Debian's package) or else
a small asyncio/httpx generator. The endpoints take turns, /healthz then
/v1/resolve then /v1/resolve then /healthz (half the time each), so that load
from elsewhere on a shared machine falls on both alike rather than on
whichever ran second. (Shorter turns would not help: each wrk run starts with
a burst of 50 connects that inflates a short run's p99.) Prints throughput
(all requests over both turns), p50 and p99 latency (each the worse turn's),
errors, and the server's RSS before and after. Every request sends
``Accept-Encoding: gzip, br`` as browsers do, so answers above 1 kB (the
resolve answer is 1.5 kB) go out compressed, and the server computes each
answer's ETag as it always does.

    python benchmarks/serve_load.py [--seconds 8] [--connections 50] [--accept-encoding 'gzip, br']

Limits: at most 20 s per endpoint and 50 connections; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone

HOST = "127.0.0.1"
MAX_SECONDS = 20
MAX_CONNECTIONS = 50
RESOLVE = "/v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2"
#: Turns per endpoint, in the order A B B A.
ROUNDS = 2


@dataclass
class Figures:
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def combine(rounds: list[Figures]) -> Figures:
    """One endpoint's rounds as one run; its latencies are the worst round's."""
    return Figures(
        rounds[0].path,
        sum(r.requests for r in rounds),
        sum(r.seconds for r in rounds),
        max(r.p50_ms for r in rounds),
        max(r.p99_ms for r in rounds),
        sum(r.errors for r in rounds),
    )


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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
) -> Figures:
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
    return Figures(
        path,
        int(values["REQ"]),
        int(values["DUR"]) / 1e6,
        int(values["P50"]) / 1000,
        int(values["P99"]) / 1000,
        int(values["ERR"]),
    )


async def _httpx_load(
    url: str, path: str, seconds: int, connections: int, encoding: str
) -> Figures:
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
    return Figures(
        path, n, took, latencies[n // 2] * 1000, latencies[min(n - 1, n * 99 // 100)] * 1000, errors
    )


def main() -> int:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--accept-encoding",
        default="gzip, br",
        help="Accept-Encoding of every request ('' for none: answers uncompressed)",
    )
    args = parser.parse_args()
    encoding = args.accept_encoding
    seconds = max(1, min(args.seconds, MAX_SECONDS))
    connections = max(1, min(args.connections, MAX_CONNECTIONS))
    port = free_port()
    url = f"http://{HOST}:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "compat",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.1)
        # Warm up both paths (page caches, first imports) before measuring.
        sizes = {}
        for path in ("/healthz", RESOLVE):
            for _ in range(200):
                answer = httpx.get(url + path, headers={"Accept-Encoding": encoding or "identity"})
            sizes[path] = (
                answer.headers.get("content-length", "?"),
                answer.headers.get("content-encoding", "identity"),
                "etag" in answer.headers,
            )
        rss_before = rss_kib(server.pid)
        tool = "wrk" if shutil.which("wrk") else "httpx"
        rounds: dict[str, list[Figures]] = {"/healthz": [], RESOLVE: []}
        turn = max(1, seconds // ROUNDS)
        lua = None
        if tool == "wrk":
            import tempfile

            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
                fh.write(_LUA)
                lua = fh.name
        try:
            for i in range(max(1, seconds // turn)):
                for path in (RESOLVE, "/healthz") if i % 2 else ("/healthz", RESOLVE):
                    got = rounds[path]
                    if lua is not None:
                        got.append(run_wrk(url, path, turn, connections, lua, encoding))
                    else:
                        got.append(asyncio.run(_httpx_load(url, path, turn, connections, encoding)))
        finally:
            if lua is not None:
                os.unlink(lua)
        rss_after = rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)

    health, resolve = (combine(got) for got in rounds.values())
    print(
        f"serve load: {datetime.now(timezone.utc):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {tool}, "
        f"{connections} connections, {seconds} s per endpoint in turns of {turn} s, "
        f"one uvicorn worker on {HOST}, Accept-Encoding {encoding!r}"
    )
    print(f"{'endpoint':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for fig, name in ((health, "/healthz"), (resolve, "/v1/resolve")):
        print(f"{name:<16}{fig.rps:>10.0f}{fig.p50_ms:>10.2f}{fig.p99_ms:>10.2f}{fig.errors:>8}")
    for path, (size, coding, tagged) in sizes.items():
        print(f"{path}: {size} bytes sent, {coding}, ETag {'yes' if tagged else 'no'}")
    print(f"resolve/healthz throughput: {resolve.rps / health.rps:.2f}x (target >= 0.8x)")
    print(f"server RSS: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
