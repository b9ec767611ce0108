"""Shell completion of option values from the matrix: frameworks, versions, regions, types.

Completing ``--framework p<TAB>`` or ``--version <TAB>`` must be instant and
must never reach AWS: the values come from the compiled matrix (the same
cache ``resolve`` reads), and any problem (an unreadable --matrix) completes
nothing rather than printing an error into the user's shell.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _matrix(ctx: click.Context) -> Any:
    from compat.matrix import load_matrix

    path = ctx.params.get("matrix_path") or ctx.find_root().params.get("matrix_path")
    try:
        return load_matrix(path)
    except Exception:  # completion prints nothing rather than an error into the shell
        return None


def _items(
    values: list[str], incomplete: str, help_of: dict[str, str] | None = None
) -> list[CompletionItem]:
    wanted = incomplete.strip().lower()
    return [
        CompletionItem(v, help=(help_of or {}).get(v))
        for v in values
        if v.lower().startswith(wanted)
    ]


def _framework(ctx: click.Context, m: Any) -> str | None:
    name = ctx.params.get("framework")
    if not isinstance(name, str):
        return None
    return m.compiled["aliases"].get(name.strip().lower())  # type: ignore[no-any-return]


def _from_matrix(values: Callable[[click.Context, Any, str], list[CompletionItem]]) -> Completer:
    """A click completer over ``values(ctx, matrix, incomplete)``: nothing where the matrix
    cannot be read."""

    @functools.wraps(values)
    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        m = _matrix(ctx)
        return [] if m is None else values(ctx, m, incomplete)

    return complete


@_from_matrix
def complete_framework(ctx: click.Context, m: Any, incomplete: str) -> list[CompletionItem]:
    """Canonical names first, then aliases, each alias with the name it stands for."""
    aliases: dict[str, str] = m.compiled["aliases"]
    names = sorted(m.compiled["frameworks"])
    extra = sorted(a for a in aliases if a not in names)
    return _items(names + extra, incomplete, {a: aliases[a] for a in extra})


@_from_matrix
def complete_version(ctx: click.Context, m: Any, incomplete: str) -> list[CompletionItem]:
    """The versions with smddp of the framework given before, newest first, and 'latest'."""
    framework = _framework(ctx, m)
    if framework is None:
        return _items(["latest"], incomplete)
    versions = [str(v) for v, _ in m.versions_newest_first(framework)]
    return _items(["latest", *versions], incomplete)


@_from_matrix
def complete_smddp_version(ctx: click.Context, m: Any, incomplete: str) -> list[CompletionItem]:
    """smddp versions in the matrix (of the framework given before, if any), newest first."""
    from packaging.version import Version

    framework = _framework(ctx, m)
    names = [framework] if framework else list(m.compiled["releases"])
    found = {r["smddp"] for fw in names for r in m.compiled["releases"][fw]}
    return _items(sorted(found, key=Version, reverse=True), incomplete)


@_from_matrix
def complete_region(ctx: click.Context, m: Any, incomplete: str) -> list[CompletionItem]:
    return _items(sorted(m.compiled["regions"]), incomplete)


@_from_matrix
def complete_instance_type(ctx: click.Context, m: Any, incomplete: str) -> list[CompletionItem]:
    return _items(list(m.compiled["instance_types"]), incomplete)


#: option destination name -> how its values complete
COMPLETERS: dict[str, Completer] = {
    "framework": complete_framework,
    "version": complete_version,
    "smddp_version": complete_smddp_version,
    "region": complete_region,
    "regions": complete_region,
    "instance_type": complete_instance_type,
    "instance_types": complete_instance_type,
}


def attach_completers(command: click.Command) -> None:
    """Give every option of ``command`` (and its subcommands) whose name COMPLETERS knows
    its value completion, so that no command's --framework or --region is left out."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            attach_completers(sub)
    for param in command.params:
        completer = COMPLETERS.get(param.name or "")
        if (
            completer is not None
            and isinstance(param, click.Option)
            and not param.is_flag
            and param._custom_shell_complete is None
        ):
            param._custom_shell_complete = completer
