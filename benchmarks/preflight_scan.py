"""Preflight and quota scan against moto's server on 127.0.0.1, with simulated latency.

Starts ThreadedMotoServer on a free loopback port, injects SageMaker quotas
into its service-quotas backend for every commercial region of the matrix,
seeds a few training jobs, and adds ``--latency`` ms to every AWS call (as a
real endpoint would have). Prints: one preflight with a cold and a warm quota
code cache, the calls each makes, and a scan of all regions with 1 worker and
with the default bounded pool.

    python benchmarks/preflight_scan.py [--latency 40] [--runs 5]

Needs the test extras (moto[server]). Loopback only; no real AWS.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import time
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
from compat.aws.quotas import clear_cache
from compat.aws.scan import DEFAULT_WORKERS, default_regions, scan_regions

P4D = "ml.p4d.24xlarge"
QUOTAS = {
    "ml.p4d.24xlarge for training job usage": ("L-09B4A649", 8.0),
    "Number of instances across all training jobs": ("L-00C91CB5", 20.0),
    "Maximum number of instances per training job": ("L-622CFD70", 10.0),
}
FILLER = 60  # other quotas in the listing, as SageMaker has hundreds
CALLS: list[str] = []
LATENCY = [0.0]


def _quota(region: str, name: str, code: str, value: float) -> dict[str, Any]:
    return {"ServiceCode": "sagemaker", "QuotaCode": code, "QuotaName": name, "Value": value}


def _all(region: str) -> list[dict[str, Any]]:
    rows = [_quota(region, n, c, v) for n, (c, v) in QUOTAS.items()]
    rows += [_quota(region, f"filler quota {i}", f"L-{i:08X}", 1.0) for i in range(FILLER)]
    return rows


def _list(self: Any) -> str:
    CALLS.append("ListAWSDefaultServiceQuotas")
    time.sleep(LATENCY[0])
    params = json.loads(self.body)
    start = int(params.get("NextToken") or 0)
    rows = _all(self.region)
    body: dict[str, Any] = {"Quotas": rows[start : start + 100]}
    if start + 100 < len(rows):
        body["NextToken"] = str(start + 100)
    return json.dumps(body)


def _get(self: Any) -> str:
    CALLS.append("GetServiceQuota")
    time.sleep(LATENCY[0])
    code = json.loads(self.body)["QuotaCode"]
    row = next(r for r in _all(self.region) if r["QuotaCode"] == code)
    return json.dumps({"Quota": row})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=40.0, help="ms added to each call")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    LATENCY[0] = args.latency / 1000
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ServiceQuotasResponse.list_aws_default_service_quotas = _list  # type: ignore[method-assign]
    ServiceQuotasResponse.get_service_quota = _get  # type: ignore[method-assign]
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        sm = boto3.client("sagemaker", region_name="us-west-2", endpoint_url=url)
        for i in range(3):
            sm.create_training_job(
                TrainingJobName=f"job-{i}",
                AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
                RoleArn="arn:aws:iam::123456789012:role/r",
                OutputDataConfig={"S3OutputPath": "s3://b/o"},
                ResourceConfig={"InstanceType": P4D, "InstanceCount": 1, "VolumeSizeInGB": 30},
                StoppingCondition={"MaxRuntimeInSeconds": 60},
            )
            sagemaker_backends["123456789012"]["us-west-2"].training_jobs[
                f"job-{i}"
            ].training_job_status = "InProgress"
        matrix = compat.load_matrix()
        clients = SessionClients(boto3.Session())
        cold: list[float] = []
        warm: list[float] = []
        for _ in range(args.runs):
            clear_cache()
            CALLS.clear()
            t0 = time.perf_counter()
            report = compat.preflight("pt", "2.2.0", "us-west-2", P4D, 4, clients=clients)
            cold.append(time.perf_counter() - t0)
            cold_calls = len(CALLS)
            CALLS.clear()
            t0 = time.perf_counter()
            compat.preflight("pt", "2.2.0", "us-west-2", P4D, 4, clients=clients)
            warm.append(time.perf_counter() - t0)
            warm_calls = len(CALLS)
        assert report.exit_code == 0, report.to_text()
        regions = default_regions(matrix)
        timings = {}
        for workers in (1, DEFAULT_WORKERS):
            clear_cache()
            t0 = time.perf_counter()
            result = scan_regions(clients, matrix, regions, P4D, 4, workers=workers)
            timings[workers] = time.perf_counter() - t0
        fits = sum(r.verdict == "fits" for r in result.regions)
    finally:
        server.stop()
    print(f"simulated latency per service-quotas call: {args.latency:.0f} ms (moto, 127.0.0.1)")
    print(
        f"preflight, cold code cache: median {statistics.median(cold) * 1000:7.1f} ms, "
        f"{cold_calls} service-quotas calls"
    )
    print(
        f"preflight, warm code cache: median {statistics.median(warm) * 1000:7.1f} ms, "
        f"{warm_calls} service-quotas calls"
    )
    for workers, seconds in timings.items():
        print(f"scan of {len(regions)} regions, {workers} worker(s): {seconds:6.2f} s")
    print(f"regions that fit: {fits} of {len(regions)}")


if __name__ == "__main__":
    main()
