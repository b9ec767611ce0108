"""explain: ResourceLimitExceeded messages in their variants, and text it cannot read."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compat
from compat.errors import NotFoundError

from ..conftest import SEED_PAGE, Invoke, needs_shared
from .conftest import CLASSIC_WRAPPED, NEWER_ENDING

# message, expected fields (a subset of to_dict())
CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "classic text from AWS's page",
        CLASSIC_WRAPPED,
        {
            "quota_name": "ml.p3dn.24xlarge for training job usage",
            "quota_kind": "instance",
            "instance_type": "ml.p3dn.24xlarge",
            "spot": False,
            "region": None,
            "limit": 0,
            "usage": 0,
            "request_delta": 1,
            "needed": 1,
            "shortfall": 1,
            "desired_value": 1,
            "operation": "CreateTrainingJob",
            "wording": "classic",
            "advice": "aws-support",
            "command": "smddp-compat quota request --instance-type ml.p3dn.24xlarge "
            "--region REGION --desired 1",
        },
    ),
    (
        "newer ending that points to Service Quotas",
        NEWER_ENDING,
        {
            "quota_code": "L-09B4A649",
            "limit": 2,
            "usage": 1,
            "request_delta": 4,
            "needed": 5,
            "shortfall": 3,
            "desired_value": 5,
            "advice": "service-quotas",
        },
    ),
    (
        "spot quota",
        "The account-level service limit 'ml.p4d.24xlarge for spot training job usage' is 4 "
        "Instances, with current utilization of 4 Instances and a request delta of 2 Instances.",
        {
            "quota_kind": "spot-instance",
            "spot": True,
            "quota_code": "L-09D56C4F",
            "desired_value": 6,
            "command": "smddp-compat quota request --instance-type ml.p4d.24xlarge "
            "--region REGION --desired 6 --spot",
        },
    ),
    (
        "warm pool quota",
        "The account-level service limit 'ml.p4d.24xlarge for training warm pool usage' is 0 "
        "Instances, with current utilization of 0 Instances and a request delta of 2 Instances.",
        {
            "quota_kind": "warm-pool",
            "quota_code": "L-A8827666",
            "desired_value": 2,
            "command": "smddp-compat quota request --quota-name "
            "'ml.p4d.24xlarge for training warm pool usage' --region REGION --desired 2",
        },
    ),
    (
        "account-wide total",
        "The account-level service limit 'Number of instances across all training jobs' is 4 "
        "Instances, with current utilization of 4 Instances and a request delta of 8 Instances.",
        {
            "quota_kind": "total",
            "quota_code": "L-00C91CB5",
            "instance_type": None,
            "needed": 12,
            "desired_value": 12,
        },
    ),
    (
        "account-wide per-job maximum: the delta alone is needed",
        "The account-level service limit 'Maximum number of instances per training job' is 4 "
        "Instances, with current utilization of 0 Instances and a request delta of 8 Instances.",
        {"quota_kind": "per-job", "quota_code": "L-622CFD70", "needed": 8, "desired_value": 8},
    ),
    (
        "account-wide spot total",
        "The account-level service limit 'Number of instances across all spot training jobs' "
        "is 2 Instances, with current utilization of 1 Instances and a request delta of 2 "
        "Instances.",
        {"quota_kind": "total", "spot": True, "quota_code": "L-93958082", "desired_value": 3},
    ),
    (
        "usage already above the limit",
        "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 2 "
        "Instances, with current utilization of 4 Instances and a request delta of 1 Instances.",
        {"limit": 2, "usage": 4, "needed": 5, "shortfall": 3, "desired_value": 5},
    ),
    (
        "older wording naming training-job/{instance_type}",
        "ResourceLimitExceeded: An error occurred (ResourceLimitExceeded) when calling the "
        "CreateTrainingJob operation: The account-level service limit "
        "'training-job/ml.p3.16xlarge' is 1 Instances, with current utilization of 1 Instances "
        "and a request delta of 1 Instances. Please contact AWS support to request an increase "
        "for this limit.",
        {
            "quota_name": "ml.p3.16xlarge for training job usage",
            "quota_kind": "instance",
            "instance_type": "ml.p3.16xlarge",
            "wording": "resource",
            "desired_value": 2,
        },
    ),
    (
        "embedded in a botocore error line with the region from the endpoint",
        "botocore.exceptions.ClientError: An error occurred (ResourceLimitExceeded) when calling "
        "the CreateTrainingJob operation (reached max retries: 0) on "
        "https://api.sagemaker.eu-west-1.amazonaws.com: The account-level service limit "
        "'ml.p4de.24xlarge for training job usage' is 0 Instances, with current utilization of "
        "0 Instances and a request delta of 2 Instances.",
        {
            "region": "eu-west-1",
            "instance_type": "ml.p4de.24xlarge",
            "command": "smddp-compat quota request --instance-type ml.p4de.24xlarge "
            "--region eu-west-1 --desired 2",
        },
    ),
    (
        "a log excerpt with an ARN and other lines around it",
        "2026-01-01 10:00:00 INFO Creating training-job with name: run-1\n"
        "2026-01-01 10:00:01 INFO role arn:aws:iam::123456789012:role/SageMaker\n"
        "2026-01-01 10:00:01 INFO output s3://bucket/run-1 in us-east-2\n"
        "Traceback (most recent call last):\n"
        '  File "train.py", line 12, in <module>\n'
        "sagemaker.exceptions.UnexpectedStatusException: ResourceLimitExceeded: The "
        "account-level service limit 'ml.p4d.24xlarge for training job usage' is 1 Instance, "
        "with current utilization of 0 Instances and a request delta of 2 Instances.\n",
        {"region": "us-east-2", "limit": 1, "usage": 0, "request_delta": 2, "desired_value": 2},
    ),
    (
        "curly quotes and no usage or delta",
        "The account-level service limit \u2018ml.p4d.24xlarge for training job usage\u2019 is 0 "
        "Instances.",
        {
            "usage": None,
            "request_delta": None,
            "needed": None,
            "desired_value": None,
            "command": "smddp-compat quota request --instance-type ml.p4d.24xlarge "
            "--region REGION --desired N",
        },
    ),
    (
        "fractional values",
        "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 2.5 "
        "Instances, with current utilization of 1.0 Instances and a request delta of 2 Instances.",
        {"limit": 2.5, "usage": 1, "needed": 3, "shortfall": 0.5, "desired_value": 3},
    ),
]


@pytest.mark.parametrize(("message", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_explain_variants(message: str, expected: dict[str, Any]) -> None:
    data = compat.explain(message).to_dict()
    assert {k: data[k] for k in expected} == expected


def test_region_argument_overrides_the_text() -> None:
    assert compat.explain(CLASSIC_WRAPPED, region="ap-south-1").command.endswith(
        "--region ap-south-1 --desired 1"
    )


def test_seed_page_example_is_explained() -> None:
    needs_shared(SEED_PAGE)
    found = compat.explain(SEED_PAGE.read_text(encoding="utf-8"))
    assert (found.quota_name, found.limit, found.usage, found.request_delta) == (
        "ml.p3dn.24xlarge for training job usage",
        0,
        0,
        1,
    )


def test_text_output() -> None:
    assert compat.explain(NEWER_ENDING).to_text() == (
        "quota          ml.p4d.24xlarge for training job usage (L-09B4A649)\n"
        "kind           instance\n"
        "region         not in the message: pass --region\n"
        "limit          2\n"
        "current usage  1\n"
        "request delta  4\n"
        "needed         5\n"
        "short by       3\n"
        "ask for        5\n"
        "command        smddp-compat quota request --instance-type ml.p4d.24xlarge "
        "--region REGION --desired 5"
    )


@pytest.mark.parametrize(
    "text",
    [
        "ResourceLimitExceeded",
        "An error occurred (AccessDeniedException) when calling the CreateTrainingJob operation",
        "The account-level service limit 'x' is many Instances",
        "The account-level service limit 'ml.p4d.24xlarge for training job usage' is "
        + "9" * 40
        + " Instances",
    ],
)
def test_unreadable_text_is_not_found(text: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        compat.explain(text)
    assert caught.value.exit_code == 3
    assert caught.value.hint is not None
    assert "service limit" in caught.value.hint


_FRAGMENTS = st.sampled_from(
    [
        "The account-level service limit '",
        "ml.p4d.24xlarge for training job usage",
        "training-job/ml.p3.16xlarge",
        "' is ",
        " Instances",
        ", with current utilization of ",
        " and a request delta of ",
        "us-west-2",
        "'",
        "\u2019",
        ".",
        "1e308",
        "99999999999999",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), _FRAGMENTS, st.integers(0, 10**6).map(str))))
def test_arbitrary_text_never_crashes(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        found = compat.explain(text)
    except NotFoundError:
        return
    except compat.UsageError:
        assert not text.strip()  # only nothing at all is a usage problem
        return
    data = found.to_dict()
    assert data["limit"] >= 0
    assert data["shortfall"] is None or data["shortfall"] >= 0
    assert found.command.startswith("smddp-compat quota request ")
    assert found.to_text()


# -- every wording AWS has used since 2017 (issue 11) ---------------------------------------
WORDINGS = [
    (
        "2017: the resource name without quotes, after 'for'",
        "An error occurred (ResourceLimitExceeded) when calling the CreateTrainingJob operation: "
        "The account-level service limit for training-job/ml.p2.xlarge is 0 Instances, with "
        "current utilization of 0 Instances and a request delta of 2 Instances. Please contact "
        "AWS support to request an increase for this limit.",
        {
            "instance_type": "ml.p2.xlarge",
            "limit": 0,
            "usage": 0,
            "request_delta": 2,
            "desired_value": 2,
            "wording": "resource",
        },
    ),
    (
        "the quota name without quotes",
        "The account-level service limit ml.p3.16xlarge for training job usage is 1 Instances, "
        "with current utilization of 1 Instances and a request delta of 2 Instances.",
        {
            "quota_name": "ml.p3.16xlarge for training job usage",
            "limit": 1,
            "usage": 1,
            "request_delta": 2,
            "desired_value": 3,
        },
    ),
    (
        "the quoted name after 'for'",
        "The account-level service limit for 'ml.p4d.24xlarge for spot training job usage' is "
        "2 Instances, with current utilization of 2 Instances and a request delta of 1 Instances.",
        {
            "quota_kind": "spot-instance",
            "limit": 2,
            "usage": 2,
            "request_delta": 1,
            "desired_value": 3,
        },
    ),
    (
        "request delta before current utilization",
        "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 4 "
        "Instances, with a request delta of 2 Instances and current utilization of 3 Instances.",
        {
            "limit": 4,
            "usage": 3,
            "request_delta": 2,
            "needed": 5,
            "shortfall": 1,
            "desired_value": 5,
        },
    ),
    (
        "numbers without a unit",
        "The account-level service limit 'Number of instances across all training jobs' is 20, "
        "with current utilization of 19 and a request delta of 2.",
        {"quota_kind": "total", "limit": 20, "usage": 19, "request_delta": 2, "desired_value": 21},
    ),
    (
        "a unit other than Instances",
        "The account-level service limit 'Number of concurrent hyperparameter tuning jobs' is "
        "100 Hyperparameter tuning jobs, with current utilization of 100 Hyperparameter tuning "
        "jobs and a request delta of 1 Hyperparameter tuning jobs.",
        {
            "quota_kind": "other",
            "limit": 100,
            "usage": 100,
            "request_delta": 1,
            "desired_value": 101,
        },
    ),
    (
        "quotes escaped in a JSON log line",
        '{"error": "An error occurred (ResourceLimitExceeded) when calling the CreateTrainingJob '
        "operation: The account-level service limit \\'ml.g5.48xlarge for training job usage\\' "
        "is 0 Instances, with current utilization of 0 Instances and a request delta of 1 "
        'Instances."}',
        {"instance_type": "ml.g5.48xlarge", "limit": 0, "desired_value": 1},
    ),
    (
        "quotes as HTML entities in a web console copy",
        "The account-level service limit &#39;ml.p3.2xlarge for training job usage&#39; is 0 "
        "Instances, with current utilization of 0 Instances and a request delta of 1 Instances.",
        {"instance_type": "ml.p3.2xlarge", "limit": 0, "desired_value": 1},
    ),
]


@pytest.mark.parametrize(("label", "message", "expected"), WORDINGS, ids=[w[0] for w in WORDINGS])
def test_every_wording_since_2017_is_read(
    label: str, message: str, expected: dict[str, Any]
) -> None:
    data = compat.explain(message).to_dict()
    assert {k: data[k] for k in expected} == expected


def test_a_genuine_resource_limit_error_is_never_no_message_found() -> None:
    text = (
        "An error occurred (ResourceLimitExceeded) when calling the CreateTrainingJob operation: "
        "You have exceeded the limit for this resource in a way this tool has not seen."
    )
    with pytest.raises(NotFoundError) as caught:
        compat.explain(text)
    assert "no ResourceLimitExceeded quota message found" not in caught.value.message
    assert "ResourceLimitExceeded" in caught.value.message
    assert "quota show" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "message",
    [
        "The account-level service limit for training-job/ml.p3.16xlarge. Current limit is 0 "
        "Instances, with current utilization of 0 Instances and a request delta of 1 Instances.",
        "The account-level service limit 'training-job/ml.p3.16xlarge. Current limit' is 0 "
        "Instances, with current utilization of 0 Instances and a request delta of 1 Instances.",
    ],
)
def test_junk_after_a_quota_name_is_not_read_as_part_of_it(message: str, run_cli: Invoke) -> None:
    """No quota is called "training-job/ml.p3.16xlarge. Current limit": refuse, do not guess."""
    with pytest.raises(compat.NotFoundError, match="names no quota and limit"):
        compat.explain(message)
    import json

    result = run_cli("explain", message, "--format", "json")
    assert result.exit_code == 3
    answer = json.loads(result.stdout)
    assert answer["error"] == "not-found"
    assert "quota_name" not in answer
