"""Preflight against AWS: will a training job start, and if not, why and what to do.

:func:`preflight` returns a :class:`PreflightReport`; :func:`explain` reads a
ResourceLimitExceeded message; :func:`iam_policy` gives the policy the checks
need. All are exported from ``compat`` itself. boto3 and botocore are
imported only when an AWS check runs.

The package is named ``aws``, not ``preflight``, so that importing it never
shadows the function ``compat.preflight``.
"""

from __future__ import annotations

from compat.aws.explain import Explanation, explain
from compat.aws.iam import iam_policy
from compat.aws.report import Check, CheckStatus, PreflightReport
from compat.aws.run import preflight

__all__ = [
    "Check",
    "CheckStatus",
    "Explanation",
    "PreflightReport",
    "explain",
    "iam_policy",
    "preflight",
]
