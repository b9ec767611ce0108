"""The server's CPU time per request for the page and its largest asset, compressed.

Starts ``smddp-compat serve`` on 127.0.0.1, then asks ``/`` and the largest
static asset (``/static/page.<hash>.js``) one request at a time over one
kept-alive connection, with ``Accept-Encoding: gzip, br`` (brotli is chosen)
and with ``gzip`` alone, and reads the server process's own CPU time
(/proc/<pid>/task/*/schedstat) around each batch: what the server spends per request,
which other jobs on a shared machine disturb far less than a wall-clock
figure. The batches are interleaved and repeated; each figure is the median
and the range over the rounds. Also prints the bytes sent.

    python benchmarks/serve_compress.py [--rounds 5] [--requests 300]

Loopback only.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from serve_load import cpu_seconds, serving, spread  # noqa: E402

ENCODINGS = ("gzip, br", "gzip")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="per path, coding and round")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 20))
    count = max(10, min(args.requests, 5000))
    import httpx

    load_before = os.getloadavg()[0]
    with serving() as (url, pid), httpx.Client(base_url=url, timeout=10) as client:
        page = client.get("/", headers={"Accept-Encoding": "identity"}).text
        assets = re.findall(r"/static/page\.[0-9a-f]{12}\.(?:js|css)", page)
        sizes = {
            a: len(client.get(a, headers={"Accept-Encoding": "identity"}).content) for a in assets
        }
        largest = max(sizes, key=lambda a: sizes[a])
        paths = ["/", largest]
        per: dict[tuple[str, str], list[float]] = {(p, e): [] for p in paths for e in ENCODINGS}
        sent: dict[tuple[str, str], tuple[int, str]] = {}
        for key in per:  # warm up: first imports, page caches
            for _ in range(20):
                client.get(key[0], headers={"Accept-Encoding": key[1]})
        for i in range(rounds):
            for key in per if i % 2 == 0 else reversed(list(per)):
                headers = {"Accept-Encoding": key[1]}
                before = cpu_seconds(pid)
                for _ in range(count):
                    answer = client.get(key[0], headers=headers)
                per[key].append((cpu_seconds(pid) - before) / count * 1e6)
                sent[key] = (
                    int(answer.headers.get("content-length", 0)),
                    answer.headers.get("content-encoding", "identity"),
                )
    load_after = os.getloadavg()[0]
    print(
        f"serve compress: {datetime.now(timezone.utc):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {rounds} rounds of "
        f"{count} sequential requests per path and coding, load average {load_before:.1f} "
        f"before and {load_after:.1f} after"
    )
    print(f"{'path':<30}{'Accept-Encoding':>17}{'bytes sent':>24}{'server CPU us/req':>26}")
    for (path, encoding), values in per.items():
        size, coding = sent[(path, encoding)]
        raw = sizes.get(path)
        label = f"{size} {coding}" + (f" of {raw}" if raw else "")
        print(f"{path:<30}{encoding!r:>17}{label:>24}{spread(values, 1):>26}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
