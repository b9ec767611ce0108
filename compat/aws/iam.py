"""The minimal IAM policy for preflight (and, optionally, for quota requests).

The actions come from the matrix (``quotas.iam_read`` and
``quotas.iam_request``), the same list the AccessDenied hints point to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compat.matrix import Matrix


def iam_policy(*, request: bool = False, matrix: Matrix | None = None) -> dict[str, Any]:
    """An IAM policy document allowing read-only preflight (and ``quota request``)."""
    from compat.arguments import require_flag
    from compat.matrix import matrix_or_default

    require_flag("request", request)
    matrix = matrix_or_default(matrix)
    quotas = matrix.compiled["quotas"]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "SmddpCompatPreflightRead",
            "Effect": "Allow",
            "Action": sorted(quotas["iam_read"]),
            "Resource": "*",
        }
    ]
    if request:
        statements.append(
            {
                "Sid": "SmddpCompatQuotaRequest",
                "Effect": "Allow",
                "Action": sorted(quotas["iam_request"]),
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
