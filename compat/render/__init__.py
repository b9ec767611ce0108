"""Output formats: one enum, one interface, one implementation per format.

Every command returns typed results; the CLI picks an ``OutputFormat`` and
calls :func:`render`. Each format lives in its own module of this package and
is imported only when that format is asked for, so ``resolve --format uri``
never loads YAML or the text tables. ``OutputFormat`` (the enum of format
names, for click's choices) lives in :mod:`compat.output_format` and is
imported from here on first use, so that rendering imports no :mod:`enum`.
Data goes to stdout; messages are the CLI's business.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms; so
# would typing.assert_never at run time, hence the stand-in below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, Literal, NoReturn, TypeGuard

    from typing_extensions import assert_never

    # Re-exported: commands import OutputFormat from here (see __getattr__ below).
    from compat.output_format import OutputFormat as OutputFormat

    FormatName = Literal["text", "json", "yaml", "env", "uri", "sagemaker"]
else:

    def assert_never(value: object) -> NoReturn:
        raise AssertionError(f"unhandled output format {value!r}")


#: The name of every format: OutputFormat's values, as plain strings, so that
#: choosing a renderer imports no :mod:`enum` (``resolve``'s hot path).
FORMAT_NAMES: tuple[FormatName, ...] = ("text", "json", "yaml", "env", "uri", "sagemaker")


def __getattr__(name: str) -> object:
    if name == "OutputFormat":
        from compat.output_format import OutputFormat

        return OutputFormat
    raise AttributeError(f"module 'compat.render' has no attribute {name!r}")


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


def renderer_for(name: FormatName) -> Renderer:
    """The renderer of the format ``name``, importing only that format's module."""
    match name:
        case "text":
            from compat.render.text import TextRenderer

            return TextRenderer()
        case "json":
            from compat.render.json import JsonRenderer

            return JsonRenderer()
        case "yaml":
            from compat.render.yaml import YamlRenderer

            return YamlRenderer()
        case "env":
            from compat.render.env import EnvRenderer

            return EnvRenderer()
        case "uri":
            from compat.render.uri import UriRenderer

            return UriRenderer()
        case "sagemaker":
            from compat.render.sagemaker import SageMakerRenderer

            return SageMakerRenderer()
        case _:
            assert_never(name)


def _is_format_name(name: str) -> TypeGuard[FormatName]:
    return name in FORMAT_NAMES


def render(value: object, fmt: OutputFormat | str) -> str:
    """``value`` in format ``fmt`` (an OutputFormat or its name), without a trailing newline."""
    name = str(fmt)
    if not _is_format_name(name):
        raise ValueError(f"{fmt!r} is not a valid OutputFormat")
    return renderer_for(name).render(value)
