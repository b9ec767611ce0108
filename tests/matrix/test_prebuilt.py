"""The build-time compiled matrix: used only while it belongs to the YAML beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compat.errors import MatrixError
from compat.matrix import compile_bytes, shipped_matrix_path
from compat.matrix.prebuilt import (
    PREBUILT_NAME,
    build_prebuilt,
    checksum,
    read_prebuilt,
    write_prebuilt,
)

from ..conftest import REPO, subprocess_env


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A copy of the shipped matrix with its compiled form next to it."""
    yaml_path = tmp_path / "matrix.yaml"
    yaml_path.write_bytes(Path(shipped_matrix_path()).read_bytes())
    write_prebuilt(str(yaml_path), str(tmp_path / PREBUILT_NAME))
    return yaml_path


def test_the_compiled_form_is_what_validating_the_yaml_gives(shipped_copy: Path) -> None:
    compiled = read_prebuilt(str(shipped_copy))
    assert compiled is not None
    assert compiled == compile_bytes(shipped_copy.read_bytes(), str(shipped_copy))


def test_the_installed_package_ships_a_compiled_form_of_its_matrix() -> None:
    compiled = read_prebuilt(shipped_matrix_path())
    assert compiled is not None, "the wheel was built without its compiled matrix"
    data = Path(shipped_matrix_path()).read_bytes()
    assert compiled == compile_bytes(data, shipped_matrix_path())


def _later(path: Path, seconds: float) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + int(seconds * 1e9)))


def test_a_hand_edited_yaml_of_the_same_size_is_not_answered_from_it(
    shipped_copy: Path,
) -> None:
    text = shipped_copy.read_text(encoding="utf-8")
    edited = text.replace('smddp: "1.7.0"', 'smddp: "1.7.1"', 1)
    assert len(edited) == len(text)
    assert edited != text
    shipped_copy.write_text(edited, encoding="utf-8")
    _later(shipped_copy, 60)  # written after the install, as an edit is
    assert read_prebuilt(str(shipped_copy)) is None


def test_a_yaml_of_another_size_is_not_answered_from_it(shipped_copy: Path) -> None:
    compiled_file = shipped_copy.parent / PREBUILT_NAME
    shipped_copy.write_bytes(shipped_copy.read_bytes() + b"\n# a comment\n")
    _later(compiled_file, 60)  # even when the compiled file looks newer
    assert read_prebuilt(str(shipped_copy)) is None


def test_files_written_together_match(shipped_copy: Path) -> None:
    _later(shipped_copy, 1)  # an installer writes the two moments apart
    assert read_prebuilt(str(shipped_copy)) is not None


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],
        lambda blob: blob[:-10] + bytes(10),
        lambda blob: blob[:2000] + bytes([blob[2000] ^ 1]) + blob[2001:],
        lambda blob: b"not a compiled matrix",
        lambda blob: b"",
    ],
    ids=["truncated", "zeroed-tail", "one-bit", "foreign", "empty"],
)
def test_a_damaged_compiled_file_is_not_trusted(shipped_copy: Path, damage: object) -> None:
    compiled_file = shipped_copy.parent / PREBUILT_NAME
    compiled_file.write_bytes(damage(compiled_file.read_bytes()))  # type: ignore[operator]
    assert read_prebuilt(str(shipped_copy)) is None


def test_a_compiled_file_of_another_package_version_is_not_used(
    shipped_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import compat._version

    monkeypatch.setattr(compat._version, "__version__", "0.0.0-other")
    assert read_prebuilt(str(shipped_copy)) is None


def test_without_a_compiled_file_there_is_nothing(tmp_path: Path) -> None:
    yaml_path = tmp_path / "matrix.yaml"
    yaml_path.write_bytes(Path(shipped_matrix_path()).read_bytes())
    assert read_prebuilt(str(yaml_path)) is None


def test_the_checksum_sees_a_changed_bit_or_length() -> None:
    payload = bytes(range(256)) * 8
    good = checksum(payload)
    assert checksum(payload + b"\0") != good
    assert checksum(payload[:-1]) != good
    for i in range(len(payload)):
        for bit in (1, 8, 128):
            assert checksum(payload[:i] + bytes([payload[i] ^ bit]) + payload[i + 1 :]) != good


def test_an_invalid_matrix_is_never_compiled_for_a_wheel(tmp_path: Path) -> None:
    with pytest.raises(MatrixError):
        build_prebuilt(b"schema_version: 1\nsources: []\n", "bad.yaml")
    bad = tmp_path / "matrix.yaml"
    bad.write_text("schema_version: 1\nsources: {}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "compat.matrix.prebuilt", str(bad), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 7, proc.stderr
    assert f"{bad}:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
