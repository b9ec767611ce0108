"""Preflight against AWS: will a training job start, and if not, why and what to do.

``compat.preflight(...)`` returns a :class:`PreflightReport`; ``compat.explain``
reads a ResourceLimitExceeded message. boto3 and botocore are imported only
when an AWS check runs.

The package is callable (``compat.preflight(...)`` works whether the name is
bound to this package or to the function), because the function and the
package share the name.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from compat.preflight.explain import Explanation, explain
from compat.preflight.iam import iam_policy
from compat.preflight.report import Check, CheckStatus, PreflightReport
from compat.preflight.run import preflight

__all__ = [
    "Check",
    "CheckStatus",
    "Explanation",
    "PreflightReport",
    "explain",
    "iam_policy",
    "preflight",
]


class _CallablePackage(types.ModuleType):
    """This package, callable as :func:`preflight`."""

    def __call__(self, *args: Any, **kwargs: Any) -> PreflightReport:
        return preflight(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
