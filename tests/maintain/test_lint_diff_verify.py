# ruff: noqa: E501 - matrix lines and expected output are clearer unwrapped
"""diff, lint and verify: exit codes, findings with file:line, per-item online checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from compat.maintain.lint import lint_file
from compat.maintain.verify import Online, collect_artifacts, verify_matrix
from compat.matrix import load_matrix

from ..conftest import REPO, Invoke

SHIPPED = REPO / "data" / "matrix.yaml"
SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")


def _edited(tmp_path: Path, *edits: tuple[str, str], name: str = "m.yaml") -> Path:
    text = SHIPPED_TEXT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --- lint ---------------------------------------------------------------------------


def test_the_shipped_matrix_passes_lint_strict(run_cli: Invoke) -> None:
    result = run_cli("lint", "--strict", str(SHIPPED))
    assert result.exit_code == 0, result.stdout
    # The TensorFlow 2.10.1 and 2.11.0 tags are confirmed by the DLC buildspecs now.
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s), 0 info(s); lint --strict passes" in result.stderr


def test_lint_finds_each_smell_at_its_line(tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        # an inference repository in a training row
        ('    tag: "2.6.2-gpu-py38-cu112-ubuntu20.04"\n',
         '    tag: "2.6.2-gpu-py38-cu112-ubuntu20.04"\n    repository: tensorflow-inference\n'),
        # a wheel whose smddp version differs from its row (schema-valid; validate refuses it)
        ("smdistributed_dataparallel-1.6.0-cp38-cp38", "smdistributed_dataparallel-1.6.1-cp38-cp38"),
        # a tag without -sagemaker where PyTorch has it
        ('tag: "1.11.0-gpu-py38-cu113-ubuntu20.04-sagemaker"', 'tag: "1.11.0-gpu-py38-cu113-ubuntu20.04"'),
        # a region named without an entry, and a region in the wrong partition
        ("\n            us-east-1, us-east-2, us-west-1, us-west-2]",
         "\n            us-east-1, us-east-2, us-west-1, us-west-2, me-west-1]"),
        ('cn-northwest-1:  {display_name: "China (Ningxia)", partition: aws-cn,',
         'cn-northwest-1:  {display_name: "China (Ningxia)", partition: aws,'),
        # a version listed twice
        ('  - version: "2.4.1"\n    smddp: "1.2.0"', '  - version: "2.3.2"\n    smddp: "1.2.0"'),
        # unconfirmed without a note
        ('    sources: [AWSSUP-2023]\n    confidence: documented\n\n  - version: "2.3.2"',
         '    sources: [AWSSUP-2023]\n    confidence: unconfirmed\n\n  - version: "2.3.2"'),
    )  # fmt: skip
    report = lint_file(str(path))
    got = {(f.code, f.severity, f.line) for f in report.findings}
    assert (
        "inference-repository",
        "warning",
        _line(path, "repository: tensorflow-inference"),
    ) in got
    assert ("wheel-smddp", "warning", _line(path, "dataparallel-1.6.1-cp38")) in got
    assert ("tag-sagemaker", "warning", _line(path, '"1.11.0-gpu-py38-cu113-ubuntu20.04"')) in got
    assert ("region-unknown", "warning", _line(path, "me-west-1]")) in got
    assert ("region-partition", "warning", _line(path, "cn-northwest-1:")) in got
    rows = enumerate(path.read_text().splitlines(), 1)
    second = [i for i, line in rows if line == '  - version: "2.3.2"'][-1]
    assert ("duplicate-version", "error", second) in got
    lines = path.read_text().splitlines()
    last = [i for i, line in enumerate(lines, 1) if line == "    confidence: unconfirmed"][-1]
    assert ("unconfirmed", "warning", last) in got  # TensorFlow 2.4.1 has no note
    assert report.failed  # an error fails even without --strict


def test_lint_strict_fails_on_warnings_only_when_strict(run_cli: Invoke, tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        ('tag: "1.11.0-gpu-py38-cu113-ubuntu20.04-sagemaker"', 'tag: "1.11.0-gpu-py38-cu113-ubuntu20.04"'),
    )  # fmt: skip
    line = _line(path, '"1.11.0-gpu-py38-cu113-ubuntu20.04"')
    rows = [
        ln for ln in SHIPPED_TEXT.split("\ntensorflow:")[0].splitlines() if "  - version:" in ln
    ]
    index = rows.index('  - version: "1.11.0"')
    relaxed = run_cli("lint", str(path))
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines()[0] == (
        f"{path}:{line}: warning: pytorch[{index}].tag: '1.11.0-gpu-py38-cu113-ubuntu20.04' has no "
        "'-sagemaker' suffix although pytorch tags have it from 1.10.0 on [tag-sagemaker]"
    )
    strict = run_cli("lint", "--strict", str(path), "--format", "json")
    assert strict.exit_code == 7
    data = json.loads(strict.stdout)
    assert (data["failed"], data["errors"], data["warnings"]) == (True, 0, 1)


def test_lint_refuses_a_file_outside_the_schema(run_cli: Invoke, tmp_path: Path) -> None:
    path = _edited(tmp_path, ("schema_version: 1\n", "schema_version: 1\nextra_key: 1\n"))
    result = run_cli("lint", str(path))
    assert result.exit_code == 7
    assert f"{path}:" in result.stderr
    assert "unknown field 'extra_key'" in result.stderr


# --- diff ---------------------------------------------------------------------------


def test_diff_same_file(run_cli: Invoke) -> None:
    result = run_cli("diff", str(SHIPPED), str(SHIPPED), "--exit-code")
    assert result.exit_code == 0
    assert result.stdout == f"{SHIPPED} and {SHIPPED} hold the same entries\n"


def test_diff_lists_entries_field_by_field(run_cli: Invoke, tmp_path: Path) -> None:
    new = _edited(
        tmp_path,
        ('"2.3.2-gpu-py37-cu110-ubuntu18.04"', '"2.3.2-gpu-py37-cu110-ubuntu18.04-sagemaker"'),
        ('  mx-central-1:    {display_name: "Mexico (Central)", partition: aws,        '
         'dlc_account: "637423239942", sources: [SDK, BOTOEP]}\n', ""),
        ('  - {versions: ["2.2.0"], pytorch: "2.2.0"', '  - {versions: ["2.2.1"], pytorch: "2.2.0"'),
    )  # fmt: skip
    result = run_cli("diff", str(SHIPPED), str(new))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "removed  regions mx-central-1",
        "changed  tensorflow 2.3.2",
        '  tag: "2.3.2-gpu-py37-cu110-ubuntu18.04" -> "2.3.2-gpu-py37-cu110-ubuntu18.04-sagemaker"',
        "changed  pytorch_lightning 2.2.0",
        '  versions: ["2.2.0"] -> ["2.2.1"]',
    ]
    assert run_cli("diff", str(SHIPPED), str(new), "--exit-code").exit_code == 1
    data = json.loads(run_cli("diff", str(new), str(SHIPPED), "--format", "json").stdout)
    assert (data["differ"], data["added"], data["removed"], data["changed"]) == (True, 1, 0, 2)


def test_diff_of_an_invalid_file_is_exit_7(run_cli: Invoke, tmp_path: Path) -> None:
    bad = _edited(
        tmp_path,
        ('  - version: "2.3.2"\n    smddp: "1.0.0"', '  - version: "2.3.2"\n    smddp: "x"'),
    )
    result = run_cli("diff", str(SHIPPED), str(bad), "--exit-code")
    assert result.exit_code == 7
    assert "'x' is not a valid version" in result.stderr


# --- verify -------------------------------------------------------------------------


def test_verify_offline_shipped(run_cli: Invoke) -> None:
    result = run_cli("verify")
    assert result.exit_code == 0
    assert result.stdout.startswith("verify (offline in every region): ")
    assert result.stdout.rstrip().endswith("ok")
    one = run_cli("verify", "--region", "us-west-2", "--format", "json")
    data = json.loads(one.stdout)
    assert data["counts"]["ok"] == len(data["checks"]) > 20
    assert {c["kind"] for c in data["checks"]} == {"image", "smp-image", "wheel"}


def test_verify_offline_finds_malformed_uris(run_cli: Invoke, tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        ('      base_url: "https://smdataparallel.s3.us-east-1.amazonaws.com/binary/"\n'
         '      path: "pytorch/2.5.1/',
         '      base_url: "https://smdataparallel.s3.us-east-1.amazonaws.com/binary//"\n'
         '      path: "pytorch/2.5.1/'),
    )  # fmt: skip
    result = run_cli("--matrix", str(path), "verify", "--region", "eu-west-1")
    assert result.exit_code == 7
    assert "malformed  wheel" in result.stdout
    assert "the URL path has an empty segment (//)" in result.stdout
    assert "pytorch 2.5.1" in result.stdout


def test_verify_online_needs_a_region(run_cli: Invoke) -> None:
    result = run_cli("verify", "--online")
    assert result.exit_code == 2
    assert "needs --region" in result.stderr


class _Wheels(BaseHTTPRequestHandler):
    """Answers HEAD: 404 for one wheel, 503 once then 200 for another, 200 otherwise."""

    flaky: dict[str, int] = {}  # noqa: RUF012 - shared on purpose across requests
    seen: list[str] = []  # noqa: RUF012

    def do_HEAD(self) -> None:
        self.seen.append(self.path)
        if "2.2.0-cp310" in self.path:
            self.send_response(404)
        elif "2.3.0-cp311" in self.path and self.flaky.setdefault(self.path, 0) == 0:
            self.flaky[self.path] = 1
            self.send_response(503)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def wheel_server() -> Iterator[str]:
    _Wheels.flaky = {}
    _Wheels.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Wheels)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/binary/"
    finally:
        server.shutdown()
        server.server_close()


def _stubbed_ecr(artifacts: list[object]) -> tuple[object, object]:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("ecr", region_name="us-west-2")
    stub = Stubber(client)
    for art in artifacts:
        uri = art.uri  # type: ignore[attr-defined]
        if art.kind == "wheel":  # type: ignore[attr-defined]
            continue
        host, _, rest = uri.partition("/")
        repository, _, tag = rest.rpartition(":")
        params = {
            "registryId": host.split(".")[0],
            "repositoryName": repository,
            "imageIds": [{"imageTag": tag}],
        }
        if tag == "2.3.2-gpu-py37-cu110-ubuntu18.04":
            stub.add_client_error(
                "describe_images",
                "ImageNotFoundException",
                "no such tag",
                400,
                expected_params=params,
            )
        elif tag == "2.4.1-gpu-py37-cu110-ubuntu18.04":
            stub.add_client_error(
                "describe_images",
                "AccessDeniedException",
                "not allowed",
                400,
                expected_params=params,
            )
        else:
            stub.add_response(
                "describe_images",
                {"imageDetails": [{"registryId": params["registryId"], "imageTags": [tag]}]},
                params,
            )
    stub.activate()
    return client, stub


def test_verify_online_reports_missing_artifacts_per_item(wheel_server: str) -> None:
    matrix = load_matrix(SHIPPED)
    client, stub = _stubbed_ecr(collect_artifacts(matrix, ["us-west-2"]))
    waits: list[float] = []
    online = Online(
        ecr_client=client,
        wheel_base_url=wheel_server,
        timeout=5,
        retries=2,
        backoff=0.25,
        concurrency=1,  # the Stubber answers in order
        sleep=waits.append,
    )
    report = verify_matrix(matrix, region="us-west-2", online=online, path="m.yaml")
    stub.assert_no_pending_responses()  # type: ignore[attr-defined]
    bad = {(c.kind, c.status, c.detail) for c in report.checks if c.status != "ok"}
    assert bad == {
        ("wheel", "missing", "HTTP 404"),
        ("image", "missing", "ImageNotFoundException: no such tag"),
        ("image", "error", "AccessDeniedException: not allowed"),
    }
    assert waits == [0.25]  # the 503 was retried once, after the first backoff
    assert report.exit_code == 7
    assert report.count("ok") == len(report.checks) - 3
    text = report.to_text()
    assert "missing  wheel" in text
    assert "tensorflow 2.3.2" in text
    assert all(p.startswith(("/binary/pytorch/", "/binary/tensorflow/")) for p in _Wheels.seen)


def test_verify_online_network_failures_do_not_abort() -> None:
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    matrix = load_matrix(SHIPPED)
    online = Online(
        wheel_base_url=f"http://127.0.0.1:{port}/",
        timeout=2,
        retries=1,
        backoff=0.0,
        concurrency=4,
        sleep=lambda _s: None,
    )
    report = verify_matrix(matrix, region="us-west-2", online=online)
    wheels = [c for c in report.checks if c.kind == "wheel"]
    # 17 PyTorch wheels (1.9.0 and 1.9.1 share one) and TensorFlow 2.11.0's, 2.9.2's, 2.6.0's.
    assert len(wheels) == 20
    assert all(c.status == "error" and "(after 2 attempts)" in c.detail for c in wheels)
    # Without an ECR client the images are reported as unchecked, not dropped.
    assert {c.status for c in report.checks if c.kind != "wheel"} == {"unchecked"}
    assert report.exit_code == 6
