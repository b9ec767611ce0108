"""The IAM set-up for a scan across accounts: caller policy, member-role policy, trust policy.

The caller (the account the scan runs from) may assume the member role and,
for ``--organization``, list the organization's accounts. The member role
allows only the read-only quota and SageMaker actions that preflight needs
(from the matrix, as :func:`compat.aws.iam.iam_policy`), plus reading the
account alias (optional: without it the alias column stays empty). Its trust
policy lets the caller's account assume it with the external id.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from compat.errors import UsageError

if TYPE_CHECKING:
    from compat.matrix import Matrix

DEFAULT_ROLE_NAME = "SmddpCompatScan"
CALLER_PLACEHOLDER = "CALLER_ACCOUNT_ID"
EXTERNAL_ID_PLACEHOLDER = "EXTERNAL_ID"


def scan_policies(
    *,
    role_name: str = DEFAULT_ROLE_NAME,
    caller_account: str | None = None,
    external_id: str | None = None,
    matrix: Matrix | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """Three policy documents: ``caller_policy``, ``member_role_policy``, ``trust_policy``.

    Without ``caller_account`` or ``external_id`` the trust policy carries the
    placeholders ``CALLER_ACCOUNT_ID`` and ``EXTERNAL_ID`` to replace. ARNs
    are in ``partition`` (aws, aws-cn, aws-us-gov): the scan's.
    """
    from compat.aws.accounts import HOME_REGIONS, check_external_id
    from compat.aws.iam import iam_policy

    if partition not in HOME_REGIONS:
        raise UsageError(
            f"--partition: {partition!r} is not an AWS partition",
            hint="one of " + ", ".join(HOME_REGIONS),
        )
    if external_id is not None:
        check_external_id(external_id)

    if not re.match(r"^[\w+=,.@/-]{1,512}$", role_name):
        raise UsageError(f"--role-name: {role_name!r} is not a role name")
    if caller_account is not None and not re.match(r"^\d{12}$", caller_account):
        raise UsageError(
            f"--caller-account: {caller_account!r} is not an AWS account id",
            hint="12 digits: the account the scan runs from",
        )
    member = iam_policy(matrix=matrix)
    member["Statement"].append(
        {
            "Sid": "SmddpCompatScanAlias",
            "Effect": "Allow",
            "Action": ["iam:ListAccountAliases"],
            "Resource": "*",
        }
    )
    member["Statement"].append(
        {
            # Which regions the account enabled: opt-in regions it did not are skipped.
            "Sid": "SmddpCompatScanRegions",
            "Effect": "Allow",
            "Action": ["account:ListRegions", "ec2:DescribeRegions"],
            "Resource": "*",
        }
    )
    caller: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SmddpCompatScanAssume",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": f"arn:{partition}:iam::*:role/{role_name.strip('/')}",
            },
            {
                "Sid": "SmddpCompatScanOrganization",
                "Effect": "Allow",
                "Action": ["organizations:ListAccounts"],
                "Resource": "*",
            },
        ],
    }
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SmddpCompatScanTrust",
                "Effect": "Allow",
                "Principal": {
                    "AWS": f"arn:{partition}:iam::{caller_account or CALLER_PLACEHOLDER}:root"
                },
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"sts:ExternalId": external_id or EXTERNAL_ID_PLACEHOLDER}
                },
            }
        ],
    }
    return {
        "role_name": role_name,
        "partition": partition,
        "caller_policy": caller,
        "member_role_policy": member,
        "trust_policy": trust,
    }
