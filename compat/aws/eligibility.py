"""Is an instance type eligible for a release's smddp version? Read from the matrix.

The compiled release carries ``instance_support``: per instance type,
[status, note, alternative] for its smddp version. supported and limited
pass (limited with its note); deprecated and unsupported fail with the
alternative. Names without ``ml.`` get a hint, any ``ml.p5*`` type is refused
like ml.p5.48xlarge, and other types are refused with the supported list.
"""

from __future__ import annotations

from typing import Any

from compat.aws.report import Check, CheckStatus
from compat.exit_codes import ExitCode
from compat.matrix.layout import RUNNABLE, runnable_instance_types

NAME = "eligibility"


def _refuse(message: str, remedy: str | None) -> Check:
    return Check(NAME, CheckStatus.FAIL, message, remedy, exit_code=ExitCode.NOT_ELIGIBLE)


def check_eligibility(release: dict[str, Any], instance_type: str, instance_count: int) -> Check:
    """The eligibility check of ``instance_count`` x ``instance_type`` for ``release``."""
    support: dict[str, list[Any]] = release["instance_support"]
    smddp = release["smddp"]
    supported = runnable_instance_types(release)
    listed = ", ".join(supported) or "none"
    name = instance_type.strip()
    if name not in support:
        with_prefix = "ml." + name
        if not name.startswith("ml.") and with_prefix in support:
            return _refuse(
                f"{name!r} is not a SageMaker instance type name",
                f"SageMaker names start with 'ml.': use --instance-type {with_prefix}",
            )
        p5 = next((n for n in support if n.startswith("ml.p5")), None)
        if p5 is not None and name.startswith("ml.p5"):
            status, note, alternative = support[p5]
            return _refuse(
                f"{name} is not supported by smddp {smddp}: {note or status}",
                alternative or f"use one of: {listed}",
            )
        return _refuse(
            f"{name} is not an instance type that smddp {smddp} supports",
            f"use one of: {listed}",
        )
    status, note, alternative = support[name]
    if status not in RUNNABLE:
        return _refuse(
            f"{name} is {status} for smddp {smddp}" + (f": {note}" if note else ""),
            alternative or f"use one of: {listed}",
        )
    message = f"{name} is {status} for smddp {smddp}"
    remarks: list[str] = []
    if status == "limited" and note:
        remarks.append(note)
    if alternative and status == "limited":
        remarks.append(alternative)
    if instance_count == 1:
        remarks.append(
            "one instance: smddp pays off across nodes; on a single node plain "
            "PyTorch DDP (NCCL) performs about as well"
        )
    return Check(NAME, CheckStatus.PASS, message, " ".join(remarks) or None)
