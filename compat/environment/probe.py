"""Look at the environment ``doctor`` runs in, without importing any framework.

Importing torch or tensorflow takes seconds and may need a GPU driver; the
installed versions are all in the packages' metadata, so they are read with
:mod:`importlib.metadata` instead. Every input (package search path,
environment variables, the SageMaker config directory, the Python version and
the ``nvcc`` runner) can be injected, so that tests build fake environments.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.metadata import Distribution

#: Distribution names doctor reports (normalized), in display order.
PACKAGES: tuple[str, ...] = (
    "torch",
    "tensorflow",
    "tensorflow-gpu",
    "tensorflow-cpu",
    "pytorch-lightning",
    "lightning",
    "lightning-bolts",
    "transformers",
    "smdistributed-dataparallel",
)
#: Where SageMaker puts a training job's files inside the container.
SAGEMAKER_ROOT = "/opt/ml"
_RESOURCE_CONFIG = ("input", "config", "resourceconfig.json")
_NVCC_TIMEOUT_SECONDS = 5.0
_LOCAL_CUDA_RE = re.compile(r"(?:^|[.+])cu(\d{2,3})(?:$|[.])")
_NVIDIA_RUNTIME_RE = re.compile(
    r"^nvidia[-_]cuda[-_]runtime[-_]cu(\d+)\s*(?:\(\s*)?==\s*(\d+)\.(\d+)", re.IGNORECASE
)
_NVCC_RE = re.compile(r"release (\d+)\.(\d+)")


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it (``Smdistributed_DataParallel`` too)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class Package:
    """One installed distribution: its name, version and where it was found."""

    name: str
    version: str
    location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "location": self.location}


@dataclass(frozen=True, slots=True)
class SageMakerInfo:
    """What a running SageMaker training job says about its cluster."""

    instance_type: str | None
    host_count: int | None
    current_host: str | None
    source: str  # which variables or file it was read from

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance_type": self.instance_type,
            "host_count": self.host_count,
            "current_host": self.current_host,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Environment:
    """Everything doctor found, before comparing it with the matrix."""

    python_version: str
    packages: dict[str, Package] = field(default_factory=dict)
    cuda_version: str | None = None
    cuda_source: str | None = None
    sagemaker: SageMakerInfo | None = None
    problems: tuple[str, ...] = ()  # what could not be read, and why

    def version_of(self, *names: str) -> str | None:
        """The version of the first of ``names`` that is installed."""
        for name in names:
            found = self.packages.get(normalize(name))
            if found is not None:
                return found.version
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "python_version": self.python_version,
            "packages": {k: v.version for k, v in self.packages.items()},
            "cuda_version": self.cuda_version,
            "cuda_source": self.cuda_source,
            "sagemaker": None if self.sagemaker is None else self.sagemaker.to_dict(),
            "problems": list(self.problems),
        }


NvccRunner = Callable[[], str | None]


def run_nvcc() -> str | None:
    """``nvcc --version`` output when nvcc is on PATH and answers quickly; else None."""
    exe = shutil.which("nvcc")
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, "--version"],
            capture_output=True,
            text=True,
            timeout=_NVCC_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def probe_environment(
    *,
    path: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    sagemaker_root: str = SAGEMAKER_ROOT,
    python_version: str | None = None,
    nvcc: NvccRunner | None = run_nvcc,
) -> Environment:
    """Probe the running environment (or the one that the arguments describe).

    ``path`` replaces ``sys.path`` as the places to look for installed
    packages; ``environ`` replaces ``os.environ``; ``nvcc`` is called only when
    the packages' metadata and ``CUDA_VERSION`` say nothing (None: never).
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []
    packages = find_packages(path, problems)
    cuda, cuda_source = cuda_from_packages(packages, path)
    if cuda is None and env.get("CUDA_VERSION"):
        cuda = _major_minor(env["CUDA_VERSION"])
        cuda_source = "CUDA_VERSION environment variable" if cuda else None
    if cuda is None and nvcc is not None:
        cuda = cuda_from_nvcc(nvcc())
        cuda_source = "nvcc --version" if cuda else None
    if python_version is None:
        python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Environment(
        python_version=python_version,
        packages=packages,
        cuda_version=cuda,
        cuda_source=cuda_source,
        sagemaker=sagemaker_info(env, sagemaker_root, problems),
        problems=tuple(problems),
    )


def _distributions(path: Sequence[str] | None) -> Iterable[Distribution]:
    from importlib import metadata

    if path is None:
        return metadata.distributions()
    return metadata.distributions(path=list(path))


def find_packages(path: Sequence[str] | None, problems: list[str]) -> dict[str, Package]:
    """The installed distributions doctor cares about; the first found on the path wins."""
    found: dict[str, Package] = {}
    for dist in _distributions(path):
        try:
            raw_name = dist.metadata["Name"]
            version = dist.version
        except Exception as exc:  # a broken METADATA file must not stop doctor
            problems.append(f"unreadable package metadata: {exc}")
            continue
        if not raw_name or not version:
            continue
        name = normalize(str(raw_name))
        if name in PACKAGES and name not in found:
            location = getattr(dist, "_path", None)
            found[name] = Package(name, str(version), None if location is None else str(location))
    return {name: found[name] for name in PACKAGES if name in found}


def cuda_from_packages(
    packages: Mapping[str, Package], path: Sequence[str] | None
) -> tuple[str | None, str | None]:
    """The CUDA version torch was built for: its ``+cuNNN`` local version, else its
    ``nvidia-cuda-runtime-cuXX`` requirement (PyPI wheels from torch 2.0 on)."""
    torch = packages.get("torch")
    if torch is None:
        return None, None
    cuda = cuda_from_local_version(torch.version)
    if cuda is not None:
        return cuda, f"torch {torch.version} (local version)"
    for requirement in _requirements_of("torch", path):
        match = _NVIDIA_RUNTIME_RE.match(requirement.strip())
        if match:
            return f"{int(match.group(2))}.{int(match.group(3))}", (
                f"torch {torch.version} requirement {requirement.split(';')[0].strip()}"
            )
    return None, None


def _requirements_of(name: str, path: Sequence[str] | None) -> list[str]:
    for dist in _distributions(path):
        try:
            if normalize(str(dist.metadata["Name"])) == name:
                return list(dist.requires or [])
        except Exception:
            continue
    return []


def cuda_from_local_version(version: str) -> str | None:
    """``1.13.1+cu117`` -> ``11.7``; ``2.1.0+cu121`` -> ``12.1``; ``2.0.1+cpu`` -> None."""
    _, _, local = version.partition("+")
    if not local:
        return None
    match = _LOCAL_CUDA_RE.search(local)
    if match is None:
        return None
    digits = match.group(1)
    return f"{int(digits[:-1])}.{int(digits[-1])}"


def cuda_from_nvcc(output: str | None) -> str | None:
    """``Cuda compilation tools, release 11.7, V11.7.99`` -> ``11.7``."""
    if not output:
        return None
    match = _NVCC_RE.search(output)
    return None if match is None else f"{int(match.group(1))}.{int(match.group(2))}"


def _major_minor(text: str) -> str | None:
    match = re.match(r"^\s*(\d+)\.(\d+)", text)
    return None if match is None else f"{int(match.group(1))}.{int(match.group(2))}"


def sagemaker_info(
    environ: Mapping[str, str], root: str, problems: list[str]
) -> SageMakerInfo | None:
    """The instance type and host count of a SageMaker training job, or None elsewhere.

    The ``SM_*`` variables (set by the SageMaker training toolkit) come first;
    ``{root}/input/config/resourceconfig.json`` (written by SageMaker itself)
    fills in what they leave out.
    """
    instance_type = environ.get("SM_CURRENT_INSTANCE_TYPE") or None
    current_host = environ.get("SM_CURRENT_HOST") or None
    hosts = _host_list(environ.get("SM_HOSTS"), "SM_HOSTS", problems)
    sources = [name for name in ("SM_CURRENT_INSTANCE_TYPE", "SM_HOSTS") if environ.get(name)]
    config = _resource_config(root, problems)
    if config is not None:
        used = False
        if instance_type is None and isinstance(config.get("current_instance_type"), str):
            instance_type = config["current_instance_type"]
            used = True
        if hosts is None and isinstance(config.get("hosts"), list):
            hosts = [str(h) for h in config["hosts"]]
            used = True
        if current_host is None and isinstance(config.get("current_host"), str):
            current_host = config["current_host"]
            used = True
        if used:
            sources.append(os.path.join(root, *_RESOURCE_CONFIG))
    if instance_type is None and hosts is None:
        return None
    return SageMakerInfo(
        instance_type=instance_type,
        host_count=None if hosts is None else len(hosts),
        current_host=current_host,
        source=", ".join(sources),
    )


def _host_list(text: str | None, name: str, problems: list[str]) -> list[str] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, list):
        problems.append(f"{name} is not a JSON list: {text[:80]!r}")
        return None
    return [str(v) for v in value]


def _resource_config(root: str, problems: list[str]) -> dict[str, Any] | None:
    file = os.path.join(root, *_RESOURCE_CONFIG)
    try:
        with open(file, encoding="utf-8") as fh:
            value = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        problems.append(f"{file} cannot be read: {exc}")
        return None
    if not isinstance(value, dict):
        problems.append(f"{file} does not hold a JSON object")
        return None
    return value
