"""Calls and wall time of one single-account preflight, cold and warm, at 0, 50 and 200 ms.

A moto server (ThreadedMotoServer) on 127.0.0.1 plays SageMaker and Service
Quotas, with as many SageMaker quotas in the listing as a real account has
(about 1,600: 16 pages of 100) and three running training jobs. In front of it
a small proxy, also on 127.0.0.1, counts every API call by its X-Amz-Target
and waits the simulated latency before forwarding it. Each preflight is
``compat.preflight`` for 4 x ml.p4d.24xlarge (codes in the matrix) and for
4 x ml.p3dn.24xlarge (no code in the matrix: learned from the listing once).

* cold: an empty cache directory and no in-memory caches (a first run);
* warm: the cache directory of the run before, no in-memory caches (the next
  CI job: a new process on a runner that keeps ~/.cache).

Clients are created for every preflight, from one boto3 session (its loader
keeps the parsed service models), so the wall time is the calls' cost, not
botocore's model loading. "floor" is calls x latency: what the calls cost
one after another at that latency, whatever the CPU.

    python benchmarks/preflight_calls.py [--runs 3] [--latency 0,50,200]

Loopback only; no real AWS. Needs the test extras (moto[server]).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import logging
import os
import socket
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import boto3
from moto.sagemaker.models import sagemaker_backends
from moto.server import ThreadedMotoServer
from moto.servicequotas.responses import ServiceQuotasResponse

import compat
from compat.aws.clients import SessionClients

ACCOUNT = "123456789012"
REGION = "us-west-2"
#: name -> (code, value); the rest of the listing is filler, as SageMaker lists ~1,600.
QUOTAS = {
    "ml.p4d.24xlarge for training job usage": ("L-09B4A649", 16.0),
    "ml.p3dn.24xlarge for training job usage": ("L-3C3A3B3C", 16.0),
    "Number of instances across all training jobs": ("L-00C91CB5", 40.0),
    "Maximum number of instances per training job": ("L-622CFD70", 20.0),
}
FILLER = 1600
PAGE = 100


def _rows() -> list[dict[str, Any]]:
    rows = [
        {"ServiceCode": "sagemaker", "QuotaCode": f"L-F{i:07d}", "QuotaName": f"filler {i}"}
        | {"Value": 1.0}
        for i in range(FILLER)
    ]
    for name, (code, value) in QUOTAS.items():
        rows.insert(
            len(rows) // 2,
            {"ServiceCode": "sagemaker", "QuotaCode": code} | {"QuotaName": name, "Value": value},
        )
    return rows


ROWS = _rows()
BY_CODE = {r["QuotaCode"]: r for r in ROWS}


def _error(code: str) -> tuple[int, dict[str, Any], str]:
    headers = {"status": 400, "Content-Type": "application/x-amz-json-1.1"}
    return 400, headers, json.dumps({"__type": code, "message": code})


def _list(self: Any) -> str:
    start = int(json.loads(self.body).get("NextToken") or 0)
    body: dict[str, Any] = {"Quotas": ROWS[start : start + PAGE]}
    if start + PAGE < len(ROWS):
        body["NextToken"] = str(start + PAGE)
    return json.dumps(body)


def _get(self: Any) -> Any:
    row = BY_CODE.get(json.loads(self.body)["QuotaCode"])
    # The per-job quota was never applied: GetServiceQuota has nothing, the default answers.
    if row is None or row["QuotaCode"] == "L-622CFD70":
        return _error("NoSuchResourceException")
    return json.dumps({"Quota": row})


def _get_default(self: Any) -> Any:
    row = BY_CODE.get(json.loads(self.body)["QuotaCode"])
    return _error("NoSuchResourceException") if row is None else json.dumps({"Quota": row})


class Proxy(ThreadingHTTPServer):
    """Counts each call by operation and waits ``latency`` seconds before forwarding it."""

    daemon_threads = True

    def __init__(self, upstream: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.latency = 0.0
        self.calls: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = (self.headers.get("X-Amz-Target") or "?").rsplit(".", 1)[-1]
        with self.server.lock:
            self.server.calls[operation] += 1
        time.sleep(self.server.latency)
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        upstream.request("POST", self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    def log_message(self, *args: Any) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _new_process() -> None:
    """Forget the in-memory caches, as a new process starts without them."""
    from compat.aws import quotas

    quotas.clear_cache()
    for module, name in (
        ("compat.aws.quota_codes", "forget_books"),
        ("compat.aws.job_cache", "forget_job_caches"),
    ):
        with contextlib.suppress(ImportError, AttributeError):  # an older one has none
            getattr(__import__(module, fromlist=[name]), name)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", default="0,50,200", help="ms per call, comma-separated")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ServiceQuotasResponse.list_aws_default_service_quotas = _list  # type: ignore[method-assign]
    ServiceQuotasResponse.get_service_quota = _get  # type: ignore[method-assign]
    ServiceQuotasResponse.get_aws_default_service_quota = _get_default  # type: ignore[attr-defined]
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    proxy = Proxy(port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    os.environ["AWS_ENDPOINT_URL"] = url
    print(
        f"smddp-compat {compat.__version__}; {len(ROWS)} SageMaker quotas listed "
        f"({-(-len(ROWS) // PAGE)} pages); 3 running jobs; proxy {url}"
    )
    try:
        sm = boto3.client("sagemaker", region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}")
        for i in range(3):
            sm.create_training_job(
                TrainingJobName=f"job-{i}",
                AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
                RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
                OutputDataConfig={"S3OutputPath": "s3://b/o"},
                ResourceConfig={
                    "InstanceType": "ml.p4d.24xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                },
                StoppingCondition={"MaxRuntimeInSeconds": 60},
            )
            sagemaker_backends[ACCOUNT][REGION].training_jobs[
                f"job-{i}"
            ].training_job_status = "InProgress"
        # Load (and compile) the matrix and the service models before anything is timed.
        compat.preflight("pt", "2.2.0", REGION, "ml.p4d.24xlarge", 4, no_aws=True)
        session = boto3.Session()
        for service in ("sagemaker", "service-quotas"):
            session.client(service, region_name=REGION)
        print(
            f"{'type':<18}{'latency':>8}  {'run':<5}{'calls':>6}{'median ms':>11}"
            f"{'floor ms':>10}  calls by operation"
        )
        for instance_type in ("ml.p4d.24xlarge", "ml.p3dn.24xlarge"):
            for latency_ms in (float(x) for x in args.latency.split(",")):
                proxy.latency = latency_ms / 1000
                for kind in ("cold", "warm"):
                    times: list[float] = []
                    for _ in range(args.runs):
                        with tempfile.TemporaryDirectory() as cache:
                            os.environ["SMDDP_COMPAT_CACHE_DIR"] = cache
                            clients = SessionClients(session)
                            _new_process()
                            if kind == "warm":
                                compat.preflight(
                                    "pt", "2.2.0", REGION, instance_type, 4, clients=clients
                                )
                                _new_process()
                                clients = SessionClients(session)
                            proxy.calls.clear()
                            t0 = time.perf_counter()
                            report = compat.preflight(
                                "pt", "2.2.0", REGION, instance_type, 4, clients=clients
                            )
                            times.append(time.perf_counter() - t0)
                            calls = dict(proxy.calls)
                    assert int(report.exit_code) == 0, report.to_text()
                    detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
                    print(
                        f"{instance_type:<18}{latency_ms:>6.0f}ms  {kind:<5}"
                        f"{sum(calls.values()):>6}"
                        f"{statistics.median(times) * 1000:>11.1f}"
                        f"{sum(calls.values()) * latency_ms:>10.0f}  {detail}"
                    )
    finally:
        proxy.shutdown()
        server.stop()


if __name__ == "__main__":
    main()
