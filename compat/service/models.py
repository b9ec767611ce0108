"""Response models for the OpenAPI schema where the library's results are not plain dataclasses.

Resolutions and catalog entries are declared with the library's own frozen
dataclasses. The preflight report and the explanation carry computed fields
and enums, so they are mirrored here field for field; the service still
returns the library's ``to_dict()`` bytes, these only describe them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from compat.service.security import MAX_BODY_BYTES, MAX_PARAM_LENGTH

Verdict = Literal["pass", "fail", "skipped", "error"]
ReportVerdict = Literal["pass", "partial", "fail", "skipped", "error"]


class _Described(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class PreflightCheck(_Described):
    """One question a preflight answers."""

    name: str
    status: Verdict
    message: str
    remedy: str | None = None
    quota_name: str | None = None
    quota_code: str | None = None
    limit: float | None = None
    usage: float | None = None
    requested: float | None = None
    headroom: float | None = None
    exit_code: int
    alternatives: list[dict[str, Any]] = []


class PreflightReportModel(_Described):
    """Whether a training job would start: the same JSON as ``preflight --format json``."""

    status: ReportVerdict
    exit_code: int
    framework: str
    version: str
    framework_version: str | None
    smddp_version: str | None
    region: str
    instance_type: str
    instance_count: int
    spot: bool
    aws: bool
    require_aws: bool
    not_checked: list[str]
    checks: list[PreflightCheck]


class ExplanationModel(_Described):
    """A ResourceLimitExceeded message read: the same JSON as ``explain --format json``."""

    quota_name: str
    quota_kind: str
    quota_code: str | None
    instance_type: str | None
    spot: bool
    region: str | None
    limit: float
    usage: float | None
    request_delta: float | None
    needed: float | None
    shortfall: float | None
    desired_value: int | None
    operation: str | None
    wording: str
    advice: str | None
    command: str


class ExplainRequest(BaseModel):
    """POST /v1/explain as JSON; a text/plain body is the message itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: str = Field(min_length=1, max_length=MAX_BODY_BYTES)
    region: str | None = Field(default=None, min_length=1, max_length=100)


def _text(description: str, example: str) -> Any:
    return Field(
        default=None,
        min_length=1,
        max_length=MAX_PARAM_LENGTH,
        description=description,
        examples=[example],
    )


class ResolveQuery(BaseModel):
    """GET /v1/resolve's query parameters: their OpenAPI description.

    They are read by ``compat.service.query.resolve_query`` into the one
    :class:`compat.query.Query` (``compat.query.parse_query``): an unknown or
    repeated parameter is a 400 naming the closest known one; ``_`` (a
    cache-buster) is allowed and ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: str | None = _text(
        "pytorch (torch, pt), tensorflow (tf), pytorch-lightning, huggingface", "pytorch"
    )
    version: str | None = _text(
        "Exact (1.13.1), prefix (1.13), PEP 440 specifier (>=1.12,<2) or latest (the default); "
        "with smddp_version, the release that matches both (400 when they conflict)",
        "1.13.1",
    )
    region: str | None = _text("AWS region; without it URIs are unfilled", "us-west-2")
    smddp_version: str | None = _text("Reverse lookup by smddp version", "1.7.0")
    instance_type: str | None = _text(
        "With format=sagemaker: the estimator's instance type (422 where smddp does not run)",
        "ml.p4d.24xlarge",
    )
    want: Literal["image", "smp-image", "wheel", "estimator"] | None = Field(
        default=None,
        description="The artefact the answer must carry; a prefix, latest or a specifier picks "
        "the newest release that has it in the region (uri/env imply image, sagemaker "
        "estimator)",
        examples=["image"],
    )
    format: Literal["json", "text", "yaml", "env", "uri", "sagemaker"] | None = Field(
        default=None,
        description="json (the default), or the CLI's --format; uri, env and sagemaker hold "
        "one value (400 when the query has several answers, 404 when the value is missing)",
        examples=["uri"],
    )


class Health(BaseModel):
    status: Literal["ok"]


class LastReload(BaseModel):
    """The outcome of the last reload (SIGHUP or POST /v1/admin/reload) of this process."""

    result: Literal["success", "failure"]
    #: When it ended (UTC, ISO 8601).
    at: str
    #: The matrix served after it (the old one after a failure).
    sha256: str
    #: Why it failed: the file's problems, as the failure's log line lists them.
    error: str | None = None


class Ready(BaseModel):
    status: Literal["ready"]
    matrix_sha256: str
    loaded_at: str
    #: None until this process has reloaded once.
    last_reload: LastReload | None = None


class ReloadAnswer(BaseModel):
    reloaded: bool
    sha256: str
    previous_sha256: str
    changed: bool
    loaded_at: str
