"""Bounded load run of ``smddp-compat serve`` on 127.0.0.1 only.

Starts the real server on a free loopback port, then loads ``/healthz`` (a
trivial endpoint of the same stack) and ``/v1/resolve`` one after the other
for the same duration and connection count, with wrk when it is installed
(Debian's package) or else a small asyncio/httpx generator. Prints
throughput, p50/p99 latency, errors, and the server's RSS before and after.

    python benchmarks/serve_load.py [--seconds 8] [--connections 50]

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


def run_wrk(url: str, path: str, seconds: int, connections: int, lua: str) -> Figures:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua, url + path],
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


async def _httpx_load(url: str, path: str, seconds: int, connections: int) -> Figures:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
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
    args = parser.parse_args()
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
        for path in ("/healthz", RESOLVE):
            for _ in range(200):
                httpx.get(url + path)
        rss_before = rss_kib(server.pid)
        tool = "wrk" if shutil.which("wrk") else "httpx"
        results = []
        lua = None
        if tool == "wrk":
            import tempfile

            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
                fh.write(_LUA)
                lua = fh.name
        try:
            for path in ("/healthz", RESOLVE):
                if lua is not None:
                    results.append(run_wrk(url, path, seconds, connections, lua))
                else:
                    results.append(asyncio.run(_httpx_load(url, path, seconds, connections)))
        finally:
            if lua is not None:
                os.unlink(lua)
        rss_after = rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)

    health, resolve = results
    print(
        f"serve load: {datetime.now(timezone.utc):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {tool}, "
        f"{connections} connections, {seconds} s per endpoint, one uvicorn worker on {HOST}"
    )
    print(f"{'endpoint':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for fig, name in ((health, "/healthz"), (resolve, "/v1/resolve")):
        print(f"{name:<16}{fig.rps:>10.0f}{fig.p50_ms:>10.2f}{fig.p99_ms:>10.2f}{fig.errors:>8}")
    print(f"resolve/healthz throughput: {resolve.rps / health.rps:.2f}x (target >= 0.8x)")
    print(f"server RSS: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
