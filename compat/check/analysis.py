"""Walk one module (or a notebook's cells, in order) and collect launchers and script facts.

One pass over the statements keeps an environment of known names (see
:mod:`compat.check.values`) and the import table, so that a call is judged
with the values its arguments held at that point. What is collected:

* launchers: SDK v2 estimators (``PyTorch``, ``TensorFlow``, ``HuggingFace``,
  ``Estimator``) and SDK v3 ``ModelTrainer``, however imported;
* script facts: ``backend="smddp"``, ``smdistributed.dataparallel`` imports
  and the deprecated smddp APIs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from compat.check.findings import Location
from compat.check.values import Evaluator, Struct, Unknown

#: SageMaker SDK classes that launch a training job: qualified name -> kind.
LAUNCHERS: dict[str, str] = {
    "sagemaker.pytorch.PyTorch": "pytorch",
    "sagemaker.pytorch.estimator.PyTorch": "pytorch",
    "sagemaker.tensorflow.TensorFlow": "tensorflow",
    "sagemaker.tensorflow.estimator.TensorFlow": "tensorflow",
    "sagemaker.huggingface.HuggingFace": "huggingface",
    "sagemaker.huggingface.estimator.HuggingFace": "huggingface",
    "sagemaker.estimator.Estimator": "estimator",
    "sagemaker.Estimator": "estimator",
    "sagemaker.train.ModelTrainer": "model_trainer",
    "sagemaker.train.model_trainer.ModelTrainer": "model_trainer",
    "sagemaker.modules.train.ModelTrainer": "model_trainer",
    "sagemaker.modules.train.model_trainer.ModelTrainer": "model_trainer",
}
#: SDK v3 config classes whose arguments the check reads.
STRUCTS: dict[str, str] = {
    f"{prefix}.{module}.{name}": name
    for prefix in ("sagemaker.train", "sagemaker.modules")
    for module, names in (
        ("configs", ("Compute", "SourceCode")),
        ("distributed", ("Torchrun", "MPI", "SMP")),
    )
    for name in names
}
#: The positional parameters of each launcher, in order (SDK v2 signatures).
POSITIONAL: dict[str, tuple[str, ...]] = {
    "pytorch": ("entry_point", "framework_version", "py_version", "source_dir"),
    "tensorflow": ("py_version", "framework_version"),
    "huggingface": ("py_version", "entry_point", "transformers_version", "tensorflow_version"),
    "estimator": ("image_uri", "role", "instance_count", "instance_type"),
    "model_trainer": (),
}
BACKEND_KEYWORDS = ("backend", "dist_backend", "process_group_backend")
SMDDP_MODULE = "smdistributed.dataparallel"


@dataclass(frozen=True, slots=True)
class Arg:
    """One launcher argument: its value (or Unknown) and where it is written."""

    value: Any
    location: Location


@dataclass(slots=True)
class Launcher:
    kind: str  # pytorch | tensorflow | huggingface | estimator | model_trainer
    name: str  # as written: PyTorch, smp.PyTorch
    location: Location
    args: dict[str, Arg] = field(default_factory=dict)
    #: A ``**mapping`` the check could not read: absent arguments are unknown, not absent.
    open_kwargs: Location | None = None

    def get(self, name: str) -> Arg | None:
        return self.args.get(name)


@dataclass(slots=True)
class ScriptFacts:
    """What a training script does with smddp."""

    backend: list[Location] = field(default_factory=list)
    imports: list[Location] = field(default_factory=list)
    #: (location, the deprecated API as written)
    deprecated: list[tuple[Location, str]] = field(default_factory=list)

    @property
    def uses_smddp(self) -> bool:
        return bool(self.backend or self.imports)


@dataclass(slots=True)
class Unit:
    """A piece of source analysed as one: a file, or a notebook cell (``cell``)."""

    tree: ast.Module
    path: str
    cell: int | None = None
    #: Added to every line number (a %%writefile cell's body starts on line 2).
    line_offset: int = 0
    #: A notebook cell's lines in the .ipynb file, where known.
    file_lines: tuple[int, ...] = ()


class Analyzer:
    """Collects launchers and script facts from units analysed in order."""

    def __init__(self, deprecated_apis: tuple[str, ...]) -> None:
        self.env: dict[str, Any] = {}
        self.imports: dict[str, str] = {}
        self.launchers: list[Launcher] = []
        self.script = ScriptFacts()
        self.deprecated_apis = deprecated_apis
        self._unit: Unit | None = None

    # -- entry ---------------------------------------------------------------
    def run(self, unit: Unit) -> None:
        self._unit = unit
        self._block(unit.tree.body, self.env)

    def loc(self, node: ast.AST) -> Location:
        unit = self._unit
        assert unit is not None
        line = getattr(node, "lineno", 1) + unit.line_offset
        column = getattr(node, "col_offset", 0) + 1
        file_line = unit.file_lines[line - 1] if 0 < line <= len(unit.file_lines) else None
        return Location(unit.path, line, column, unit.cell, file_line)

    # -- names ---------------------------------------------------------------
    def qualify(self, node: ast.expr) -> str | None:
        """The dotted name a call's function refers to through the imports, or None."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.imports.get(node.id)
        if base is None:
            if node.id == "dict" and not parts:
                return "dict"
            return None
        return ".".join([base, *reversed(parts)])

    def evaluator(self, env: dict[str, Any]) -> Evaluator:
        return Evaluator(env, self.qualify, STRUCTS)

    # -- statements ----------------------------------------------------------
    def _block(self, body: list[ast.stmt], env: dict[str, Any]) -> None:
        for stmt in body:
            self._stmt(stmt, env)

    def _stmt(self, stmt: ast.stmt, env: dict[str, Any]) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self._import(stmt)
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for expr in [*stmt.decorator_list, *stmt.args.defaults]:
                self._calls(expr, env)
            local = dict(env)
            for a in [*stmt.args.posonlyargs, *stmt.args.args, *stmt.args.kwonlyargs]:
                local[a.arg] = Unknown(f"{a.arg} is a parameter of {stmt.name}()")
            self._block(stmt.body, local)
            env[stmt.name] = Unknown(f"{stmt.name} is a function")
            return
        if isinstance(stmt, ast.ClassDef):
            self._block(stmt.body, dict(env))
            env[stmt.name] = Unknown(f"{stmt.name} is a class")
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._calls(item.context_expr, env)
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, Unknown("bound by a with statement"), env)
            self._block(stmt.body, env)
            return
        if isinstance(stmt, ast.If):
            self._calls(stmt.test, env)
            self._branches([stmt.body, stmt.orelse], env)
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            header = stmt.iter if isinstance(stmt, (ast.For, ast.AsyncFor)) else stmt.test
            self._calls(header, env)
            if isinstance(stmt, (ast.For, ast.AsyncFor)):
                self._bind(stmt.target, Unknown("bound by a for loop"), env)
            self._branches([stmt.body, stmt.orelse, []], env)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            handlers = [h.body for h in getattr(stmt, "handlers", [])]
            bodies = [getattr(stmt, "body", []), *handlers, getattr(stmt, "orelse", [])]
            self._branches(bodies, env)
            self._block(getattr(stmt, "finalbody", []), env)
            return
        if isinstance(stmt, ast.Match):
            self._calls(stmt.subject, env)
            self._branches([c.body for c in stmt.cases] + [[]], env)
            return
        self._calls(stmt, env)
        if isinstance(stmt, ast.Assign):
            value = self.evaluator(env).eval(stmt.value)
            for target in stmt.targets:
                self._bind(target, value, env)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._bind(stmt.target, self.evaluator(env).eval(stmt.value), env)
        elif isinstance(stmt, ast.AugAssign):
            value = self.evaluator(env).eval(ast.BinOp(stmt.target, stmt.op, stmt.value))
            if isinstance(stmt.target, ast.Name):
                env[stmt.target.id] = value
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    env.pop(target.id, None)

    def _branches(self, bodies: list[list[ast.stmt]], env: dict[str, Any]) -> None:
        """Run each body on a copy of ``env``; a name that any body changes, and that
        is not the same in every path, becomes unknown."""
        results = []
        for body in bodies:
            local = dict(env)
            self._block(body, local)
            results.append(local)
        names = {n for r in results for n in r}
        for name in names:
            values = [r.get(name, _MISSING) for r in results]
            first = values[0]
            if all(_same(v, first) for v in values[1:]) and first is not _MISSING:
                env[name] = first
            else:
                env[name] = Unknown(f"{name} is assigned in a branch (if, loop or try)")

    def _bind(self, target: ast.expr, value: Any, env: dict[str, Any]) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
            self.imports.pop(target.id, None)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value if isinstance(value, (list, tuple)) else None
            if items is not None and len(items) == len(target.elts):
                for elt, item in zip(target.elts, items, strict=True):
                    self._bind(elt, item, env)
            else:
                for elt in target.elts:
                    self._bind(elt, Unknown("bound by unpacking"), env)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, Unknown("bound by unpacking"), env)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            base = env.get(target.value.id)
            key = self.evaluator(env).eval(target.slice)
            if isinstance(base, dict) and isinstance(key, (str, int)):
                env[target.value.id] = {**base, key: value}
            elif isinstance(base, dict):
                env[target.value.id] = Unknown(f"{target.value.id} gets a computed key")

    # -- imports -------------------------------------------------------------
    def _import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.imports[top] = top
                self.env.pop(alias.asname or alias.name.split(".")[0], None)
                self._script_import(stmt, alias.name)
            return
        if stmt.level or stmt.module is None:
            return
        for alias in stmt.names:
            if alias.name == "*":
                continue
            self.imports[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
            self._script_import(stmt, f"{stmt.module}.{alias.name}", stmt.module)

    def _script_import(self, stmt: ast.stmt, name: str, module: str | None = None) -> None:
        from_module = module if module is not None else name
        if name != SMDDP_MODULE and not (
            from_module == SMDDP_MODULE or from_module.startswith(SMDDP_MODULE + ".")
        ):
            return
        self.script.imports.append(self.loc(stmt))
        for api in self.deprecated_apis:
            if name == api or name.startswith(api + "."):
                self.script.deprecated.append((self.loc(stmt), api))
                break
            # "from smdistributed.dataparallel.torch.parallel.distributed import X":
            # X is under the deprecated module's path too.
            parent, leaf = api.rsplit(".", 1)
            if name.startswith(parent + ".") and name.endswith("." + leaf):
                self.script.deprecated.append((self.loc(stmt), api))
                break

    # -- calls ---------------------------------------------------------------
    def _calls(self, node: ast.AST, env: dict[str, Any]) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                self._call(sub, env)

    def _call(self, call: ast.Call, env: dict[str, Any]) -> None:
        ev = self.evaluator(env)
        for kw in call.keywords:
            if kw.arg in BACKEND_KEYWORDS and ev.eval(kw.value) == "smddp":
                self.script.backend.append(self.loc(kw.value))
        if (
            call.args
            and _ends_with(call.func, "init_process_group")
            and ev.eval(call.args[0]) == "smddp"
        ):
            self.script.backend.append(self.loc(call.args[0]))
        name = self.qualify(call.func)
        kind = LAUNCHERS.get(name or "")
        if kind is None:
            return
        launcher = Launcher(kind, _written(call.func), self.loc(call))
        for param, value in zip(POSITIONAL[kind], call.args, strict=False):
            launcher.args[param] = Arg(ev.eval(value), self.loc(value))
        for kw in call.keywords:
            if kw.arg is not None:
                launcher.args[kw.arg] = Arg(ev.eval(kw.value), self.loc(kw.value))
                continue
            mapping = ev.eval(kw.value)
            if isinstance(mapping, dict):
                for key, item in mapping.items():
                    if isinstance(key, str) and key not in launcher.args:
                        launcher.args[key] = Arg(item, self.loc(kw.value))
            else:
                launcher.open_kwargs = self.loc(kw.value)
        if kind == "model_trainer":
            _flatten_trainer(launcher)
        self.launchers.append(launcher)


def _flatten_trainer(launcher: Launcher) -> None:
    """ModelTrainer's compute=Compute(...) and source_code=SourceCode(...) as plain args."""
    for key in ("compute", "source_code"):
        arg = launcher.args.get(key)
        if arg is None or not isinstance(arg.value, (Struct, dict)):
            continue
        values = arg.value.kwargs if isinstance(arg.value, Struct) else arg.value
        for name, value in values.items():
            if isinstance(name, str):
                launcher.args.setdefault(name, Arg(value, arg.location))
        if isinstance(arg.value, Struct) and arg.value.open_kwargs:
            launcher.open_kwargs = arg.location


_MISSING = Unknown("not assigned on every path")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return a is b
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:
        return False


def _ends_with(func: ast.expr, name: str) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == name
    return isinstance(func, ast.Name) and func.id == name


def _written(func: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))
