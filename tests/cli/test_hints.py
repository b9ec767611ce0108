"""Every option and command that a hint, error, note or help text names exists where it is shown.

The code is read, not run: every string literal (f-strings with their fixed
parts) under compat/ that names ``smddp-compat <command> ... --option`` or a
bare ``--option`` is found with its place, and checked against the real click
commands. A command line must name a real command and only its options. A
bare option must exist on every command that can show the string: for text in
a command module, the command around it; for library modules, the commands
listed in FACES (a module that names options must be listed there).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

import compat
from compat.cli.app import cli
from compat.cli.registry import COMMANDS

PACKAGE = Path(compat.__file__).resolve().parent
OPTION_RE = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
COMMAND_RE = re.compile(
    r"smddp-compat ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)((?:(?!smddp-compat)[^;'\"()\n])*)"
)
#: Other programs whose options appear in advice (pip install --no-cache-dir, ...).
FOREIGN_RE = re.compile(r"(?:^|[\s'\"(])(pip|pip3|aws|docker|apt-get|nvcc|curl) [^;|]*$")
#: "smddp-compat" followed by a word that is prose, not a command.
PROSE = {"smddp-compat matrix", "smddp-compat prints"}
#: A string that is only an option name declares or compares one; it is no advice.
DECLARATION_RE = re.compile(r"-{1,2}[a-z][a-z0-9-]*(=[a-z]+)?")
#: Options of the group itself, accepted with every command.
GLOBAL_OPTIONS = {"--matrix", "--debug", "--help", "-h"}

#: Library module -> the commands that can show its strings (errors, hints, notes).
FACES: dict[str, tuple[str, ...]] = {
    "answers.py": ("resolve",),
    "query.py": ("resolve",),
    "aws/accounts.py": ("preflight", "quota scan"),
    "aws/checks.py": ("preflight", "quota scan"),
    "aws/clients.py": ("preflight", "quota show", "quota scan", "quota request"),
    "aws/eligibility.py": ("preflight", "resolve"),
    "aws/explain.py": ("explain",),
    "aws/iam_scan.py": ("iam-policy",),
    "aws/increase.py": ("quota request",),
    "aws/report.py": ("preflight",),
    "aws/run.py": ("preflight",),
    "aws/shards.py": ("quota scan",),  # quota merge's hints name quota scan in full
    "cli/app.py": tuple(COMMANDS),
    "cli/commands/accounts.py": ("preflight", "quota scan"),  # options shared by both
    "cli/report.py": ("resolve", "list", "byoc", "preflight", "quota show", "quota scan"),
    "environment/doctor.py": ("doctor",),
    "maintain/lint.py": ("lint",),
    "maintain/merge.py": ("import-doc",),
    "maintain/merge_plan.py": ("import-doc",),
    "maintain/yaml_splice.py": ("import-doc",),
    "maintain/verify.py": ("verify",),
    "matrix/store.py": tuple(COMMANDS),
    "recipes/byoc.py": ("byoc",),
    "recipes/sagemaker_sdk.py": ("resolve",),
    "recipes/snippets.py": ("resolve", "byoc"),  # the commands that print each snippet
    "render/env.py": ("resolve",),  # --format env is resolve's only
    # image_uri_of answers resolve's single result; the list branch names --format and
    # --region only, which resolve has too.
    "render/uri.py": ("resolve",),
    "maintain/sdkdata.py": ("import-sdk", "verify"),
}
#: Modules whose option strings declare options or parse them (not shown as advice).
DECLARING = {"cli/options.py", "cli/help.py", "entry.py", "cli/values.py"}


@dataclass(frozen=True)
class Mention:
    file: str
    line: int
    text: str
    shown_by: tuple[str, ...]  # commands ("quota show") that can show it; () = library


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _command_name(func: ast.FunctionDef) -> str | None:
    for deco in func.decorator_list:
        if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)):
            continue
        if deco.func.attr not in ("command", "group") or not deco.args:
            continue
        name = _text(deco.args[0])
        owner = deco.func.value
        if isinstance(owner, ast.Name) and owner.id.endswith("_cmd") and name:
            group = owner.id.removesuffix("_cmd").replace("_", "-")
            return f"{group} {name}"
        return name
    return None


def _docstrings(tree: ast.AST, commands: set[int]) -> set[int]:
    """ids of docstring nodes, except those of command functions (their help text)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and id(node) not in commands
            ):
                out.add(id(first.value))
    return out


def mentions() -> list[Mention]:
    found: list[Mention] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("service/") or rel in DECLARING:
            continue  # the HTTP service names query parameters, not options
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owner: dict[int, str] = {}
        command_nodes: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and (name := _command_name(node)):
                command_nodes.add(id(node))
                for inner in ast.walk(node):
                    owner[id(inner)] = name
        # Module-level helpers serve the module's commands (a group's helpers, its subcommands).
        module_commands = tuple(
            sorted(
                c
                for c in set(owner.values())
                if not any(o.startswith(c + " ") for o in owner.values())
            )
        )
        registry_key: dict[int, str] = {}
        for node in ast.walk(tree):
            if rel == "cli/registry.py" and isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    for inner in ast.walk(value):
                        registry_key[id(inner)] = _text(key) or ""
        skip = _docstrings(tree, command_nodes)
        parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            text = _text(node)
            if text is None or id(node) in skip or id(node) in parts:
                continue
            if not (OPTION_RE.search(text) or "smddp-compat " in text):
                continue
            if DECLARATION_RE.fullmatch(text.strip()):
                continue
            # A piece of a longer text built by concatenation starts or ends with a space.
            piece = text[:1] == " " or text[-1:] == " "
            context = _context(tree, node) if piece else None
            if COMMAND_RE.search(text) is None and context is not None:
                # A piece of a command line built in parts (" --spot"), or of another
                # program's command (pip's " --no-deps"): judged by the whole.
                if context == "foreign":
                    continue
                shown: tuple[str, ...] = (context,)
            elif rel == "cli/registry.py":
                shown = (registry_key[id(node)],)
            elif rel.startswith("cli/commands/"):
                shown = (
                    (owner[id(node)],)
                    if id(node) in owner
                    else module_commands or FACES.get(rel, ())
                )
            else:
                shown = FACES.get(rel, ())
            found.append(Mention(rel, getattr(node, "lineno", 0), text, shown))
    return found


def _context(tree: ast.AST, node: ast.AST) -> str | None:
    """For a fragment, the command its enclosing function builds, or "foreign"."""
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef) or _command_name(func):
            continue
        inner = list(ast.walk(func))
        if not any(n is node for n in inner):
            continue
        texts = [t for n in inner if (t := _text(n)) is not None]
        for text in texts:
            found = COMMAND_RE.search(text)
            if found and found.group(1) in COMMAND_OBJECTS:
                return found.group(1)
            if found and found.group(1).split(" ")[0] in COMMAND_OBJECTS:
                return found.group(1).split(" ")[0]
        if any(FOREIGN_RE.search(t) for t in texts):
            return "foreign"
    return None


def _commands() -> dict[str, click.Command]:
    ctx = click.Context(cli, resilient_parsing=True)
    out: dict[str, click.Command] = {}
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        out[name] = command
        if isinstance(command, click.Group):
            for sub, sub_command in command.commands.items():
                out[f"{name} {sub}"] = sub_command
    return out


def options_of(name: str) -> set[str]:
    command = COMMAND_OBJECTS[name]
    opts = set(GLOBAL_OPTIONS)
    for param in command.params:
        opts.update(param.opts)
        opts.update(param.secondary_opts)
    return opts


def _problems(m: Mention) -> list[str]:
    problems = []
    rest = m.text
    for found in COMMAND_RE.finditer(m.text):
        words, tail = found.group(1), found.group(2)
        if f"smddp-compat {words.split(' ')[0]}" in PROSE:
            continue
        name = words if words in COMMAND_OBJECTS else words.split(" ")[0]
        if name not in COMMAND_OBJECTS:
            problems.append(f"names command {words.split(' ')[0]!r}, which does not exist")
            continue
        if isinstance(COMMAND_OBJECTS[name], click.Group) and name == words.split(" ")[0]:
            sub = words.split(" ")[1] if " " in words else None
            if sub is None or f"{name} {sub}" not in COMMAND_OBJECTS:
                problems.append(f"names {words!r}: no such subcommand of {name!r}")
                continue
        problems += [
            f"shows '{words} {opt}', but {name!r} has no {opt}"
            for opt in OPTION_RE.findall(tail)
            if opt not in options_of(name)
        ]
        rest = rest.replace(found.group(0), " ")
    if FOREIGN_RE.search(rest):
        return problems
    bare = OPTION_RE.findall(rest)
    if bare and not m.shown_by:
        problems.append(f"names {bare} but {m.file} is not in FACES")
    for command in m.shown_by:
        problems += [
            f"names {opt}, but {command!r} (which shows it) has no {opt}"
            for opt in bare
            if opt not in options_of(command)
        ]
    return problems


COMMAND_OBJECTS = _commands()
MENTIONS = mentions()


def test_the_scan_finds_the_hints_it_must_check() -> None:
    files = {m.file for m in MENTIONS}
    assert {"aws/clients.py", "resolver.py", "recipes/byoc.py", "cli/commands/quota.py"} <= files
    assert len(MENTIONS) > 60


@pytest.mark.parametrize("mention", MENTIONS, ids=[f"{m.file}:{m.line}" for m in MENTIONS])
def test_every_named_option_and_command_exists_where_it_is_shown(mention: Mention) -> None:
    assert _problems(mention) == [], mention.text


def test_the_checker_catches_a_wrong_option_and_a_wrong_command() -> None:
    wrong = Mention("aws/clients.py", 1, "pass --no-aws to skip", FACES["aws/clients.py"])
    assert any("'quota show' (which shows it) has no --no-aws" in p for p in _problems(wrong))
    bad_cmd = Mention("resolver.py", 1, "see 'smddp-compat regoins'", ())
    assert _problems(bad_cmd) == ["names command 'regoins', which does not exist"]
    bad_opt = Mention("x.py", 1, "smddp-compat list --smddp-version 1.7.0", ())
    assert _problems(bad_opt) == ["shows 'list --smddp-version', but 'list' has no --smddp-version"]


def test_every_command_is_covered() -> None:
    shown = {c for m in MENTIONS for c in m.shown_by}
    for name in COMMANDS:
        if name in ("schema", "completion", "frameworks", "regions", "instance-types", "validate"):
            continue  # commands without options to name in their texts
        assert name in shown or any(c.startswith(name + " ") for c in shown), name
