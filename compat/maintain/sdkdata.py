"""Read the SageMaker Python SDK's image configs: the best-kept public record of DLC regions.

The SDK ships ``image_uri_config/pytorch.json``, ``tensorflow.json``,
``huggingface.json`` and ``pytorch-smp.json``: per image version, the regions
and registry account of each, the Python versions and the repository. This
module reads them from a directory, a single file, or an installed
``sagemaker`` package (found with :func:`importlib.util.find_spec`, never
imported: importing it takes seconds), checks their shape and returns plain
records. Anything unexpected is a :class:`~compat.errors.SdkDataError` that
names the file and the key path, so a maintainer sees what changed upstream.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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

    def has(self, kind: str) -> bool:
        return any(SDK_FILES[os.path.basename(f)] == kind for f in self.files)


def find_installed_sdk() -> str:
    """The image_uri_config directory of an installed ``sagemaker``, without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("sagemaker")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SdkNotFoundError(
            "no sagemaker package is installed in this environment",
            hint="name a directory or a file of the SDK's image_uri_config (pytorch.json, "
            "tensorflow.json, huggingface.json, pytorch-smp.json): smddp-compat import-sdk "
            "--from PATH, or smddp-compat verify --against-sdk PATH",
        )
    for base in spec.submodule_search_locations:
        for candidate in ("image_uri_config", os.path.join("core", "image_uri_config")):
            directory = os.path.join(base, candidate)
            if os.path.isfile(os.path.join(directory, "pytorch.json")):
                return directory
    raise SdkNotFoundError(
        f"the installed sagemaker package ({', '.join(spec.submodule_search_locations)}) has "
        "no image_uri_config/pytorch.json",
        hint="name the SDK's image_uri_config directory: smddp-compat import-sdk --from DIR, "
        "or smddp-compat verify --against-sdk DIR",
    )


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
    return data


def _read_file(file: str, data: SdkData) -> None:
    kind = SDK_FILES[os.path.basename(file)]
    doc = _load_json(file)
    root = _object(doc, file, "the top level")
    training = _object(root.get("training"), file, "training")
    versions = _object(training.get("versions"), file, "training.versions")
    if kind in ("pytorch", "tensorflow"):
        target = data.pytorch if kind == "pytorch" else data.tensorflow
        for key, entry in versions.items():
            path = f"training.versions[{json.dumps(key)}]"
            version = _version(key, file, path)
            target[version] = _image(entry, file, path)
    elif kind == "huggingface":
        for key, entry in versions.items():
            path = f"training.versions[{json.dumps(key)}]"
            transformers = _version(key, file, path)
            for base, image in _object(entry, file, path).items():
                if base == "version_aliases":
                    continue
                base_path = f"{path}[{json.dumps(base)}]"
                m = _HF_BASE_RE.match(base)
                if m is None:
                    raise _bad(file, base_path, "a key such as pytorch2.1.0 or tensorflow2.6.3")
                framework_version = _version(m["version"], file, base_path)
                if m["framework"] == "pytorch":
                    data.huggingface[(transformers, framework_version)] = _image(
                        image, file, base_path
                    )
    else:
        aliases = _object(training.get("version_aliases", {}), file, "training.version_aliases")
        for alias, target_key in aliases.items():
            if not isinstance(target_key, str):
                raise _bad(file, f"training.version_aliases[{json.dumps(alias)}]", "a string")
            data.smp_aliases[alias] = target_key
        for key, entry in versions.items():
            path = f"training.versions[{json.dumps(key)}]"
            version = _version(key, file, path)
            data.smp[version] = _image(entry, file, path)


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


def _image(entry: Any, file: str, path: str) -> SdkImage:
    obj = _object(entry, file, path)
    py = obj.get("py_versions")
    if not isinstance(py, list) or not all(isinstance(p, str) and _PY_RE.match(p) for p in py):
        raise _bad(file, f"{path}.py_versions", 'a list such as ["py310"]', py)
    registries = _object(obj.get("registries"), file, f"{path}.registries")
    for region, account in registries.items():
        where = f"{path}.registries[{json.dumps(region)}]"
        if not _REGION_RE.match(region):
            raise _bad(file, where, "a region name such as us-west-2 as the key")
        if not isinstance(account, str) or not _ACCOUNT_RE.match(account):
            raise _bad(file, where, "a 12-digit account id string", account)
    repository = obj.get("repository")
    if not isinstance(repository, str) or not repository:
        raise _bad(file, f"{path}.repository", "a repository name", repository)
    container = obj.get("container_version")
    gpu = None
    if container is not None:
        gpu = _object(container, file, f"{path}.container_version").get("gpu")
        if gpu is not None and not isinstance(gpu, str):
            raise _bad(file, f"{path}.container_version.gpu", "a string", gpu)
    return SdkImage(
        file=file,
        key_path=path,
        version=_last_version(path),
        py_versions=tuple(py),
        registries=dict(registries),
        repository=repository,
        container_version=gpu,
    )


def _last_version(path: str) -> Version:
    """The version in the last key of ``path`` (``...["pytorch2.1.0"]`` -> 2.1.0)."""
    key = json.loads(path[path.rindex("[") + 1 : -1])
    m = _HF_BASE_RE.match(key)
    return Version(m["version"] if m else key)
