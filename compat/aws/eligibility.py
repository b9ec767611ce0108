"""Is an instance type eligible for a release's smddp version? Read from the matrix.

The compiled release carries ``instance_support``: per instance type,
[status, note, alternative] for its smddp version. supported and limited
pass (limited with its note); deprecated and unsupported fail with the
alternative. Names without ``ml.`` or not in lower case get a hint, any
``ml.p5*`` type is refused like ml.p5.48xlarge, and other types are refused
with the supported list.
"""

from __future__ import annotations

from compat.aws.report import Check, CheckStatus
from compat.exit_codes import ExitCode
from compat.matrix.layout import RUNNABLE, runnable_instance_types
from compat.results import Alternative

TYPE_CHECKING = False
if TYPE_CHECKING:
    from compat.matrix.layout import CompiledDistribution, CompiledRelease, InstanceSupport

NAME = "eligibility"


def instance_type_name(text: str) -> str:
    """The instance type a user typed, as AWS names it (``ML.P4D.24XLARGE`` -> ``ml.p4d.24xlarge``).

    Types are matched in any letter case on every face and command (preflight,
    quota show/scan/request, the account scan); AWS's quota names use lower case.
    Launch code is judged as written instead (``check``): SageMaker refuses upper case.
    """
    return text.strip().lower()


def _refuse(message: str, remedy: str | None, alternatives: tuple[Alternative, ...]) -> Check:
    return Check(
        NAME,
        CheckStatus.FAIL,
        message,
        remedy,
        exit_code=ExitCode.NOT_ELIGIBLE,
        alternatives=alternatives,
    )


def refusal_alternatives(
    release: CompiledRelease, instance_type: str, distribution: CompiledDistribution | None
) -> tuple[Alternative, ...]:
    """What to do instead of ``instance_type``: an instance type smddp supports for this
    release, or keeping the instance type and training with the framework's other
    distribution (torch_distributed for PyTorch), where the matrix names one."""
    from packaging.specifiers import SpecifierSet

    supported = runnable_instance_types(release)
    out: list[Alternative] = []
    if supported:
        out.append(
            Alternative(
                kind="instance-type",
                text=f"use {' or '.join(supported)}, which smddp {release['smddp']} supports",
                instance_types=tuple(supported),
            )
        )
    version = release["version"]
    if distribution is not None and (
        distribution["versions"] is None or version in SpecifierSet(distribution["versions"])
    ):
        out.append(
            Alternative(
                kind="distribution",
                text=f"keep {instance_type} and train without smddp, with "
                f"{distribution['name']}: distribution={distribution['distribution']!r}",
                framework=release["framework"],
                version=version,
                distribution=distribution["distribution"],
            )
        )
    return tuple(out)


def check_eligibility(
    release: CompiledRelease,
    instance_type: str,
    instance_count: int,
    *,
    distribution: CompiledDistribution | None = None,
) -> Check:
    """The eligibility check of ``instance_count`` x ``instance_type`` for ``release``.

    ``distribution`` is the framework's alternative distribution from the
    compiled matrix; a refusal offers it (and the supported instance types) as
    structured alternatives.
    """
    support: dict[str, InstanceSupport] = release["instance_support"]
    smddp = release["smddp"]
    supported = runnable_instance_types(release)
    listed = ", ".join(supported) or "none"
    name = instance_type.strip()
    if name not in support:
        if name.lower() in support:
            return _refuse(
                f"{name!r} is not a SageMaker instance type name",
                f"SageMaker names are lower case: did you mean {name.lower()}?",
                (),
            )
        with_prefix = "ml." + name
        if not name.startswith("ml.") and with_prefix in support:
            return _refuse(
                f"{name!r} is not a SageMaker instance type name",
                f"SageMaker names start with 'ml.': did you mean {with_prefix}?",
                (),
            )
        alternatives = refusal_alternatives(release, name, distribution)
        p5 = next((n for n in support if n.startswith("ml.p5")), None)
        if p5 is not None and name.startswith("ml.p5"):
            status, note, alternative = support[p5]
            return _refuse(
                f"{name} is not supported by smddp {smddp}: {note or status}",
                alternative or f"use one of: {listed}",
                alternatives,
            )
        return _refuse(
            f"{name} is not an instance type that smddp {smddp} supports",
            f"use one of: {listed}",
            alternatives,
        )
    status, note, alternative = support[name]
    if status not in RUNNABLE:
        return _refuse(
            f"{name} is {status} for smddp {smddp}" + (f": {note}" if note else ""),
            alternative or f"use one of: {listed}",
            refusal_alternatives(release, name, distribution),
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
