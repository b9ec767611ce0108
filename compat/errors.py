"""One exception hierarchy for the whole library.

Every error carries a message that says what was wrong and a ``hint`` that
says what to do. The CLI maps each class to an exit code and the HTTP service
to a problem type; the library itself never exits or prints.
"""

from __future__ import annotations

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from compat.exit_codes import ExitCode
    from compat.results import Alternative


class _Code:
    """An error class's ``exit_code``: the :class:`ExitCode` member, made when first read.

    Defining the classes must not import :mod:`enum` (``resolve`` imports this
    module and only an error needs the member); reading ``exit_code`` on a class
    or an instance gives ``ExitCode(value)``, the same member as before.
    """

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __get__(self, instance: object, owner: type | None = None) -> ExitCode:
        from compat.exit_codes import ExitCode

        return ExitCode(self.value)


if TYPE_CHECKING:

    def _code(value: int) -> ExitCode: ...

else:
    _code = _Code


class CompatError(Exception):
    """Base of every error smddp-compat raises on purpose.

    ``alternatives`` says what to use instead (a release with smddp, another
    distribution, a supported instance type), where the library knows: the
    ``instead:`` lines of the message and the JSON's ``alternatives``.
    """

    exit_code: ExitCode = _code(1)  # ExitCode.UNEXPECTED
    #: Short stable slug: the HTTP problem type and the JSON ``error`` field.
    kind: str = "error"
    #: HTTP status the service answers with.
    http_status: int = 500

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        alternatives: Sequence[Alternative] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.alternatives = tuple(alternatives)

    def __str__(self) -> str:
        lines = [self.message]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        lines += [f"  instead: {a.text}" for a in self.alternatives]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, shared by ``--format json`` errors and the service."""
        data: dict[str, object] = {"error": self.kind, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        if self.alternatives:
            data["alternatives"] = [a.to_dict() for a in self.alternatives]
        return data


class UsageError(CompatError, ValueError):
    """A malformed argument: not a version, not a specifier, too long."""

    exit_code = _code(2)  # ExitCode.USAGE
    kind = "usage"
    http_status = 400


class PageError(UsageError):
    """AWS's support page (Markdown) is malformed; the message gives file:line."""

    kind = "invalid-page"


class SdkDataError(UsageError):
    """A SageMaker SDK image config file that cannot be used: not JSON, wrong shape, a bad
    version; the message names the file and the key path."""

    kind = "invalid-sdk-data"


class NotFoundError(CompatError, LookupError):
    """A framework, version, region or combination that the matrix lacks."""

    exit_code = _code(3)  # ExitCode.NOT_FOUND
    kind = "not-found"
    http_status = 404

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        choices: Sequence[str] = (),
        alternatives: Sequence[Alternative] = (),
    ) -> None:
        super().__init__(message, hint=hint, alternatives=alternatives)
        self.choices = tuple(choices)

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        if self.choices:
            data["choices"] = list(self.choices)
        return data


class UnknownFrameworkError(NotFoundError):
    kind = "unknown-framework"


class UnknownVersionError(NotFoundError):
    kind = "unknown-version"


class NoSmddpError(NotFoundError):
    """The framework version exists, but no smddp build was ever made for it."""

    kind = "no-smddp"


class UnknownRegionError(NotFoundError):
    kind = "unknown-region"


class RegionNotAvailableError(NotFoundError):
    """The region is known, but this release is not published there."""

    kind = "region-not-available"


class SdkNotFoundError(NotFoundError):
    """No SageMaker SDK image configs where they were looked for."""

    kind = "sdk-not-found"


class NoWheelError(NotFoundError):
    """AWS documents no smddp wheel for the release (TensorFlow): use an image that carries it."""

    kind = "no-wheel"


class NoImageError(NotFoundError):
    """No DLC image carries the release (a wheel or the SMP image may)."""

    kind = "no-image"


class NotEligibleError(CompatError):
    """The instance type or environment does not fit the smddp version.

    ``alternatives`` lists what to use instead, such as the ``torch_distributed``
    distribution on ml.p5 and the instance types smddp supports.
    """

    exit_code = _code(4)  # ExitCode.NOT_ELIGIBLE
    kind = "not-eligible"
    http_status = 422


class QuotaError(CompatError):
    """The account's quota cannot hold the requested instances."""

    exit_code = _code(5)  # ExitCode.QUOTA
    kind = "quota"
    http_status = 409


class AwsError(CompatError):
    """AWS could not be asked: credentials, permissions, throttling, network."""

    exit_code = _code(6)  # ExitCode.AWS
    kind = "aws"
    http_status = 502


class AwsCredentialsError(AwsError):
    """No usable credentials: none found, expired, or rejected by AWS."""

    kind = "aws-credentials"


class AwsAccessDeniedError(AwsError):
    """The credentials lack an IAM action; ``action`` names it where known."""

    kind = "aws-access-denied"

    def __init__(self, message: str, *, hint: str | None = None, action: str | None = None):
        super().__init__(message, hint=hint)
        self.action = action

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        if self.action:
            data["action"] = self.action
        return data


class AwsThrottledError(AwsError):
    """AWS kept throttling the calls after the retries."""

    kind = "aws-throttled"


class AwsNetworkError(AwsError):
    """The endpoint could not be reached or did not answer in time."""

    kind = "aws-network"


class MatrixError(CompatError):
    """A matrix file that cannot be used; ``problems`` lists every finding."""

    exit_code = _code(7)  # ExitCode.INVALID_MATRIX
    kind = "invalid-matrix"
    #: The request could not be served with that matrix; the service keeps the old one.
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        lines = [self.message, *(f"  {p}" for p in self.problems)]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["problems"] = list(self.problems)
        return data
