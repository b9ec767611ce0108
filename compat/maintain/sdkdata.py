"""Read the SageMaker Python SDK's image configs: the best-kept public record of DLC regions.

The SDK ships ``image_uri_config/pytorch.json``, ``tensorflow.json``,
``huggingface.json`` and ``pytorch-smp.json``: per image version, the regions
and registry account of each, the Python versions and the repository; and
``fw_utils.py``, whose lists say which framework versions its smdistributed and
torch_distributed checks accept. This module reads them from a directory, a
single file, or an installed SDK of either generation (``sagemaker-core``'s
``sagemaker/core/``, which SDK v3 reads, or ``sagemaker`` 2.x), found on
``sys.path`` and never imported (importing takes seconds and runs its code;
``fw_utils.py`` is read with :mod:`ast`). It reads every shape the real files
have had (entries keyed ``py2``/``py3``, ``version_aliases``, ``processors``, a
``scope`` list, missing ``py_versions``, ``container_version``); an entry of a
shape it cannot read is skipped with a warning naming the file and key path.
Only a file that is not JSON, or whose top level is not the SDK's, is a
:class:`~compat.errors.SdkDataError`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from packaging.version import InvalidVersion, Version

from compat.errors import SdkDataError, SdkNotFoundError

#: The files read, by what they describe.
SDK_FILES: dict[str, str] = {
    "pytorch.json": "pytorch",
    "tensorflow.json": "tensorflow",
    "huggingface.json": "huggingface",
    "pytorch-smp.json": "pytorch-smp",
}
#: The SDK's files are about 100 KB; anything far larger is not one of them.
MAX_FILE_BYTES = 8 * 1024 * 1024
_REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]$")
_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
_PY_RE = re.compile(r"^py[0-9]+$")
_HF_BASE_RE = re.compile(r"^(?P<framework>pytorch|tensorflow)(?P<version>[0-9].*)$")


@dataclass(frozen=True, slots=True)
class SdkImage:
    """One image version of one SDK file: where it is published and how it is tagged."""

    file: str
    key_path: str
    version: Version
    py_versions: tuple[str, ...]
    registries: Mapping[str, str]
    repository: str
    container_version: str | None = None  # the "gpu" entry, such as cu121-ubuntu20.04

    @property
    def where(self) -> str:
        return f"{os.path.basename(self.file)}: {self.key_path}"


@dataclass(frozen=True, slots=True)
class SdkLists:
    """The framework versions fw_utils.py accepts, exactly as the SDK spells them.

    The SDK checks membership of the string the user passes, so "2.3" and
    "2.3.1" are separate entries.
    """

    file: str
    #: framework -> SM_DATAPARALLEL_SUPPORTED_FRAMEWORK_VERSIONS[framework]
    smdistributed: Mapping[str, tuple[str, ...]]
    #: TORCH_DISTRIBUTED_GPU_SUPPORTED_FRAMEWORK_VERSIONS (PyTorch on GPU instances)
    torch_distributed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SdkData:
    """The training images of the SDK files found at ``location``."""

    location: str
    files: tuple[str, ...]
    missing: tuple[str, ...]
    pytorch: dict[Version, SdkImage] = field(default_factory=dict)
    tensorflow: dict[Version, SdkImage] = field(default_factory=dict)
    #: (transformers version, PyTorch version) -> image
    huggingface: dict[tuple[Version, Version], SdkImage] = field(default_factory=dict)
    #: SMP image key (an SMP or PyTorch version, as the SDK writes it) -> image
    smp: dict[Version, SdkImage] = field(default_factory=dict)
    #: PyTorch version -> SMP image key (pytorch-smp.json's version_aliases)
    smp_aliases: dict[str, str] = field(default_factory=dict)
    #: Per kind: training.version_aliases (such as "2.9" -> "2.9.2").
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Per kind: every framework_version the training scope accepts (keys and aliases).
    training_versions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Entries skipped or values ignored, each naming the file and key path.
    warnings: list[str] = field(default_factory=list)
    #: fw_utils.py's framework lists (read as text), where that file was found.
    lists: SdkLists | None = None
    #: The SDK's distribution and version, such as "sagemaker 2.257.7", where known.
    package: str | None = None

    def has(self, kind: str) -> bool:
        return any(SDK_FILES[os.path.basename(f)] == kind for f in self.files)


def find_installed_sdk() -> str:
    """The image_uri_config directory of an installed SDK, without importing it.

    ``sagemaker.core`` (the ``sagemaker-core`` distribution, which SDK v3 reads
    its configs from) is tried first, then ``sagemaker`` 2.x's own directory.
    Packages are located from ``sys.path`` (``importlib.machinery.PathFinder``), so
    no ``__init__.py`` runs.
    """
    import sys

    tried: list[str] = []
    for entry in sys.path:
        base = os.path.join(entry or ".", "sagemaker")
        if not os.path.isdir(base):
            continue
        for candidate in (
            os.path.join(base, "core", "image_uri_config"),
            os.path.join(base, "image_uri_config"),
        ):
            if os.path.isfile(os.path.join(candidate, "pytorch.json")):
                return candidate
        tried.append(base)
    if not tried:
        raise SdkNotFoundError(
            "no SageMaker SDK is installed in this environment (neither sagemaker-core's "
            "sagemaker.core nor sagemaker 2.x)",
            hint="name a directory or a file of the SDK's image_uri_config (pytorch.json, "
            "tensorflow.json, huggingface.json, pytorch-smp.json): smddp-compat import-sdk "
            "--from PATH, or smddp-compat verify --against-sdk PATH; or pip download "
            "--no-deps sagemaker-core and unzip it",
        )
    raise SdkNotFoundError(
        f"the installed sagemaker package ({', '.join(tried) or 'found on sys.path'}) has "
        "neither core/image_uri_config/pytorch.json nor image_uri_config/pytorch.json",
        hint="name the SDK's image_uri_config directory: smddp-compat import-sdk --from DIR, "
        "or smddp-compat verify --against-sdk DIR",
    )


def _package_of(location: str) -> str | None:
    """ "sagemaker-core 2.27.0" or "sagemaker 2.257.7" for a config directory, where a
    dist-info directory or a wheel name beside the package says so."""
    parts = os.path.abspath(location).split(os.sep)
    if "sagemaker" not in parts:
        return None
    top = os.sep.join(parts[: len(parts) - parts[::-1].index("sagemaker") - 1]) or os.sep
    dist = "sagemaker_core" if "core" in parts[len(top.split(os.sep)) :] else "sagemaker"
    try:
        names = os.listdir(top)
    except OSError:
        return None
    for name in sorted(names):
        m = re.match(rf"^{dist}-([0-9][^-]*)\.dist-info$", name)
        if m:
            return f"{dist.replace('_', '-')} {m[1]}"
    m = re.match(rf"^{dist}-([0-9][^-]*)$", os.path.basename(top))  # an unzipped wheel's folder
    return f"{dist.replace('_', '-')} {m[1]}" if m else None


def read_sdk(path: str | None = None) -> SdkData:
    """The SDK's image configs from ``path`` (a directory or one file), or the installed SDK."""
    location = find_installed_sdk() if path is None else path
    if os.path.isdir(location):
        found = [os.path.join(location, name) for name in SDK_FILES]
        files = [f for f in found if os.path.isfile(f)]
        if not files:
            raise SdkNotFoundError(
                f"{location}: none of {', '.join(SDK_FILES)} is there",
                hint="name the SDK's src/sagemaker/image_uri_config directory: smddp-compat "
                "import-sdk --from DIR, or smddp-compat verify --against-sdk DIR",
            )
    elif os.path.isfile(location):
        if os.path.basename(location) not in SDK_FILES:
            raise SdkDataError(
                f"{location}: not one of the SDK files read ({', '.join(SDK_FILES)})",
                hint="name the file as the SDK does, or pass its directory",
            )
        files = [location]
    else:
        raise SdkNotFoundError(f"{location}: no such file or directory")
    read = {os.path.basename(f) for f in files}
    data = SdkData(
        location=location,
        files=tuple(files),
        missing=tuple(name for name in SDK_FILES if name not in read),
    )
    for file in files:
        _read_file(file, data)
    config_dir = location if os.path.isdir(location) else os.path.dirname(location)
    fw_utils = find_fw_utils(config_dir)
    lists = read_fw_utils(fw_utils, data.warnings) if fw_utils else None
    if lists is None and os.path.isdir(location):
        data.warnings.append(
            f"{location}: no fw_utils.py beside it (in its parent directory); the SDK's "
            "smdistributed and torch_distributed version lists are not compared"
        )
    return replace(data, lists=lists, package=_package_of(location))


def find_fw_utils(config_dir: str) -> str | None:
    """fw_utils.py of the SDK whose image_uri_config is ``config_dir``: its parent's."""
    for candidate in (
        os.path.join(os.path.dirname(os.path.abspath(config_dir)), "fw_utils.py"),
        os.path.join(config_dir, "fw_utils.py"),
    ):
        if os.path.isfile(candidate):
            return candidate
    return None


_SMDISTRIBUTED = "SM_DATAPARALLEL_SUPPORTED_FRAMEWORK_VERSIONS"
_TORCH_DISTRIBUTED = "TORCH_DISTRIBUTED_GPU_SUPPORTED_FRAMEWORK_VERSIONS"


def read_fw_utils(file: str, warnings: list[str]) -> SdkLists | None:
    """The SDK's smdistributed and torch_distributed lists, read with :mod:`ast` (never
    imported: importing the SDK takes seconds and runs its code)."""
    import ast

    try:
        with open(file, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError("too large")
        tree = ast.parse(raw, filename=file)
    except (OSError, ValueError, SyntaxError, RecursionError) as exc:
        warnings.append(f"{file}: cannot be read as Python ({exc}); its version lists are skipped")
        return None
    found: dict[str, Any] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id in (_SMDISTRIBUTED, _TORCH_DISTRIBUTED):
                try:
                    found[target.id] = ast.literal_eval(value) if value is not None else None
                except ValueError:
                    warnings.append(f"{file}: {target.id}: not a literal; skipped")
    smdistributed: dict[str, tuple[str, ...]] = {}
    value = found.get(_SMDISTRIBUTED)
    if isinstance(value, dict):
        for framework, versions in value.items():
            if isinstance(framework, str) and isinstance(versions, list | tuple):
                smdistributed[framework] = tuple(v for v in versions if isinstance(v, str))
            else:
                warnings.append(f"{file}: {_SMDISTRIBUTED}[{framework!r}]: not a list; skipped")
    else:
        warnings.append(f"{file}: {_SMDISTRIBUTED}: not found as a dict literal")
    torch = found.get(_TORCH_DISTRIBUTED)
    if not isinstance(torch, list | tuple):
        warnings.append(f"{file}: {_TORCH_DISTRIBUTED}: not found as a list literal")
        torch = ()
    return SdkLists(
        file=file,
        smdistributed=smdistributed,
        torch_distributed=tuple(v for v in torch if isinstance(v, str)),
    )


def _read_file(file: str, data: SdkData) -> None:
    """Read one file; an entry of a shape this tool does not read is skipped with a warning.

    Only a file that is not JSON, or whose top level is not the SDK's (an object
    with a ``training`` scope holding ``versions``), is an error.
    """
    kind = SDK_FILES[os.path.basename(file)]
    doc = _load_json(file)
    root = _object(doc, file, "the top level")
    training_value = root.get("training")
    if training_value is None and "training" in _scopes(root.get("scope")):
        training_value = root  # an older file: {"scope": ["training", ...], "versions": ...}
    training = _object(training_value, file, "training")
    versions = _object(training.get("versions"), file, "training.versions")
    warn = data.warnings.append
    aliases = training.get("version_aliases", {})
    if not isinstance(aliases, dict):
        warn(f"{file}: training.version_aliases: expected an object; aliases not read")
        aliases = {}
    good_aliases: dict[str, str] = {}
    for alias, target_key in aliases.items():
        if isinstance(target_key, str):
            good_aliases[alias] = target_key
        else:
            warn(
                f"{file}: training.version_aliases[{json.dumps(alias)}]: expected a string; skipped"
            )
    data.aliases[kind] = good_aliases
    if kind == "pytorch-smp":
        data.smp_aliases.update(good_aliases)
    data.training_versions[kind] = tuple(versions) + tuple(good_aliases)
    for key, entry in versions.items():
        path = f"training.versions[{json.dumps(key)}]"
        try:
            if kind == "huggingface":
                _read_huggingface(key, entry, file, path, data)
                continue
            version = _version(key, file, path)
            image = _image(entry, file, path, warn)
        except SdkDataError as exc:
            warn(f"skipped {exc.message}")
            continue
        if kind == "pytorch":
            data.pytorch[version] = image
        elif kind == "tensorflow":
            data.tensorflow[version] = image
        else:
            data.smp[version] = image


def _scopes(value: Any) -> list[str]:
    return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


def _read_huggingface(key: str, entry: Any, file: str, path: str, data: SdkData) -> None:
    transformers = _version(key, file, path)
    for base, image in _object(entry, file, path).items():
        if base == "version_aliases":
            continue
        base_path = f"{path}[{json.dumps(base)}]"
        m = _HF_BASE_RE.match(base)
        if m is None:
            data.warnings.append(
                f"skipped {file}: {base_path}: expected a key such as pytorch2.1.0 or "
                "tensorflow2.6.3"
            )
            continue
        try:
            framework_version = _version(m["version"], file, base_path)
            read = _image(image, file, base_path, data.warnings.append)
        except SdkDataError as exc:
            data.warnings.append(f"skipped {exc.message}")
            continue
        if m["framework"] == "pytorch":
            data.huggingface[(transformers, framework_version)] = read


def _load_json(file: str) -> Any:
    try:
        with open(file, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SdkDataError(f"{file}: cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SdkDataError(
            f"{file}: larger than {MAX_FILE_BYTES // 1024 // 1024} MiB; not an SDK image config"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdkDataError(f"{file}: not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SdkDataError(
            f"{file}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}",
            hint="pass the SDK's image_uri_config files unchanged",
        ) from None
    except RecursionError:
        raise SdkDataError(f"{file}: not JSON this tool reads: nested too deeply") from None


_MISSING: Any = object()


def _bad(file: str, path: str, expected: str, value: Any = _MISSING) -> SdkDataError:
    where = f"{file}: {path}" if path else file
    if value is _MISSING:
        got = ""
    elif value is None:
        got = " (missing)"
    else:
        got = f" (got {type(value).__name__} {json.dumps(value)[:40]})"
    return SdkDataError(
        f"{where}: expected {expected}{got}",
        hint="the SDK's file has a shape this tool does not know; check the file, or report it",
    )


def _object(value: Any, file: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(file, path, "an object", value)
    return value


def _version(text: str, file: str, path: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise SdkDataError(
            f"{file}: {path}: {text!r} is not a version",
            hint="the SDK writes versions such as 2.1.0",
        ) from None


def _image(
    entry: Any, file: str, path: str, warn: Callable[[str], None], version: Version | None = None
) -> SdkImage:
    """One image entry. Entries keyed by Python version (``py2``/``py3``, older
    TensorFlow and PyTorch images) are read as one image whose Python versions are
    those keys and whose registries are the newest Python's."""
    obj = _object(entry, file, path)
    per_python = {k: v for k, v in obj.items() if _PY_RE.match(k) and isinstance(v, dict)}
    if per_python and "registries" not in obj:
        newest = max(per_python, key=lambda k: int(k[2:]))
        inner = _image(per_python[newest], file, f"{path}.{newest}", warn, _last_version(path))
        return SdkImage(
            file=inner.file,
            key_path=path,
            version=_last_version(path),
            py_versions=tuple(sorted(per_python, key=lambda k: int(k[2:]))),
            registries=inner.registries,
            repository=inner.repository,
            container_version=inner.container_version,
        )
    py = obj.get("py_versions", [])
    if not isinstance(py, list) or not all(isinstance(p, str) and _PY_RE.match(p) for p in py):
        warn(f'{file}: {path}.py_versions: expected a list such as ["py310"]; ignored')
        py = []
    registries = _object(obj.get("registries"), file, f"{path}.registries")
    good: dict[str, str] = {}
    for region, account in registries.items():
        where = f"{path}.registries[{json.dumps(region)}]"
        if not _REGION_RE.match(region):
            warn(f"{file}: {where}: expected a region name such as us-west-2; skipped")
        elif not isinstance(account, str) or not _ACCOUNT_RE.match(account):
            warn(f"{file}: {where}: expected a 12-digit account id string; skipped")
        else:
            good[region] = account
    repository = obj.get("repository")
    if not isinstance(repository, str) or not repository:
        raise _bad(file, f"{path}.repository", "a repository name", repository)
    container = obj.get("container_version")
    gpu = None
    if isinstance(container, dict):
        gpu = container.get("gpu")
        if gpu is not None and not isinstance(gpu, str):
            warn(f"{file}: {path}.container_version.gpu: expected a string; ignored")
            gpu = None
    elif container is not None:
        warn(f"{file}: {path}.container_version: expected an object; ignored")
    return SdkImage(
        file=file,
        key_path=path,
        version=version if version is not None else _last_version(path),
        py_versions=tuple(py),
        registries=good,
        repository=repository,
        container_version=gpu,
    )


def _last_version(path: str) -> Version:
    """The version in the last key of ``path`` (``...["pytorch2.1.0"]`` -> 2.1.0)."""
    key = json.loads(path[path.rindex("[") + 1 : -1])
    m = _HF_BASE_RE.match(key)
    return Version(m["version"] if m else key)
