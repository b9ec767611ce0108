"""Check sources and paths: parse, analyse, link launchers to scripts, judge, filter.

The library's entry points are :func:`check_source` (one text, as an editor
or a launcher would pass it) and :func:`check_paths` (files and directories).
Nothing here imports, runs or installs the user's code, boto3 or the SDK.
"""

from __future__ import annotations

import ast
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compat.check import facts
from compat.check.analysis import Analyzer, Launcher, ScriptFacts, Unit
from compat.check.findings import CheckReport, Finding, Location, Severity
from compat.check.judge import Verdict, finding, judge
from compat.check.notebooks import NotebookError, read_cells
from compat.check.rules import RULES
from compat.check.suppress import is_suppressed, selected, suppressions
from compat.errors import UsageError

if TYPE_CHECKING:
    from packaging.version import Version

    from compat.matrix import Matrix

#: Files without any of these words hold neither a launcher nor an smddp script.
_MARKERS = ("sagemaker", "smdistributed", "smddp", "ModelTrainer")
#: Larger files are not source code people write by hand.
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(slots=True)
class Analysed:
    """One file, analysed: its launchers, script facts, findings and suppressions."""

    path: str
    launchers: list[Launcher] = field(default_factory=list)
    #: The script facts of a .py file (one), or of a notebook: its kernel's, then one
    #: per %%writefile cell.
    scripts: list[ScriptFacts] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Per cell (None for a .py file): line -> ignored rule ids.
    suppress: dict[int | None, dict[int, frozenset[str]]] = field(default_factory=dict)
    #: %%writefile cells: the script file they write -> its facts.
    written: dict[str, ScriptFacts] = field(default_factory=dict)


def check_source(
    text: str,
    filename: str = "<string>",
    *,
    matrix: Matrix | None = None,
    select: tuple[str, ...] | list[str] = (),
    ignore: tuple[str, ...] | list[str] = (),
    strict: bool = False,
) -> CheckReport:
    """Check one source text (Python, or a notebook's JSON when ``filename`` ends in .ipynb).

    Scripts named by its launchers are read from disk next to ``filename`` where
    they exist, as :func:`check_paths` does.
    """
    from compat.arguments import require_text

    require_text("filename", filename, "train.py")
    if not isinstance(text, str):
        raise UsageError(
            f"text must be the source as a str, not {type(text).__name__}",
            hint="pass the file's contents, such as open(path).read()",
        )
    return _Run(matrix, select, ignore, strict).report({filename: text})


def check_paths(
    paths: list[str] | tuple[str, ...] | str = (".",),
    *,
    exclude: list[str] | tuple[str, ...] = (),
    matrix: Matrix | None = None,
    select: tuple[str, ...] | list[str] = (),
    ignore: tuple[str, ...] | list[str] = (),
    strict: bool = False,
    use_gitignore: bool = True,
) -> CheckReport:
    """Check the Python files and notebooks at ``paths`` (files or directories)."""
    from compat.check.discovery import discover

    if isinstance(paths, str):
        paths = [paths]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(
            f"no such file or directory: {', '.join(missing)}",
            hint="pass files or directories that exist (default: the current directory)",
        )
    files = discover(list(paths), exclude, use_gitignore=use_gitignore)
    return _Run(matrix, select, ignore, strict).report(dict.fromkeys(files))


def _check_rule_ids(ids: tuple[str, ...] | list[str], option: str) -> tuple[str, ...]:
    out = []
    for raw in ids:
        for part in str(raw).split(","):
            rid = part.strip().upper()
            if not rid:
                continue
            if rid != "ALL" and not any(r.startswith(rid) for r in RULES):
                from compat.matrix.suggest import closest

                guess = closest(rid, list(RULES))
                raise UsageError(
                    f"{option} {rid!r} names no rule",
                    hint=(f"did you mean {guess}? " if guess else "")
                    + f"rules: {', '.join(RULES)}",
                )
            out.append("SMDDP" if rid == "ALL" else rid)
    return tuple(out)


class _Run:
    def __init__(
        self,
        matrix: Matrix | None,
        select: tuple[str, ...] | list[str],
        ignore: tuple[str, ...] | list[str],
        strict: bool,
    ) -> None:
        from compat.matrix import matrix_or_default

        self.m = matrix_or_default(matrix)
        self.select = _check_rule_ids(select, "--select")
        self.ignore = _check_rule_ids(ignore, "--ignore")
        self.strict = strict
        self.deprecated = facts.deprecated_apis(self.m)
        self.cache: dict[str, Analysed | None] = {}

    # -- reading ---------------------------------------------------------------
    def _read(self, path: str) -> str | Finding:
        try:
            if os.path.getsize(path) > MAX_FILE_BYTES:
                return finding(
                    "SMDDP011", f"larger than {MAX_FILE_BYTES} bytes; skipped", Location(path)
                )
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            return finding("SMDDP011", f"cannot be read: {exc.strerror or exc}", Location(path))
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            if path.endswith(".py"):
                return data.decode("latin-1")  # a PEP 263 coding line: ast handles it
            return finding("SMDDP011", "is not UTF-8 text; skipped", Location(path))

    def analyse(self, path: str, text: str | None) -> Analysed | None:
        key = os.path.normpath(path)
        if key in self.cache:
            return self.cache[key]
        self.cache[key] = None  # a script that launches itself is analysed once
        result = Analysed(path)
        if text is None:
            got = self._read(path)
            if isinstance(got, Finding):
                result.findings.append(got)
                self.cache[key] = result
                return result
            text = got
        if path.endswith(".ipynb"):
            self._notebook(result, text)
        else:
            self._python(result, text)
        self.cache[key] = result
        return result

    def _python(self, result: Analysed, text: str) -> None:
        if not any(marker in text for marker in _MARKERS):
            return
        tree = _parse(text, result.path)
        if isinstance(tree, str):
            result.findings.append(
                finding("SMDDP011", f"not valid Python ({tree}); skipped", Location(result.path))
            )
            return
        analyzer = Analyzer(tuple(api for api, _ in self.deprecated))
        analyzer.run(Unit(tree, result.path))
        result.launchers = analyzer.launchers
        result.scripts = [analyzer.script]
        result.suppress[None] = suppressions(text)

    def _notebook(self, result: Analysed, text: str) -> None:
        try:
            cells = read_cells(text)
        except NotebookError as exc:
            result.findings.append(finding("SMDDP011", f"{exc}; skipped", Location(result.path)))
            return
        if not any(marker in c.source for c in cells for marker in _MARKERS):
            return
        analyzer = Analyzer(tuple(api for api, _ in self.deprecated))
        for cell in cells:
            if cell.foreign or not cell.source.strip():
                continue
            tree = _parse(cell.source, result.path)
            if isinstance(tree, str):
                result.findings.append(
                    finding(
                        "SMDDP011",
                        f"cell {cell.index} is not valid Python ({tree}); skipped",
                        Location(result.path, 1, 1, cell.index, (cell.file_lines or (None,))[0]),
                    )
                )
                continue
            unit = Unit(tree, result.path, cell.index, cell.line_offset, cell.file_lines)
            suppress = suppressions(("\n" * cell.line_offset) + cell.source)
            result.suppress[cell.index] = suppress
            if cell.writes is not None:
                # %%writefile train.py: the cell is that script, analysed on its own.
                own = Analyzer(analyzer.deprecated_apis)
                own.run(unit)
                result.written[os.path.normpath(cell.writes)] = own.script
                result.scripts.append(own.script)
                result.launchers += own.launchers
                continue
            analyzer.run(unit)
        result.launchers += analyzer.launchers
        result.scripts.insert(0, analyzer.script)

    # -- linking ---------------------------------------------------------------
    def _entry_script(self, launcher: Launcher, origin: Analysed) -> ScriptFacts | None:
        """The script a launcher runs, where its path is written literally, and its facts."""
        entry = launcher.get("entry_point") or launcher.get("entry_script")
        if entry is None or not isinstance(entry.value, str) or not entry.value.strip():
            return None
        source_dir = launcher.get("source_dir")
        sdir = source_dir.value if source_dir is not None else None
        if source_dir is not None and not isinstance(sdir, str):
            return None
        if isinstance(sdir, str) and sdir.startswith("s3://"):
            return None
        rel = os.path.normpath(os.path.join(sdir or "", entry.value))
        for written, script in origin.written.items():
            if written == rel or os.path.basename(written) == rel:
                return script
        here = os.path.dirname(origin.path)
        for base in (here, os.getcwd()):
            candidate = os.path.join(base, rel)
            if os.path.isfile(candidate) and candidate.endswith(".py"):
                analysed = self.analyse(candidate, None)
                if analysed is None or not analysed.scripts:
                    return None
                return analysed.scripts[0]
        return None

    # -- the report --------------------------------------------------------------
    def report(self, files: dict[str, str | None]) -> CheckReport:
        analysed = [a for a in (self.analyse(p, t) for p, t in files.items()) if a is not None]
        findings: list[Finding] = []
        #: id(ScriptFacts) -> the verdicts of the launchers that run it
        linked: dict[int, list[Verdict]] = {}
        launchers = 0
        for item in analysed:
            findings += item.findings
            for launcher in item.launchers:
                launchers += 1
                script = self._entry_script(launcher, item)
                verdict = judge(launcher, self.m, script.uses_smddp if script else None)
                findings += verdict.findings
                if script is not None:
                    linked.setdefault(id(script), []).append(verdict)
        scripts = 0
        for item in [a for a in self.cache.values() if a is not None]:
            if item not in analysed:
                findings += item.findings
            for script in item.scripts:
                if not (script.uses_smddp or script.deprecated):
                    continue
                scripts += 1
                verdicts = linked.get(id(script), [])
                findings += self._script_findings(script, verdicts)
                findings += self._backend_findings(script, verdicts)
        unique = [f for f in set(findings) if selected(f.rule, self.select, self.ignore)]
        kept = sorted(
            self._filter(unique),
            key=lambda f: (
                f.location.path,
                f.location.cell or 0,
                f.location.line,
                f.location.column,
                f.rule,
                f.message,
            ),
        )
        return CheckReport(
            tuple(kept),
            files_checked=len(analysed),
            launchers=launchers,
            scripts=scripts,
            strict=self.strict,
            suppressed=len(unique) - len(kept),
        )

    def _script_findings(self, script: ScriptFacts, verdicts: list[Verdict]) -> list[Finding]:
        out: list[Finding] = []
        since = facts.deprecated_since(self.m)
        replacement = dict(self.deprecated)
        for location, api in script.deprecated:
            old = [
                v
                for v in verdicts
                if v.release is not None
                and since is not None
                and _version(v.release["smddp"]) < since
            ]
            if verdicts and len(old) == len(verdicts):
                continue  # every launcher runs an smddp older than the deprecation
            out.append(
                finding(
                    "SMDDP007",
                    f"{api} is deprecated"
                    + (
                        f" from smddp {since}, which works as a backend of PyTorch distributed"
                        if since
                        else ""
                    ),
                    location,
                    f"use {replacement.get(api, 'torch.distributed')} with "
                    'torch.distributed.init_process_group(backend="smddp") after '
                    "import smdistributed.dataparallel.torch.torch_smddp",
                    facts.deprecation_sources(self.m),
                )
            )
        return out

    def _backend_findings(self, script: ScriptFacts, verdicts: list[Verdict]) -> list[Finding]:
        out: list[Finding] = []
        if not script.backend:
            return out
        for v in verdicts:
            reason = None
            if v.smddp is None and v.launcher.kind != "model_trainer":
                continue
            if any(f.severity is Severity.ERROR for f in v.findings):
                continue  # the launcher's own error says why; one finding per cause
            if v.no_smddp_reason is not None:
                reason = v.no_smddp_reason
            elif v.launcher.kind == "tensorflow":
                reason = "it is a TensorFlow launcher: the smddp backend is PyTorch's"
            elif v.distribution in (None, "none"):
                reason = (
                    "it starts one process per instance (no distribution): nothing launches "
                    "the processes the smddp backend expects"
                )
            if reason is None:
                continue
            for location in script.backend:
                out.append(
                    finding(
                        "SMDDP008",
                        f'backend="smddp", but the launcher at {v.launcher.location} cannot '
                        f"provide it: {reason}",
                        location,
                        "launch it with "
                        + _SMDDP_FIX
                        + " on a framework version and instance type with smddp, or use "
                        'backend="nccl" with torch_distributed',
                        related=(v.launcher.location,),
                    )
                )
        return out

    def _filter(self, findings: list[Finding]) -> list[Finding]:
        out = []
        for f in findings:
            table = self._suppress_table(f.location)
            if table and is_suppressed(f.rule, f.location.line, table):
                continue
            out.append(f)
        return out

    def _suppress_table(self, location: Location) -> dict[int, frozenset[str]] | None:
        item = self.cache.get(os.path.normpath(location.path))
        if item is None:
            return None
        return item.suppress.get(location.cell)


_SMDDP_FIX = 'distribution={"smdistributed": {"dataparallel": {"enabled": True}}}'


def _version(text: str) -> Version:
    from packaging.version import Version

    return Version(text)


def _parse(text: str, filename: str) -> ast.Module | str:
    """The module's tree, or why it is not Python."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes in user code
            return ast.parse(text, filename=filename)
    except SyntaxError as exc:
        return f"{exc.msg}, line {exc.lineno}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"
