"""Reading a DLC image URI: account, region, DNS suffix, repository, tag, version, Python."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compat.check.values import Partial

_URI = re.compile(
    r"^(?:(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>[a-z0-9.-]+)/)?"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]*))?"
    r"(?:@sha256:[0-9a-f]+)?$"
)
_TAG_VERSION = re.compile(r"^(?P<base>\d+(?:\.\d+)+)(?:-transformers(?P<tf>\d+(?:\.\d+)+))?-")
_TAG_PYTHON = re.compile(r"-py(\d)(\d+)(?:-|$)")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """What a (possibly partly unknown) image URI says; None where it is not known."""

    text: str
    account: str | None
    region: str | None
    dns_suffix: str | None
    repository: str
    tag: str | None
    #: The version in the tag: the framework's, or for Hugging Face the base PyTorch's.
    version: str | None
    transformers: str | None
    python: str | None  # "3.9"
    ecr: bool  # an ECR URI (account.dkr.ecr.region.suffix/...)
    device: str | None  # gpu | cpu | None


def parse_image(value: str | Partial) -> ImageRef | None:
    """The parts of an image URI, or None when not even the repository and tag are known."""
    if isinstance(value, Partial):
        tail = value.known_suffix()
        if "/" not in tail:
            return None
        # the registry part is unknown: read the repository and tag after the last '/'
        # that follows the unknown piece (ECR repositories may contain '/').
        text = value.describe()
        host_end = tail.find("/")
        path = tail[host_end + 1 :]
        host = tail[:host_end]
        ecr = ".dkr.ecr." in text
        suffix = None
        if ecr and "." in host:
            after = text.split(".dkr.ecr.", 1)[1]
            parts = after.split("/", 1)[0].split(".", 1)
            if len(parts) == 2 and "{?}" not in parts[1]:
                suffix = parts[1]
        return _from_path(text, None, None, suffix, path, ecr)
    text = value.strip()
    match = _URI.match(text)
    if match is None:
        return None
    return _from_path(
        text,
        match.group("account"),
        match.group("region"),
        match.group("suffix"),
        match.group("repo") + (f":{match.group('tag')}" if match.group("tag") else ""),
        match.group("account") is not None,
    )


def _from_path(
    text: str,
    account: str | None,
    region: str | None,
    suffix: str | None,
    path: str,
    ecr: bool,
) -> ImageRef | None:
    repo, _, tag = path.partition(":")
    tag = tag.split("@", 1)[0]
    if not repo or not re.fullmatch(r"[a-z0-9][a-z0-9._/-]*", repo):
        return None
    version = transformers = python = device = None
    if tag:
        vm = _TAG_VERSION.match(tag)
        if vm:
            version, transformers = vm.group("base"), vm.group("tf")
        pm = _TAG_PYTHON.search(tag)
        if pm:
            python = f"{pm.group(1)}.{pm.group(2)}"
        if "-gpu-" in f"-{tag}-":
            device = "gpu"
        elif "-cpu-" in f"-{tag}-":
            device = "cpu"
    return ImageRef(
        text, account, region, suffix, repo, tag or None, version, transformers, python, ecr, device
    )
