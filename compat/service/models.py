"""Response models for the OpenAPI schema, made from the library's own typed results.

Resolutions and catalog entries are the library's frozen dataclasses, used as
they are. The preflight report and the explanation are the library's
dataclasses too, with a computed property (``not_checked``) the JSON also
carries: their models are built here from those classes' fields and types
(:func:`_model_of`), never written out by hand, so that a field added to the
library is documented at once. The service still returns the library's
``to_dict()`` bytes; these only describe them.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from compat.aws.explain import Explanation
from compat.aws.report import Check, PreflightReport
from compat.service.security import MAX_BODY_BYTES, MAX_PARAM_LENGTH


class _Described(BaseModel):
    # Every key of to_dict() is always there, defaults included.
    model_config = ConfigDict(
        frozen=True, extra="allow", json_schema_serialization_defaults_required=True
    )


def _model_of(
    cls: type,
    name: str,
    *,
    computed: tuple[str, ...] = (),
    types: dict[str, Any] | None = None,
) -> type[_Described]:
    """A model of ``cls``'s JSON: its dataclass fields with their types and defaults, its
    ``computed`` properties (typed by their return annotation), and ``types`` in place of
    the types of some fields (a nested model, so that it has a name of its own)."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        has_default = f.init and f.default is not dataclasses.MISSING
        hint = (types or {}).get(f.name, hints[f.name])
        fields[f.name] = (hint, f.default if has_default else ...)
    for prop in computed:
        fields[prop] = (typing.get_type_hints(getattr(cls, prop).fget)["return"], ...)
    model: type[_Described] = create_model(
        name, __base__=_Described, __doc__=cls.__doc__, __module__=__name__, **fields
    )
    return model


PreflightCheck = _model_of(Check, "PreflightCheck")
PreflightReportModel = _model_of(
    PreflightReport,
    "PreflightReportModel",
    computed=("not_checked",),
    types={"checks": list[PreflightCheck]},  # type: ignore[valid-type]
)
ExplanationModel = _model_of(Explanation, "ExplanationModel")


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
