"""Prove that every image and wheel the matrix hands out is well formed, and exists.

Offline, every image URI and wheel URL that ``resolve`` can return (for every
region, or one) is rebuilt through the same code users run and checked for
form and for agreement with its row: the region and DNS suffix in the host,
the framework version, Python and CUDA in the tag, the smddp version and
``cp`` tag in the wheel file name. Online, each wheel URL gets an HTTP HEAD
(bounded concurrency, timeouts, retries with backoff) and each image tag is
looked up in ECR (``describe_images`` with the registry id, in the region).
A failure is recorded against its item and never stops the run. The HTTP
opener and the ECR client are injected, so tests use a loopback server and
botocore's Stubber.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from compat.exit_codes import ExitCode
from compat.matrix.naming import HF_TAG_RE, WHEEL_RE, cuda_tag

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.results import Resolution

ECR_HOST_RE = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>[a-z0-9.-]+)$"
)
ECR_REPOSITORY_RE = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
ECR_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_TAG_PARTS_RE = re.compile(r"-py(?P<py>[0-9]+)-cu(?P<cu>[0-9]+)")
#: ECR error codes that mean "not there", not "could not ask".
_MISSING_CODES = frozenset({"ImageNotFoundException", "RepositoryNotFoundException"})
_RETRY_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "ServiceUnavailable", "InternalFailure"}
)

#: HEAD a URL with a timeout and return the HTTP status; raise OSError on network failure.
HeadFunc = Callable[[str, float], int]


@dataclass(frozen=True, slots=True)
class Artifact:
    """One URI to check, and the matrix entries that hand it out."""

    kind: str  # wheel | image | smp-image
    uri: str
    entries: tuple[str, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArtifactCheck:
    """The verdict on one image or wheel the matrix hands out (``verify``)."""

    kind: str
    uri: str
    entries: tuple[str, ...]
    status: str  # ok | malformed | missing | error | unchecked
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "uri": self.uri,
            "entries": list(self.entries),
            "status": self.status,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class VerifyReport:
    matrix: str
    region: str | None
    online: bool
    checks: tuple[ArtifactCheck, ...]

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def exit_code(self) -> ExitCode:
        """7 when an artifact is malformed or missing, 6 when one could not be checked."""
        if self.count("malformed") or self.count("missing"):
            return ExitCode.INVALID_MATRIX
        if self.count("error"):
            return ExitCode.AWS
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        statuses = ("ok", "malformed", "missing", "error", "unchecked")
        return {
            "matrix": self.matrix,
            "region": self.region,
            "online": self.online,
            "counts": {s: self.count(s) for s in statuses},
            "checks": [c.to_dict() for c in self.checks],
        }

    def summary(self) -> str:
        kinds = {c.kind for c in self.checks}
        sizes = ", ".join(
            f"{sum(1 for c in self.checks if c.kind == k)} {k}s" for k in sorted(kinds)
        )
        mode = "online" if self.online else "offline"
        where = f" in {self.region}" if self.region else " in every region"
        statuses = ("ok", "malformed", "missing", "error", "unchecked")
        counts = ", ".join(f"{self.count(s)} {s}" for s in statuses if self.count(s))
        return f"verify ({mode}{where}): {sizes or 'nothing'} checked: {counts or 'none'}"

    def to_text(self) -> str:
        from compat.render.text import table

        bad = [c for c in self.checks if c.status != "ok"]
        parts = []
        if bad:
            parts.append(
                table(
                    ["status", "kind", "uri", "entries", "detail"],
                    [[c.status, c.kind, c.uri, ", ".join(c.entries), c.detail] for c in bad],
                )
            )
        parts.append(self.summary())
        return "\n".join(parts)


# --- offline: form and consistency -------------------------------------------------


def _image_problems(uri: str, res: Resolution, expect_account: str | None) -> list[str]:
    host, _, rest = uri.partition("/")
    repository, _, tag = rest.rpartition(":")
    m = ECR_HOST_RE.match(host)
    problems: list[str] = []
    if m is None:
        return [f"host {host!r} is not {{account}}.dkr.ecr.{{region}}.{{dns_suffix}}"]
    if m["region"] != res.region:
        problems.append(f"the host names region {m['region']}, not {res.region}")
    if expect_account is not None and m["account"] != expect_account:
        problems.append(f"account {m['account']} is not the registry's {expect_account}")
    if not ECR_REPOSITORY_RE.match(repository):
        problems.append(f"repository {repository!r} is not a valid ECR repository name")
    if not ECR_TAG_RE.match(tag):
        problems.append(f"tag {tag!r} is not a valid image tag")
        return problems
    parts = _TAG_PARTS_RE.search(tag)
    if parts is None:
        problems.append(f"tag {tag!r} names no -py{{XY}}-cu{{NNN}}")
    else:
        if res.py_version and "py" + parts["py"] != res.py_version:
            problems.append(f"tag {tag!r} is py{parts['py']}, the row {res.py_version}")
        if res.cuda_version and parts["cu"] != cuda_tag(res.cuda_version):
            problems.append(f"tag {tag!r} is cu{parts['cu']}, the row CUDA {res.cuda_version}")
    return problems


def _framework_tag_problems(tag: str, res: Resolution) -> list[str]:
    if res.framework == "huggingface":
        m = HF_TAG_RE.match(tag)
        if m is None or m["version"] != res.framework_version:
            return [f"tag {tag!r} is not for transformers {res.framework_version}"]
        if m["pytorch"] != res.base_framework_version:
            return [f"tag {tag!r} is not on PyTorch {res.base_framework_version}"]
        return []
    version = res.base_framework_version or res.framework_version
    if not tag.startswith(f"{version}-"):
        return [f"tag {tag!r} does not start with the framework version {version}"]
    return []


def wheel_path(url_path: str) -> str:
    """The wheel's path below the base URL: ``{framework}/{version}/cu{NNN}/{date}/<file>``,
    or without the date folder (the TensorFlow wheels the DLC Dockerfiles show)."""
    segments = url_path.split("/")
    for count in (5, 4):
        tail = "/".join(segments[-count:])
        if WHEEL_RE.match(tail):
            return tail
    return "/".join(segments[-5:])


def wheel_problems(url: str, smddp: str | None, py_version: str | None) -> list[str]:
    """What is wrong with a wheel URL, on its own and against its row."""
    if any(c.isspace() for c in url):
        return ["the URL contains whitespace"]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        return ["the URL is not https://host/..."]
    if parts.query or parts.fragment:
        return ["the URL has a query or fragment"]
    if "//" in parts.path:
        return ["the URL path has an empty segment (//)"]
    m = WHEEL_RE.match(wheel_path(parts.path))
    if m is None:
        return ["the path does not end in {framework}/{version}/cu{NNN}/{date}/<wheel file>"]
    problems = []
    if smddp is not None and m["smddp"] != smddp:
        problems.append(f"the wheel is smddp {m['smddp']}, the row {smddp}")
    if py_version is not None and "py" + m["cp"] != py_version:
        problems.append(f"the wheel is cp{m['cp']}, the row {py_version}")
    return problems


def collect_artifacts(matrix: Matrix, regions: Sequence[str]) -> list[Artifact]:
    """Every distinct image and wheel that ``resolve`` hands out in ``regions``."""
    from compat.resolver import resolve_all

    smp = matrix.compiled["smp"]
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

    def add(kind: str, uri: str, entry: str, problems: list[str]) -> None:
        entries, seen = found.setdefault((kind, uri), ([], []))
        if entry not in entries:
            entries.append(entry)
        seen.extend(p for p in problems if p not in seen)

    for region in regions:
        account = matrix.region(region)["account"]
        for res in resolve_all(None, region, matrix=matrix):
            entry = f"{res.framework} {res.framework_version}"
            if res.image_uri is not None:
                problems = _image_problems(res.image_uri, res, account)
                problems += _framework_tag_problems(res.image_tag or "", res)
                add("image", res.image_uri, entry, problems)
            if res.smp_image_uri is not None:
                add(
                    "smp-image",
                    res.smp_image_uri,
                    entry,
                    _image_problems(res.smp_image_uri, res, smp["account"]),
                )
            if res.binary_url is not None:
                add(
                    "wheel",
                    res.binary_url,
                    entry,
                    wheel_problems(res.binary_url, res.smddp_version, res.py_version),
                )
    return [
        Artifact(kind, uri, tuple(entries), tuple(problems))
        for (kind, uri), (entries, problems) in found.items()
    ]


# --- online: HEAD and ECR -----------------------------------------------------------


def http_head(url: str, timeout: float) -> int:
    """HEAD ``url`` with urllib; the HTTP status (errors included), OSError on failure."""
    import urllib.error
    import urllib.request

    from compat._version import __version__

    request = urllib.request.Request(
        url, method="HEAD", headers={"User-Agent": f"smddp-compat/{__version__} verify"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass
class Online:
    """How to reach the artifacts: everything injectable for tests."""

    head: HeadFunc = http_head
    ecr_client: Any = None
    wheel_base_url: str | None = None  # send HEADs here instead (a mirror, a test server)
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    concurrency: int = 8
    sleep: Callable[[float], None] = field(default=time.sleep)


def _retry_wait(online: Online, attempt: int) -> None:
    if attempt < online.retries:
        online.sleep(online.backoff * (2**attempt))


def check_wheel(art: Artifact, online: Online) -> ArtifactCheck:
    url = art.uri
    if online.wheel_base_url is not None:
        url = online.wheel_base_url + wheel_path(urlsplit(art.uri).path)
    last = ""
    for attempt in range(online.retries + 1):
        try:
            status = online.head(url, online.timeout)
        except OSError as exc:  # URLError, timeouts and refused connections are OSErrors
            last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        else:
            if 200 <= status < 300:
                return ArtifactCheck(art.kind, art.uri, art.entries, "ok", f"HTTP {status}")
            if status in (403, 404, 410):
                return ArtifactCheck(art.kind, art.uri, art.entries, "missing", f"HTTP {status}")
            last = f"HTTP {status}"
            if status != 429 and status < 500:
                return ArtifactCheck(art.kind, art.uri, art.entries, "error", last)
        _retry_wait(online, attempt)
    return ArtifactCheck(
        art.kind, art.uri, art.entries, "error", f"{last} (after {online.retries + 1} attempts)"
    )


def check_image(art: Artifact, online: Online) -> ArtifactCheck:
    from botocore.exceptions import BotoCoreError, ClientError

    host, _, rest = art.uri.partition("/")
    repository, _, tag = rest.rpartition(":")
    registry = host.split(".", 1)[0]
    last = ""
    for attempt in range(online.retries + 1):
        try:
            online.ecr_client.describe_images(
                registryId=registry, repositoryName=repository, imageIds=[{"imageTag": tag}]
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "ClientError"))
            last = f"{code}: {error.get('Message', '')}".rstrip(": ")
            if code in _MISSING_CODES:
                return ArtifactCheck(art.kind, art.uri, art.entries, "missing", last)
            if code not in _RETRY_CODES:
                return ArtifactCheck(art.kind, art.uri, art.entries, "error", last)
        except BotoCoreError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            return ArtifactCheck(art.kind, art.uri, art.entries, "ok", "found in ECR")
        _retry_wait(online, attempt)
    return ArtifactCheck(
        art.kind, art.uri, art.entries, "error", f"{last} (after {online.retries + 1} attempts)"
    )


def _check_online(art: Artifact, online: Online) -> ArtifactCheck:
    try:
        if art.kind == "wheel":
            return check_wheel(art, online)
        return check_image(art, online)
    except Exception as exc:  # one item's surprise must not end the run
        return ArtifactCheck(
            art.kind, art.uri, art.entries, "error", f"{type(exc).__name__}: {exc}"
        )


def verify_matrix(
    matrix: Matrix,
    *,
    region: str | None = None,
    online: Online | None = None,
    path: str = "",
) -> VerifyReport:
    """Check every artifact of ``matrix`` offline, and online when ``online`` is given.

    Offline covers ``region`` or every region; online needs ``region`` for the
    ECR lookups (the wheels are the same everywhere).
    """
    from compat.errors import UsageError

    if online is not None and region is None:
        raise UsageError(
            "verify --online needs --region: image tags are looked up in one region's ECR",
            hint="pass --region, for example --region us-west-2",
        )
    regions = (
        [matrix.region(region)["name"]]
        if region is not None
        else sorted(matrix.compiled["regions"])
    )
    artifacts = collect_artifacts(matrix, regions)
    checks: list[ArtifactCheck | None] = [None] * len(artifacts)
    pending: list[int] = []
    for i, art in enumerate(artifacts):
        if art.problems:
            checks[i] = ArtifactCheck(
                art.kind, art.uri, art.entries, "malformed", "; ".join(art.problems)
            )
        elif online is None:
            checks[i] = ArtifactCheck(art.kind, art.uri, art.entries, "ok", "well formed")
        elif art.kind != "wheel" and online.ecr_client is None:
            checks[i] = ArtifactCheck(art.kind, art.uri, art.entries, "unchecked", "no ECR client")
        else:
            pending.append(i)
    if online is not None and pending:
        workers = max(1, min(online.concurrency, len(pending)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = pool.map(lambda i: _check_online(artifacts[i], online), pending)
            for i, check in zip(pending, results, strict=True):
                checks[i] = check
    done = [c for c in checks if c is not None]
    return VerifyReport(path, region, online is not None, tuple(done))
