"""Bugs found by the newcomer's review: the same question asked another way.

Each test asks what a user typed, through the face where the answer was wrong,
and checks it against the answer the other faces already gave.
"""

from __future__ import annotations

import json

import compat

from .conftest import Invoke

PREFLIGHT = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-r", "us-west-2"]


def test_preflight_matches_instance_types_in_any_case(run_cli: Invoke) -> None:
    # README: instance-type names are matched case-insensitively; resolve --format
    # sagemaker --instance-type ML.P4D.24XLARGE already accepts it.
    result = run_cli(*PREFLIGHT, "-t", "ML.P4D.24XLARGE", "-n", "2", "--no-aws", "--format", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["status"] == "partial"
    assert data["instance_type"] == "ml.p4d.24xlarge"
    eligibility = data["checks"][1]
    assert eligibility["status"] == "pass"
    assert eligibility["message"] == "ml.p4d.24xlarge is supported for smddp 2.2.0"
    # The quota asked for is AWS's exact name, in lower case.
    assert data["checks"][2]["quota_name"] == "ml.p4d.24xlarge for training job usage"


def test_library_preflight_matches_instance_types_in_any_case() -> None:
    report = compat.preflight("pytorch", "2.2.0", "us-west-2", "Ml.P4De.24xlarge", 2, no_aws=True)
    assert report.check("eligibility").status.value == "pass"
    assert report.instance_type == "ml.p4de.24xlarge"
