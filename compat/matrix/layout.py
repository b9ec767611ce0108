"""The compiled matrix layout: its version, its shape for the type checker, shared readings.

The compiler turns a validated document into plain dicts and lists (so that
:mod:`marshal` can cache it and the hot path needs neither pydantic nor
packaging); :class:`~compat.matrix.store.Matrix` and everything that reads
``matrix.compiled`` index into them by key. The TypedDicts below describe
every key, so ``mypy --strict`` checks each access against what the compiler
writes. They exist only for the type checker: the hot path imports this
module for :data:`COMPILED_FORMAT` and must not pay for :mod:`typing`, so
import them under the same guard::

    TYPE_CHECKING = False
    if TYPE_CHECKING:
        from compat.matrix.layout import CompiledRelease
"""

from __future__ import annotations

#: Bump when the compiled layout changes; older cache files are then ignored.
COMPILED_FORMAT = 5

#: The ``instance_support`` statuses (``schema.SupportStatus``) under which
#: smddp runs on an instance type: ``limited`` runs, with a note.
RUNNABLE = ("supported", "limited")


def runnable_instance_types(release: CompiledRelease) -> list[str]:
    """The instance types smddp runs on for a compiled release, in matrix order."""
    return [name for name, support in release["instance_support"].items() if support[0] in RUNNABLE]


# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypedDict

    from typing_extensions import NotRequired

    #: Per instance type, for one smddp version: ``[status, note, alternative]``,
    #: where status is a :class:`~compat.matrix.schema.SupportStatus` value (never None).
    InstanceSupport = list[str | None]

    class CompiledSource(TypedDict):
        """An entry of the file's ``sources`` table."""

        title: str
        url: str | None

    class CompiledRegion(TypedDict):
        """A region: its partition, the DLC account and the partition's DNS suffix."""

        partition: str
        account: str
        dns_suffix: str
        #: The friendly name ("US West (Oregon)"), or None where the matrix gives none.
        display_name: str | None

    class NamedRegion(CompiledRegion):
        """A region as :meth:`Matrix.region <compat.matrix.store.Matrix.region>` returns it."""

        name: str

    class CompiledSmp(TypedDict):
        """The SageMaker model parallelism (SMP) image registry."""

        account: str
        repository: str
        regions: list[str]

    class CompiledSupport(TypedDict):
        """One entry of an instance type's support history."""

        smddp: str  # a PEP 440 specifier
        status: str  # a SupportStatus value
        note: str | None
        alternative: str | None
        sources: list[str]

    class CompiledInstanceType(TypedDict):
        gpus: int
        gpu: str
        efa: bool
        note: str | None
        support: list[CompiledSupport]

    class CompiledAccountQuota(TypedDict):
        """An account-wide quota (``quotas.account_wide``), as JSON."""

        name: str
        code: str
        spot: bool
        sources: list[str]
        confidence: str

    class CompiledQuotaCode(TypedDict):
        """A per-instance-type quota (``quotas.known_codes``), as JSON."""

        name: str
        code: str | None
        sources: list[str]
        confidence: str
        note: str | None

    class CompiledQuotas(TypedDict):
        """The ``quotas`` section, as its model dumps it to JSON."""

        service_code: str
        on_demand: str  # a name format with {instance_type}
        spot: str
        warm_pool: str
        account_wide: list[CompiledAccountQuota]
        known_codes: list[CompiledQuotaCode]
        iam_read: list[str]
        iam_optional: list[str]
        iam_request: list[str]
        notes: list[str]
        sources: list[str]
        confidence: str

    class CompiledNoSmddp(TypedDict):
        """Framework versions without an smddp build."""

        versions: str  # a PEP 440 specifier
        note: str
        sources: list[str]

    class CompiledDistribution(TypedDict):
        """How to train without smddp: the estimator's ``distribution`` value, and when."""

        name: str  # such as torch_distributed
        distribution: dict[str, dict[str, bool]]
        versions: str | None  # a PEP 440 specifier; None: inherited, not checkable here
        note: str
        sources: list[str]

    class CompiledFramework(TypedDict):
        display_name: str
        aliases: list[str]
        runs_on: str | None
        repository: str | None
        notes: list[str]
        requirements: list[str]
        no_smddp: list[CompiledNoSmddp]
        #: A version label AWS documents wrongly -> [right version, label as written].
        documented_versions: dict[str, list[str]]
        alternative_distribution: CompiledDistribution | None

    class CompiledErratum(TypedDict):
        """A value AWS documents differently; ``corrected`` is the value answers use."""

        field: str
        documented: str
        corrected: str | None
        note: str
        sources: list[str]

    class CompiledRelease(TypedDict):
        """One answerable release, with everything ``resolve`` needs worked out.

        Derived frameworks (Lightning, Hugging Face) carry the PyTorch row they
        run on, with ``base_framework`` and ``base_version`` naming it.
        """

        framework: str
        version: str  # canonical: str(Version)
        smddp: str
        python: str | None
        cuda: str | None
        os: str | None
        repository: str | None
        tag: str | None
        wheel_url: str | None
        wheel_partition: str | None  # the partition of the wheel's bucket
        smp_tag: str | None
        region_set: str | None  # None: published in every region
        availability_confidence: str | None
        base_framework: str | None
        base_version: str | None
        notes: list[str]
        errata: list[CompiledErratum]
        sources: list[str]
        confidence: str
        released: str | None  # ISO date
        requirements: list[str]
        instance_support: dict[str, InstanceSupport]
        #: Indexes of the releases with a DLC image, nearest first (empty where this one
        #: has an image). Set for every release by the compiler's last pass.
        nearest_images: NotRequired[list[int]]

    class CompiledSdk(TypedDict):
        """What the SageMaker Python SDK accepts (the ``sdk`` section), as exact strings."""

        read: str
        smdistributed: dict[str, list[str]]  # framework -> framework_version values
        torch_distributed: list[str]
        training_versions: dict[str, list[str]]  # framework -> image config versions + aliases
        known_absent: list[dict[str, str]]  # framework, version, reason

    class CompiledMatrix(TypedDict):
        """The whole compiled matrix, as cached and as ``Matrix.compiled`` holds it."""

        format: int  # COMPILED_FORMAT
        sha256: str  # of the matrix file's bytes
        sources: dict[str, CompiledSource]
        regions: dict[str, CompiledRegion]
        region_sets: dict[str, list[str]]
        smp: CompiledSmp
        instance_types: dict[str, CompiledInstanceType]
        quotas: CompiledQuotas
        frameworks: dict[str, CompiledFramework]
        aliases: dict[str, str]  # lower-case name or alias -> framework
        releases: dict[str, list[CompiledRelease]]  # per framework, in file order
        version_index: dict[str, dict[str, int]]  # framework -> canonical version -> index
        order: dict[str, list[int]]  # framework -> release indexes, newest first
        sdk: CompiledSdk | None
