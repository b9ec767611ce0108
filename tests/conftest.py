"""Shared fixtures. Tests run against the installed package, never real AWS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
#: AWS's 2023-02 support page, kept in the repository with its source and licence
#: (tests/data/README.md), so that the tests that read it run in any clone.
SEED_PAGE = REPO / "tests" / "data" / "distributed-data-parallel-support-2023-02.md"
#: The reference facts beside the original checkout only (not part of the repository):
#: tests compare their own copies of facts with it where it is present.
FACTS = SHARED / "reference" / "smddp-facts.yaml"

# Hypothesis' per-example deadline is a timing assertion: on a loaded 2-core CI machine it
# fails correct code at random. Speed lives in benchmarks/, so no test here has a deadline.
settings.register_profile("smddp-compat", deadline=None)
settings.load_profile("smddp-compat")

# No test may reach AWS: no instance metadata, dummy credentials, no profiles.
_AWS_ENV = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "SMDDP_COMPAT_MATRIX",
    "SMDDP_COMPAT_DEBUG",
    "SMDDP_COMPAT_TOKEN",
)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in _AWS_ENV.items():
        monkeypatch.setenv(name, value)
    cache = tmp_path_factory.getbasetemp() / "compiled-cache"
    monkeypatch.setenv("SMDDP_COMPAT_CACHE_DIR", str(cache))


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class RealAwsRequestError(AssertionError):
    """A test tried to send a botocore request to a host that is not loopback."""


@pytest.fixture(autouse=True)
def _no_real_aws_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any botocore request to a non-loopback host (moto servers run on 127.0.0.1).

    Active once botocore is imported (the AWS test modules import it at the
    top); tests that never load botocore cannot send with it. Importing it here
    would defeat the tests that check ``resolve`` never loads it.
    """
    if "botocore" not in sys.modules:
        return
    import urllib.parse

    from botocore.httpsession import URLLib3Session

    real_send = URLLib3Session.send

    def guarded_send(self: URLLib3Session, request: object) -> object:
        url = str(getattr(request, "url", ""))
        host = urllib.parse.urlsplit(url).hostname or ""
        if host not in LOOPBACK_HOSTS:
            raise RealAwsRequestError(f"a test tried to reach {url}; use a stub or moto")
        return real_send(self, request)  # type: ignore[arg-type]

    monkeypatch.setattr(URLLib3Session, "send", guarded_send)


def free_port() -> int:
    """A free TCP port on 127.0.0.1, for a server a test starts (loopback only)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child ``smddp-compat`` process in a test."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(_AWS_ENV)
    env.update(extra)
    return env


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


Invoke = Callable[..., Result]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Invoke:
    """Run the CLI in-process through ``compat.cli.app.run`` (with its error mapping)."""
    from compat.cli.app import run

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


def run_process(args: Sequence[str], **env: str) -> Result:
    """Run ``python -m compat`` as a real process with the test environment."""
    proc = subprocess.run(
        [sys.executable, "-m", "compat", *args],
        capture_output=True,
        text=True,
        env=subprocess_env(**env),
        timeout=60,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def needs_shared(path: Path) -> None:
    """Fail clearly when a file the tests need is missing (it ships under tests/data/)."""
    if not path.exists():
        pytest.fail(f"{path} is missing: it is part of the repository (tests/data/)")


def in_ci() -> bool:
    """True in CI (``CI=true``), where .ci/run installs every tool the tests use."""
    return os.environ.get("CI", "").lower() == "true"


def missing_tool(what: str, install: str) -> NoReturn:
    """Fail in CI, skip elsewhere: a tool the tests use is not installed.

    .ci/run installs every such tool, so in CI a missing one is a broken run, and
    a skip there would hide the bugs the test is for.
    """
    message = f"{what} is not installed: {install}"
    if in_ci():
        pytest.fail(f"{message} (.ci/run installs it; in CI a missing tool is a failure)")
    pytest.skip(message)


SDK_FETCH = REPO / "tests" / "fetch_sdk.py"
SDK_ENV = "SMDDP_TEST_SDK_DIR"


def _config_dirs(root: Path) -> dict[str, Path]:
    """{"sagemaker-core": .../sagemaker/core/image_uri_config, "sagemaker": ...}."""
    found: dict[str, Path] = {}
    for folder in sorted(root.iterdir()):
        core = folder / "sagemaker" / "core" / "image_uri_config"
        v2 = folder / "sagemaker" / "image_uri_config"
        if (core / "pytorch.json").is_file():
            found["sagemaker-core"] = core
        elif (v2 / "pytorch.json").is_file():
            found["sagemaker"] = v2
    return found


@pytest.fixture(scope="session")
def real_sdks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    where = os.environ.get(SDK_ENV)
    command = f"python {SDK_FETCH.relative_to(REPO)} DIR && export {SDK_ENV}=DIR"
    if where:
        root = Path(where)
    elif in_ci():
        pytest.fail(f"{SDK_ENV} is not set: .ci/run fetches the SDK's files ({command})")
    else:
        root = tmp_path_factory.mktemp("real-sdk")
        done = subprocess.run(
            [sys.executable, str(SDK_FETCH), str(root)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"could not fetch the SDK's files ({done.stderr.strip()[-300:]}); run: {command}"
            )
    dirs = _config_dirs(root)
    if set(dirs) != {"sagemaker-core", "sagemaker"}:
        pytest.fail(f"{root} lacks an SDK generation (found {sorted(dirs)}); run: {command}")
    return dirs
