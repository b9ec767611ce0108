"""The one query model: what every face (library, CLI fast path, click, HTTP) asks.

A :class:`Query` is built by one parser, :func:`parse_query`, from the values
a face was given (CLI options, HTTP parameters, library arguments) and the
environment, with one set of rules:

* an explicit option or parameter beats an environment variable, which beats
  the default (``--region`` > ``AWS_REGION`` > ``AWS_DEFAULT_REGION`` > none;
  ``--matrix`` > ``SMDDP_COMPAT_MATRIX`` > the shipped matrix, see
  :func:`matrix_path`);
* an empty value is a usage error (exit 2, HTTP 400) that names the parameter
  and, for a value taken from the environment, the variable;
* framework, region and instance-type names are matched case-insensitively
  (``ML.P4D.24XLARGE`` is ``ml.p4d.24xlarge``); the instance type is folded
  here, framework and region by the matrix's lookups.

The answer to a query is :func:`compat.answers.answer`'s business. This module
imports nothing heavy: the CLI fast path builds a Query on every run.
"""

from __future__ import annotations

from compat.errors import UsageError
from compat.results import _Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, ClassVar

#: Output formats (compat.render.FORMAT_NAMES), here as plain strings.
FORMATS = ("text", "json", "yaml", "env", "uri", "sagemaker")
#: Artefacts a query can ask for.
WANTS = ("image", "smp-image", "wheel", "estimator")
#: Formats that hold one value, and the artefact that value is.
ONE_VALUE_FORMATS = {"uri": "image", "env": "image", "sagemaker": "estimator"}
#: Environment variables a field falls back to, first set first.
ENVIRONMENT = {"region": ("AWS_REGION", "AWS_DEFAULT_REGION")}
#: The variable for the matrix file (see :func:`matrix_path`).
MATRIX_VARIABLE = "SMDDP_COMPAT_MATRIX"
#: Longest text accepted for any field.
MAX_LENGTH = 100
#: How each field is named in messages (neutral: the same on every face).
LABELS = {
    "framework": "framework",
    "version": "version",
    "smddp_version": "smddp version",
    "region": "region",
    "instance_type": "instance type",
    "count": "count",
    "spot": "spot",
    "want": "want",
    "format": "format",
}
_EXAMPLES = {
    "framework": "pytorch",
    "version": "1.13.1",
    "smddp_version": "1.7.0",
    "region": "us-west-2",
    "instance_type": "ml.p4d.24xlarge",
    "count": "2",
    "spot": "false",
    "want": "image",
    "format": "json",
}
#: The command that lists valid values of a field, for hints.
_LISTED_BY = {
    "framework": "smddp-compat frameworks",
    "version": "smddp-compat frameworks",
    "region": "smddp-compat regions",
    "smddp_version": "smddp-compat list",
    "instance_type": "smddp-compat instance-types",
}
#: How each face spells a field, for hints: CLI options, HTTP parameters, library arguments.
CLI_NAMES = {
    "framework": "--framework",
    "version": "--version",
    "smddp_version": "--smddp-version",
    "region": "--region",
    "instance_type": "--instance-type",
    "count": "--count",
    "spot": "--spot",
    "want": "--want",
    "format": "--format",
}
HTTP_NAMES = {name: f"{name}=" for name in LABELS}
LIBRARY_NAMES = {name: f"{name}=" for name in LABELS}


class Query(_Frozen):
    """One question, however it was asked. Frozen, hashable (the service caches by it).

    ``version`` is None when none was given (the answer treats it as
    ``latest`` for a forward lookup, and as "not asked" beside
    ``smddp_version``). ``want`` is the artefact asked for explicitly; see
    :attr:`wanted` for the one the answer must carry. ``origins`` records
    which fields came from which environment variable. Build it with
    :func:`parse_query`, which checks the values (empty, overlong, not text);
    :func:`compat.answers.answer` trusts them.
    """

    _fields = (
        "framework",
        "version",
        "smddp_version",
        "region",
        "instance_type",
        "count",
        "spot",
        "want",
        "format",
        "origins",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, object]] = {
        "framework": None,
        "version": None,
        "smddp_version": None,
        "region": None,
        "instance_type": None,
        "count": 1,
        "spot": False,
        "want": None,
        "format": "json",
        "origins": (),
    }
    framework: str | None
    version: str | None
    smddp_version: str | None
    region: str | None
    instance_type: str | None
    count: int
    spot: bool
    want: str | None
    format: str
    origins: tuple[tuple[str, str], ...]

    def __init__(
        self,
        framework: str | None = None,
        version: str | None = None,
        smddp_version: str | None = None,
        region: str | None = None,
        instance_type: str | None = None,
        count: int = 1,
        spot: bool = False,
        want: str | None = None,
        format: str = "json",
        origins: tuple[tuple[str, str], ...] = (),
    ) -> None:
        setter = object.__setattr__
        setter(self, "framework", framework)
        setter(self, "version", version)
        setter(self, "smddp_version", smddp_version)
        setter(self, "region", region)
        setter(self, "instance_type", instance_type)
        setter(self, "count", count)
        setter(self, "spot", spot)
        setter(self, "want", want)
        setter(self, "format", format)
        setter(self, "origins", origins)

    @property
    def wanted(self) -> str | None:
        """The artefact the answer must carry: ``want``, or the one-value format's value."""
        return self.want or ONE_VALUE_FORMATS.get(self.format)

    @property
    def one_value(self) -> bool:
        """Whether the format holds one value (a script reads it as *the* answer)."""
        return self.format in ONE_VALUE_FORMATS

    def origin(self, field: str) -> str | None:
        """The environment variable ``field`` came from, or None when it was given."""
        for name, variable in self.origins:
            if name == field:
                return variable
        return None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._fields if name != "origins"} | {
            "origins": dict(self.origins)
        }


def _empty_error(field: str, variable: str | None, names: Mapping[str, str]) -> UsageError:
    label = LABELS[field]
    example = _EXAMPLES[field]
    if variable is not None:
        return UsageError(
            f"the {label} is empty (from the environment variable {variable})",
            hint=f"set {variable} to a {label} such as {example}, unset it, or pass "
            f"{names.get(field, field)} {example}",
        )
    return UsageError(
        f"the {label} is empty",
        hint=f"pass {names.get(field, field)} with a value such as {example}, or leave it out",
    )


def _text(field: str, value: object, variable: str | None, names: Mapping[str, str]) -> str:
    if not isinstance(value, str):
        from compat.arguments import text_error

        raise text_error(LABELS[field], value, _EXAMPLES[field], optional=True)
    text = value.strip()
    if not text:
        raise _empty_error(field, variable, names)
    if len(text) > MAX_LENGTH:
        raise UsageError(
            f"the {LABELS[field]} is {len(text)} characters long; at most {MAX_LENGTH} are "
            "accepted",
            hint=f"pass a {LABELS[field]} such as {_EXAMPLES[field]}"
            + (f" (see '{_LISTED_BY[field]}')" if field in _LISTED_BY else ""),
        )
    return text


def _choice(field: str, text: str, choices: tuple[str, ...], names: Mapping[str, str]) -> str:
    folded = text.lower()
    if folded in choices:
        return folded
    from compat.matrix.suggest import closest

    guess = closest(folded, list(choices))
    return_hint = f"did you mean {guess}? " if guess else ""
    raise UsageError(
        f"unknown {LABELS[field]} {text!r}",
        hint=f"{return_hint}{names.get(field, field)} takes one of: {', '.join(choices)}",
    )


_TEXT_FIELDS = ("framework", "version", "smddp_version", "region", "instance_type")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_query(
    given: Mapping[str, object],
    *,
    environ: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> Query:
    """The Query for ``given`` values (field name -> raw value; None or absent: not given).

    ``environ`` is consulted for fields left out (the CLI passes ``os.environ``;
    the library and the HTTP service pass None: a server's environment is not
    its client's). ``names`` spells the fields as the face does, for hints.
    Raises :class:`~compat.errors.UsageError` (exit 2, HTTP 400) for an empty,
    overlong or unknown value.
    """
    spelled = CLI_NAMES if names is None else names
    for key in given:
        if key not in LABELS:
            raise UsageError(f"unknown query field {key!r}", hint="fields: " + ", ".join(LABELS))
    values: dict[str, Any] = {}
    origins: tuple[tuple[str, str], ...] = ()
    for field in _TEXT_FIELDS:
        raw = given.get(field)
        variable = None
        if raw is None:
            if environ is None or field not in ENVIRONMENT:
                continue
            for candidate in ENVIRONMENT[field]:
                if candidate in environ:
                    raw, variable = environ[candidate], candidate
                    origins += ((field, candidate),)
                    break
            else:
                continue
        if raw.__class__ is str and variable is None:  # the common case, checked inline
            text = raw.strip()
            if not text or len(text) > MAX_LENGTH:
                text = _text(field, raw, None, spelled)
        else:
            text = _text(field, raw, variable, spelled)
        values[field] = text.lower() if field == "instance_type" else text
    fmt = given.get("format")
    if fmt is not None:
        values["format"] = _choice("format", _text("format", fmt, None, spelled), FORMATS, spelled)
    want = given.get("want")
    if want is not None:
        values["want"] = _choice("want", _text("want", want, None, spelled), WANTS, spelled)
    count = given.get("count")
    if count is not None:
        values["count"] = _count(count, spelled)
    spot = given.get("spot")
    if spot is not None:
        values["spot"] = _flag(spot, spelled)
    return Query(**values, origins=origins)


def _count(value: object, names: Mapping[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        from compat.arguments import text_error

        raise text_error("count", value, "2")
    text = value if isinstance(value, int) else _text("count", value, None, names)
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise UsageError(
            f"the count must be a whole number of at least 1, not {text!r}",
            hint=f"pass {names.get('count', 'count')} 2, for example",
        )
    return number


def _flag(value: object, names: Mapping[str, str]) -> bool:
    if isinstance(value, bool):
        return value
    text = _text("spot", value, None, names).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(
        f"spot must be true or false, not {text!r}", hint=f"pass {names.get('spot', 'spot')} true"
    )


def matrix_path(explicit: str | None, environ: Mapping[str, str]) -> str | None:
    """The matrix file to use: ``--matrix`` over ``SMDDP_COMPAT_MATRIX`` over the shipped one.

    An empty value is a usage error naming the option or the variable.
    """
    if explicit is not None:
        if not explicit.strip():
            raise UsageError(
                "the matrix path is empty (--matrix '')",
                hint="pass --matrix with a matrix file, or leave it out for the shipped matrix",
            )
        return explicit
    value = environ.get(MATRIX_VARIABLE)
    if value is None:
        return None
    if not value.strip():
        raise UsageError(
            f"the matrix path is empty (from the environment variable {MATRIX_VARIABLE})",
            hint=f"set {MATRIX_VARIABLE} to a matrix file, or unset it for the shipped matrix",
        )
    return value
