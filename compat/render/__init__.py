"""Output formats: one enum, one interface, one implementation per format.

Every command returns typed results; the CLI picks an :class:`OutputFormat`
and calls :func:`render`. Each format lives in its own module of this package
and is imported only when that format is asked for, so ``resolve --format uri``
never loads YAML or the text tables. Data goes to stdout; messages are the
CLI's business.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms; so
# does typing.assert_never at run time, hence the stand-in below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, NoReturn

    from typing_extensions import assert_never
else:

    def assert_never(value: object) -> NoReturn:
        raise AssertionError(f"unhandled output format {value!r}")


class OutputFormat(str, Enum):
    """The formats a command can print; each maps to one :class:`Renderer`."""

    TEXT = "text"
    JSON = "json"
    YAML = "yaml"
    ENV = "env"
    URI = "uri"
    SAGEMAKER = "sagemaker"

    def __str__(self) -> str:
        return self.value


class Renderer(ABC):
    """One output format: turns a result (or a list of results) into text.

    Implementations raise :class:`compat.errors.UsageError` for a value their
    format cannot show (``--format env`` of a list) and may raise any other
    :class:`compat.errors.CompatError` when the answer does not exist in that
    form (``--format uri`` when no image carries the release).
    """

    __slots__ = ()

    @abstractmethod
    def render(self, value: object) -> str:
        """``value`` in this format, without a trailing newline."""


class ResultInterface(ABC):  # noqa: B024 (abstract in the interfaces that name methods)
    """Base of what a format accepts from a result (``Textual``, ``TableRow``, ``Record``).

    Structural, as ``collections.abc.Sized`` is: a class that defines every
    method an interface names in ``methods`` is an instance of it without
    inheriting from it, so the result modules need not import the renderers.
    """

    __slots__ = ()
    #: The methods that make a class an instance of the interface that sets it.
    methods: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __subclasshook__(cls, other: type) -> bool:
        if "methods" in cls.__dict__ and all(
            callable(getattr(other, name, None)) for name in cls.methods
        ):
            return True
        return super().__subclasshook__(other)


def renderer_for(fmt: OutputFormat) -> Renderer:
    """The renderer of ``fmt``, importing only that format's module."""
    match fmt:
        case OutputFormat.TEXT:
            from compat.render.text import TextRenderer

            return TextRenderer()
        case OutputFormat.JSON:
            from compat.render.json import JsonRenderer

            return JsonRenderer()
        case OutputFormat.YAML:
            from compat.render.yaml import YamlRenderer

            return YamlRenderer()
        case OutputFormat.ENV:
            from compat.render.env import EnvRenderer

            return EnvRenderer()
        case OutputFormat.URI:
            from compat.render.uri import UriRenderer

            return UriRenderer()
        case OutputFormat.SAGEMAKER:
            from compat.render.sagemaker import SageMakerRenderer

            return SageMakerRenderer()
        case _:
            assert_never(fmt)


def render(value: object, fmt: OutputFormat | str) -> str:
    """``value`` in format ``fmt``, without a trailing newline."""
    return renderer_for(OutputFormat(fmt)).render(value)
