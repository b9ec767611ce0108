"""The shipped matrix compiled when the wheel is built, so that no run ever compiles it.

The wheel's build hook (``hatch_build.py``) calls :func:`write_prebuilt` on
``data/matrix.yaml`` and ships the result as ``compat/data/matrix.compiled``,
next to the YAML. For the shipped matrix, :func:`read_prebuilt` then gives the
compiled tables without opening the YAML, importing PyYAML or pydantic,
hashing, or writing anything: what a read-only home, a locked-down CI runner or
the first call after an install needs.

Whether the compiled file still belongs to the YAML beside it is checked as
Python checks a ``.pyc`` against its source, from the file system alone: the
YAML must have the size it had when the wheel was built (its SHA-256 is inside,
as ``sha256``), and must not be newer than the compiled file (an installer
writes both at once; a hand edit afterwards makes the YAML newer). A missing
file, another layout or package version, a size or time mismatch, or a payload
that fails its checksum or does not unmarshal gives None, and the caller takes
the validating path (an editable install or a clone has no compiled file).
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from compat.matrix.layout import CompiledMatrix

#: The compiled file's name, in the directory of the shipped matrix.yaml.
PREBUILT_NAME = "matrix.compiled"
_MAGIC = b"SMDDPW1\n"
#: How much newer the YAML may be than the compiled file and still count as
#: installed with it (installers write the two files moments apart).
_SLACK_NS = 2_000_000_000
#: The payload's checksum is its bytes as one number modulo this (Mersenne) prime:
#: any changed bit or length changes it, and it needs no import (zlib costs ~0.5 ms).
_PRIME = 2**61 - 1


def checksum(payload: bytes) -> int:
    """A corruption check of ``payload`` (not a defence against deliberate change)."""
    return (int.from_bytes(payload, "little") + len(payload)) % _PRIME


def prebuilt_path(yaml_path: str) -> str:
    """Where the compiled form of ``yaml_path`` would be."""
    return os.path.join(os.path.dirname(yaml_path), PREBUILT_NAME)


def build_prebuilt(data: bytes, filename: str) -> bytes:
    """Validate and compile a matrix file's bytes into the shipped compiled form.

    Raises :class:`~compat.errors.MatrixError` when the matrix is invalid, so a
    wheel is never built around a matrix that would be refused at run time.
    """
    from compat._version import __version__
    from compat.matrix.layout import COMPILED_FORMAT
    from compat.matrix.store import compile_bytes

    # A TypedDict is a plain dict at run time; typeshed's marshal types do not say so.
    payload = marshal.dumps(compile_bytes(data, filename))  # type: ignore[arg-type]
    header = (COMPILED_FORMAT, __version__, len(data), checksum(payload), payload)
    return _MAGIC + marshal.dumps(header)


def write_prebuilt(yaml_path: str, out_path: str) -> None:
    """Compile ``yaml_path`` and write the compiled form to ``out_path`` (atomically)."""
    from compat.matrix.atomic import write_bytes_atomic
    from compat.matrix.store import read_matrix_bytes

    write_bytes_atomic(out_path, build_prebuilt(read_matrix_bytes(yaml_path), yaml_path))


def read_prebuilt(yaml_path: str) -> CompiledMatrix | None:
    """The compiled tables shipped for ``yaml_path``, or None when they do not apply."""
    try:
        with open(prebuilt_path(yaml_path), "rb") as fh:
            compiled_mtime = os.fstat(fh.fileno()).st_mtime_ns
            blob = fh.read()
        source = os.stat(yaml_path)
    except OSError:
        return None
    if not blob.startswith(_MAGIC):
        return None
    try:
        layout, version, size, check, payload = marshal.loads(memoryview(blob)[len(_MAGIC) :])
    except (ValueError, EOFError, TypeError):
        return None
    from compat._version import __version__
    from compat.matrix.layout import COMPILED_FORMAT

    if (
        layout != COMPILED_FORMAT
        or version != __version__
        or size != source.st_size
        or source.st_mtime_ns > compiled_mtime + _SLACK_NS
        or not isinstance(payload, bytes)
    ):
        return None
    if checksum(payload) != check:
        return None
    try:
        loaded = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    # Written by build_prebuilt from the compiler's output (the checksum holds).
    compiled: CompiledMatrix = loaded
    if not isinstance(loaded, dict) or compiled.get("format") != COMPILED_FORMAT:
        return None
    return compiled


def main(argv: list[str] | None = None) -> int:
    """``python -m compat.matrix.prebuilt MATRIX.yaml OUT``: what the build hook runs."""
    import sys

    from compat.errors import MatrixError

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m compat.matrix.prebuilt MATRIX.yaml OUT\n")
        return 2
    try:
        write_prebuilt(args[0], args[1])
    except MatrixError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return int(exc.exit_code)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
