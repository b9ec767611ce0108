"""The moto server of benchmarks/accounts_scan.py, in its own process.

Organizations with N accounts, STS, SageMaker with a running job in every
third account, and service-quotas handlers that give each account its own
quotas (from its id) plus ``filler`` other quotas in the listing. The Account
API's ``ListRegions`` (which moto lacks; AWS has it, and the scan asks it once
per account) answers that the scanned regions are enabled. Every call waits
``latency`` seconds. Prints the URL, serves until stdin closes.

    python benchmarks/accounts_server.py ACCOUNTS REGION,REGION LATENCY_S FILLER
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import time
from typing import Any

import boto3
from moto.core.responses import BaseResponse
from moto.sagemaker.models import sagemaker_backends
from moto.server import DomainDispatcherApplication, ThreadedMotoServer
from moto.servicequotas.responses import ServiceQuotasResponse

CODES = {
    "ml.p4d.24xlarge for training job usage": "L-09B4A649",
    "Number of instances across all training jobs": "L-00C91CB5",
    "Maximum number of instances per training job": "L-622CFD70",
}
FILLER = [0]
LATENCY = [0.0]
REGIONS: list[str] = []


def table(account: str) -> dict[str, float]:
    n = int(account)
    return {
        "ml.p4d.24xlarge for training job usage": float((n % 7) * 2),
        "Number of instances across all training jobs": float(8 + n % 13),
        "Maximum number of instances per training job": 20.0,
    }


def row(name: str, code: str, value: float) -> dict[str, Any]:
    return {"ServiceCode": "sagemaker", "QuotaCode": code, "QuotaName": name, "Value": value}


def listing(self: Any) -> str:
    params = json.loads(self.body)
    rows = [row(n, CODES[n], v) for n, v in table(self.current_account).items()]
    rows += [row(f"filler {i}", f"L-F{i:07d}", 1.0) for i in range(FILLER[0])]
    start = int(params.get("NextToken") or 0)
    body: dict[str, Any] = {"Quotas": rows[start : start + 100]}
    if start + 100 < len(rows):
        body["NextToken"] = str(start + 100)
    return json.dumps(body)


def get(self: Any) -> Any:
    code = json.loads(self.body)["QuotaCode"]
    for name, value in table(self.current_account).items():
        if CODES[name] == code:
            return json.dumps({"Quota": row(name, code, value)})
    error = {"__type": "NoSuchResourceException", "message": "no such quota"}
    return 400, {"status": 400}, json.dumps(error)


REAL_CALL = BaseResponse.call_action
REAL_DISPATCH = DomainDispatcherApplication.__call__


def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
    """The Account API's ListRegions (POST /listRegions): every scanned region is enabled."""
    if environ.get("PATH_INFO") != "/listRegions" or environ.get("REQUEST_METHOD") != "POST":
        return REAL_DISPATCH(self, environ, start_response)
    time.sleep(LATENCY[0])
    regions = [{"RegionName": r, "RegionOptStatus": "ENABLED"} for r in REGIONS]
    body = json.dumps({"Regions": regions}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])  # fmt: skip
    return [body]


def slow_call(self: Any) -> Any:
    time.sleep(LATENCY[0])
    return REAL_CALL(self)


def seed(url: str, accounts: int, region: str) -> None:
    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    for i in range(accounts - 1):
        org.create_account(Email=f"team{i}@example.com", AccountName=f"team{i}")
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=url)
    ids = [a["Id"] for a in org.list_accounts()["Accounts"]]
    for account in ids[::3]:
        arn = f"arn:aws:iam::{account}:role/seed"
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
        sm = boto3.client(
            "sagemaker",
            region_name=region,
            endpoint_url=url,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        sm.create_training_job(
            TrainingJobName="running",
            AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
            RoleArn=f"arn:aws:iam::{account}:role/r",
            OutputDataConfig={"S3OutputPath": "s3://b/o"},
            ResourceConfig={
                "InstanceType": "ml.p4d.24xlarge",
                "InstanceCount": 2,
                "VolumeSizeInGB": 30,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )
        job = sagemaker_backends[account][region].training_jobs["running"]
        job.training_job_status = "InProgress"


def main() -> None:
    accounts, regions = int(sys.argv[1]), sys.argv[2].split(",")
    LATENCY[0], FILLER[0] = float(sys.argv[3]), int(sys.argv[4])
    REGIONS[:] = regions
    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ServiceQuotasResponse.list_aws_default_service_quotas = listing  # type: ignore[method-assign]
    ServiceQuotasResponse.get_service_quota = get  # type: ignore[method-assign]
    ServiceQuotasResponse.get_aws_default_service_quota = get  # type: ignore[attr-defined]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    seed(url, accounts, regions[0])
    BaseResponse.call_action = slow_call  # type: ignore[method-assign]
    print(url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
