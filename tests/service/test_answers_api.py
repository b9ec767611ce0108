"""Issue 11 through the HTTP service: the same answers and errors as the CLI."""

from __future__ import annotations

import pytest

from .support import is_problem, make_client


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


def test_resolve_with_conflicting_smddp_version_is_400_naming_both(client) -> None:
    response = client.get(
        "/v1/resolve", params={"framework": "pt", "version": "1.13.1", "smddp_version": "2.6.0"}
    )
    assert response.status_code == 400
    assert is_problem(response)
    detail = response.json()["detail"]
    assert "1.13.1" in detail
    assert "2.6.0" in detail


def test_resolve_with_agreeing_smddp_version_is_that_release(client) -> None:
    response = client.get(
        "/v1/resolve", params={"framework": "pt", "version": "1.13.1", "smddp_version": "1.7.0"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["framework_version"] == "1.13.1"
    assert body["requested_smddp_version"] == "1.7.0"


PREFLIGHT = {
    "framework": "pytorch",
    "version": "2.2.0",
    "region": "us-west-2",
    "instance_type": "ml.p4d.24xlarge",
    "instance_count": "2",
}


def test_preflight_without_enable_aws_is_partial_not_pass(client) -> None:
    body = client.get("/v1/preflight", params=PREFLIGHT).json()
    assert (body["status"], body["exit_code"]) == ("partial", 0)
    assert body["not_checked"] == ["instance-quota", "total-instances-quota", "per-job-quota"]


def test_preflight_require_aws_makes_a_partial_report_exit_5(client) -> None:
    body = client.get("/v1/preflight", params={**PREFLIGHT, "require_aws": "true"}).json()
    assert (body["status"], body["exit_code"]) == ("partial", 5)


# -- serve on an address it cannot use -----------------------------------------------------
def _serve(*args: str) -> tuple[int, str, str]:
    import subprocess
    import sys

    from ..conftest import subprocess_env

    proc = subprocess.run(
        [sys.executable, "-m", "compat", "serve", *args],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_serve_on_a_busy_port_is_one_line_naming_the_address_exit_2() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _out, err = _serve("--port", str(port))
    assert code == 2, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert f"127.0.0.1:{port}" in errors[0]
    assert "Errno" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_serve_on_an_unusable_host_is_exit_2_naming_it(host: str) -> None:
    code, _out, err = _serve("--host", host, "--port", "8089")
    assert code == 2, err
    assert f"{host}:8089" in err
    assert "Errno" not in err
    assert "Traceback" not in err


def test_resolve_with_version_and_smddp_version_but_no_framework_says_what_is_missing(
    client,
) -> None:
    response = client.get("/v1/resolve", params={"version": "1.13.1", "smddp_version": "1.7.0"})
    assert response.status_code == 400
    assert "a version needs a framework" in response.json()["detail"]


def test_preflight_remedies_name_no_cli_option(client) -> None:
    """The HTTP answer has query parameters, not options: a remedy must not say --something."""
    import re

    for instance_type in ("p4d.24xlarge", "ml.p5.48xlarge", "ml.g5.48xlarge", "ml.p3.16xlarge"):
        body = client.get("/v1/preflight", params={**PREFLIGHT, "instance_type": instance_type})
        for check in body.json()["checks"]:
            text = f"{check['message']} {check['remedy'] or ''}"
            # The server's own option (how its operator turns the AWS checks on) is fine.
            named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)) - {"--enable-aws"}
            assert not named, text
