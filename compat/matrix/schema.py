"""The matrix file's schema, as pydantic models.

These models are the single definition of what ``data/matrix.yaml`` may hold:
``validate`` checks a file against them, ``schema`` prints their JSON Schema,
and the compiler (``compat.matrix.compiler``) turns a validated document into the
plain lookup tables that ``resolve`` reads. They are not on the hot path.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Annotated, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

#: Parsed versions by text: a matrix repeats its smddp versions many times over.
_PARSED: dict[str, Version] = {}


def _parse_version(value: Any) -> Version:
    if isinstance(value, Version):
        return value
    text = str(value).strip()
    known = _PARSED.get(text)
    if known is not None:
        return known
    try:
        version = Version(text)
    except InvalidVersion:
        raise ValueError(f"{text!r} is not a valid version") from None
    if len(_PARSED) > 65536:
        _PARSED.clear()
    _PARSED[text] = version
    return version


def _parse_specifier(value: Any) -> SpecifierSet:
    if isinstance(value, SpecifierSet):
        return value
    text = str(value).strip()
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(
            f"{text!r} is not a valid version specifier (for example '>=1.6.0,<2.1')"
        ) from None


VersionField = Annotated[
    Version,
    BeforeValidator(_parse_version),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "description": "A PEP 440 version, such as 1.13.1"}),
]
SpecifierField = Annotated[
    SpecifierSet,
    BeforeValidator(_parse_specifier),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "description": "A PEP 440 specifier, such as >=1.6,<2"}),
]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$", description="12-digit AWS account id")]
PythonVersion = Annotated[str, Field(pattern=r"^3\.[0-9]{1,2}$", description="Such as 3.9")]
CudaVersion = Annotated[str, Field(pattern=r"^[0-9]{2}\.[0-9]$", description="Such as 11.7")]
OsName = Annotated[
    str, Field(pattern=r"^ubuntu[0-9]{2}\.[0-9]{2}$", description="Such as ubuntu20.04")
]
SourceIds = Annotated[
    list[str],
    Field(min_length=1, description="Keys of the top-level 'sources' table"),
]
RegionName = Annotated[str, Field(pattern=r"^[a-z]{2,4}(-[a-z]+)+-[0-9]$")]
Note = Annotated[str, Field(min_length=1)]

TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
Tag = Annotated[str, Field(pattern=TAG_RE.pattern, description="An ECR image tag")]


class Confidence(str, Enum):
    """How sure the matrix is of an entry."""

    DOCUMENTED = "documented"  # an AWS page or the SageMaker SDK states it
    SHIPPED = "shipped"  # read from the Deep Learning Containers build files
    INFERRED = "inferred"  # follows from documented facts; no source states it
    UNCONFIRMED = "unconfirmed"  # plausible, not confirmed by any source read


class SupportStatus(str, Enum):
    """What an smddp version makes of an instance type."""

    SUPPORTED = "supported"
    LIMITED = "limited"  # runs, with fewer optimized collectives
    DEPRECATED = "deprecated"  # the library refuses or no longer supports it
    UNSUPPORTED = "unsupported"


class Strict(BaseModel):
    """Base of every matrix model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        arbitrary_types_allowed=True,
        str_strip_whitespace=True,
    )


class Source(Strict):
    """A document the matrix cites; rows name it by its key in 'sources'."""

    title: str
    url: str | None = None
    note: str | None = None


class Partition(Strict):
    """An AWS partition (aws, aws-cn, aws-us-gov, ...) and the DNS suffix of its endpoints."""

    dns_suffix: Annotated[str, Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class Region(Strict):
    """A region: its partition and the ECR account that hosts the framework DLCs there."""

    #: The name people know it by ("US West (Oregon)"), shown beside the code on the page.
    display_name: Note | None = None
    partition: str
    dlc_account: AccountId
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED
    note: Note | None = None


class RegionSet(Strict):
    """A named set of regions: every region of the matrix, less some, or a list."""

    description: str
    all_except: list[RegionName] = []
    only: list[RegionName] | None = None


class SmpRegistry(Strict):
    """Where the SageMaker model parallelism (SMP) images are published."""

    account: AccountId
    repository: str
    regions: list[RegionName]
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class InstanceSupport(Strict):
    """What the smddp versions in 'smddp' make of an instance type."""

    smddp: SpecifierField
    status: SupportStatus
    note: Note | None = None
    alternative: Note | None = None
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class InstanceType(Strict):
    """A training instance type: its GPUs, EFA, and smddp support by version."""

    gpus: int = Field(gt=0)
    gpu: str
    efa: bool
    support: list[InstanceSupport] = Field(min_length=1)
    note: Note | None = None


class Erratum(Strict):
    """A value that AWS documents differently from what the matrix says, and why."""

    field: Annotated[str, Field(description="The row field that differs, such as 'wheel'")]
    documented: str
    sources: SourceIds
    note: Note


class AcceptedException(Strict):
    """A consistency check that a row fails on purpose, with the reason."""

    check: str
    note: Note


class Wheel(Strict):
    """An smddp wheel: its path, and a base URL where not the framework's wheel_base_url."""

    base_url: str | None = Field(
        default=None, description="Overrides the framework's wheel_base_url for this row"
    )
    path: str


class Availability(Strict):
    """The region set whose regions publish the DLCs of a range of framework versions."""

    versions: SpecifierField
    region_set: str
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class NoSmddp(Strict):
    """Framework versions for which no smddp build exists."""

    versions: SpecifierField
    note: Note
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class AlternativeDistribution(Strict):
    """How to train a version without smddp: the estimator's ``distribution`` value."""

    name: str = Field(description="Such as torch_distributed")
    distribution: dict[str, dict[str, bool]] = Field(
        description="The SDK v2 estimator's distribution argument, such as "
        "{torch_distributed: {enabled: true}}"
    )
    versions: SpecifierField = Field(description="Framework versions it applies to")
    note: Note
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class Framework(Strict):
    """A framework: its names, DLC repository, wheel base URL, availability and notes."""

    display_name: str
    aliases: list[str] = []
    repository: str | None = None
    wheel_base_url: str | None = None
    wheel_partition: str | None = Field(
        default=None,
        description="The AWS partition of the wheel bucket; resolve notes that a wheel may be "
        "unreachable from a region of another partition (China, GovCloud, ISO)",
    )
    runs_on: str | None = Field(
        default=None, description="The framework whose container this one runs in"
    )
    availability: list[Availability] = Field(
        default=[],
        description="Regions per version range of this framework. Needed by every framework "
        "with an image of its own (a repository), including one that runs on another "
        "framework, as Hugging Face does: its images are published in other regions than "
        "their base framework's",
    )
    no_smddp: list[NoSmddp] = []
    alternative_distribution: AlternativeDistribution | None = Field(
        default=None,
        description="What to train with where smddp is not available (a framework that runs "
        "in another's image without its own repository uses that framework's)",
    )
    notes: list[Note] = []
    requirements: list[str] = Field(
        default=[], description="Packages the container needs that it does not ship"
    )


class RowBase(Strict):
    """What every release row has: its smddp version, sources, notes, errata and exceptions."""

    smddp: VersionField
    sources: SourceIds
    confidence: Confidence
    released: date | None = Field(
        default=None, description="Release date of this smddp build, from its release notes"
    )
    notes: list[Note] = []
    errata: list[Erratum] = []
    exceptions: list[AcceptedException] = []


class FrameworkRelease(RowBase):
    """One PyTorch or TensorFlow release with its smddp build."""

    version: VersionField
    python: PythonVersion | None = None
    cuda: CudaVersion | None = None
    os: OsName | None = None
    tag: Tag | None = Field(default=None, description="DLC tag; null when no DLC carries it")
    repository: str | None = Field(default=None, description="Overrides the framework's")
    wheel: Wheel | None = None
    smp_tag: Tag | None = None


class LightningRelease(RowBase):
    """PyTorch Lightning versions that run on one PyTorch DLC."""

    versions: list[VersionField] = Field(min_length=1)
    pytorch: VersionField


class HuggingFaceRelease(RowBase):
    """One Hugging Face Transformers training image and the PyTorch DLC it is built on."""

    version: VersionField = Field(description="The transformers version")
    pytorch: VersionField
    python: PythonVersion
    cuda: CudaVersion
    os: OsName
    tag: Tag


class QuotaName(Strict):
    """An account-wide Service Quotas quota, by its exact name and code."""

    name: str
    code: Annotated[str, Field(pattern=r"^L-[0-9A-F]{8}$")]
    spot: bool = False
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class QuotaCode(Strict):
    """A per-instance-type quota, by its exact name, with its code where a source gives one.

    ``code`` None says no public source was found for it: the code is then
    learned from Service Quotas' listing on first use. Every code is
    confirmed by its exact ``QuotaName`` before its value is used, so an
    unconfirmed code costs at most one call, never a wrong answer.
    """

    name: str
    code: Annotated[str, Field(pattern=r"^L-[0-9A-F]{8}$")] | None = None
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED
    note: Note | None = None


class Quotas(Strict):
    """The SageMaker training quotas: name formats, account-wide quotas, IAM actions."""

    service_code: str
    on_demand: str = Field(description="Name format, with {instance_type}")
    spot: str
    warm_pool: str
    account_wide: list[QuotaName]
    known_codes: list[QuotaCode] = Field(
        default_factory=list,
        description="The on-demand, spot and warm-pool quota of every instance type, with codes",
    )
    iam_read: list[str]
    iam_optional: list[str] = []
    iam_request: list[str]
    notes: list[Note] = []
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


SdkVersionText = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+(\.[0-9]+)*$",
        description="A framework_version exactly as the SDK spells it (2.3 and 2.3.1 differ)",
    ),
]


class SdkAbsent(Strict):
    """A version the SDK names for smdistributed that has no matrix row, and why."""

    framework: str = Field(description="pytorch, tensorflow or pytorch-smp (an SMP image key)")
    version: VersionField
    reason: Note
    sources: SourceIds
    confidence: Confidence = Confidence.DOCUMENTED


class SdkVersions(Strict):
    """What the SageMaker Python SDK accepts, read from its files (never imported).

    ``--format sagemaker`` hands the SDK a framework_version without image_uri
    only where both lists below accept it; elsewhere it passes image_uri or refuses.
    """

    read: str = Field(description="The SDK releases these lists were read from")
    smdistributed: dict[str, list[SdkVersionText]] = Field(
        description="fw_utils.py SM_DATAPARALLEL_SUPPORTED_FRAMEWORK_VERSIONS, per framework"
    )
    torch_distributed: list[SdkVersionText] = Field(
        description="fw_utils.py TORCH_DISTRIBUTED_GPU_SUPPORTED_FRAMEWORK_VERSIONS"
    )
    training_versions: dict[str, list[SdkVersionText]] = Field(
        description="The training framework_version values of the SDK v2 image configs "
        "(image_uri_config/<framework>.json: versions and version_aliases), per framework"
    )
    known_absent: list[SdkAbsent] = Field(
        default=[],
        description="Versions in the SDK's smdistributed list (or SMP image keys) with no row",
    )
    notes: list[Note] = []
    sources: SourceIds


class MatrixDocument(Strict):
    """The whole of data/matrix.yaml."""

    schema_version: int = Field(ge=1, le=1)
    sources: dict[str, Source]
    partitions: dict[str, Partition]
    regions: dict[RegionName, Region]
    region_sets: dict[str, RegionSet]
    smp: SmpRegistry
    instance_types: dict[Annotated[str, Field(pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")], InstanceType]
    quotas: Quotas
    frameworks: dict[str, Framework]
    pytorch: list[FrameworkRelease]
    tensorflow: list[FrameworkRelease]
    pytorch_lightning: list[LightningRelease]
    huggingface: list[HuggingFaceRelease]
    sdk: SdkVersions | None = Field(
        default=None,
        description="What the SageMaker Python SDK accepts (fw_utils.py, image configs)",
    )
